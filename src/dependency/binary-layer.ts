import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  layerPaths,
  readLayerMetadata,
  removeLayerMetadata,
  writeLayerMetadata,
  writeLayerSbom,
} from "../cnb/layers.ts";
import type { TomlTable } from "../cnb/toml.ts";
import type { BuildpackInfo, DependencyRecord } from "../cnb/types.ts";
import { UnsafeArchiveError } from "../errors.ts";
import { archOf } from "./inventory.ts";
import { describeSource, type ArtifactSource } from "./source.ts";
import { downloadVerified, type DownloadOptions } from "./download.ts";
import { cycloneDx, syft } from "./sbom.ts";
import { isExecutableFile, type ExtractionLimits } from "./extract.ts";
import { formatDuration, type Logger } from "../output.ts";

const LAYER_TYPES = { launch: true, build: false, cache: true };

/** What the layer records about its content; equal records mean the content can be reused. */
export interface BinaryLayerMetadata {
  version: string;
  sha256: string;
  uri: string;
  arch: string;
}

export function layerMetadataFor(dependency: DependencyRecord): BinaryLayerMetadata {
  return { version: dependency.version, sha256: dependency.sha256, uri: dependency.uri, arch: archOf(dependency) ?? "" };
}

export type ReuseDecision = { reuse: true } | { reuse: false; reason: string };

/** The restored layer's binary: whether it is an executable file, and its SHA-256 if so. */
export interface CachedBinary {
  executable: boolean;
  sha256: string | undefined;
}

export const BINARY_DIGEST = "binary-sha256";

/**
 * Reuse only when the restored record is identical and the binary is the one installed: a
 * cache corrupted between builds (a truncated or overwritten file) would otherwise be reused and
 * fail only when the image starts ("exec format error").
 */
export function decideReuse(restored: TomlTable | undefined, expected: BinaryLayerMetadata, binary: CachedBinary, binaryName = "watchexec"): ReuseDecision {
  if (restored === undefined) return { reuse: false, reason: "no cached layer" };
  const fields = ["version", "arch", "sha256", "uri"] as const;
  for (const field of fields) {
    const before = restored[field];
    if (before !== expected[field]) {
      return { reuse: false, reason: `${field} changed: ${typeof before === "string" ? before : "(none)"} -> ${expected[field]}` };
    }
  }
  if (!binary.executable) return { reuse: false, reason: `cached layer has no executable bin/${binaryName}` };
  const recorded = restored[BINARY_DIGEST];
  if (typeof recorded !== "string") return { reuse: false, reason: "cached layer records no digest of its binary" };
  if (recorded !== binary.sha256) return { reuse: false, reason: "cached binary changed" };
  return { reuse: true };
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function cachedBinary(path: string): Promise<CachedBinary> {
  if (!(await isExecutableFile(path))) return { executable: false, sha256: undefined };
  return { executable: true, sha256: await sha256OfFile(path) };
}

/**
 * Takes the verified artifact apart into `staging` and returns the path of the program in it
 * (it is then moved to the layer's bin/). Called only after the SHA-256 matched.
 */
export type Unpack = (artifact: string, staging: string, uri: string, limits: ExtractionLimits | undefined) => Promise<string>;

/** One program from a verified dependency, in a launch layer of its own: what it is and how it unpacks. */
export interface BinaryLayerSpec {
  /** The layer's name, and the program's name in its bin/. */
  layer: string;
  binary: string;
  /** Where the archive holds it, for the error when it does not ("at the top of the archive"). */
  where: string;
  unpack: Unpack;
}

export interface ContributeInput {
  layersDir: string;
  dependency: DependencyRecord;
  source: ArtifactSource;
  buildpack: BuildpackInfo;
  download: DownloadOptions;
  /** Bounds of the extraction; the defaults fit watchexec's release archives. */
  extraction?: ExtractionLimits;
  logger: Logger;
}

export interface ContributeResult {
  reused: boolean;
  binary: string;
}

/** What a build killed mid-install leaves next to the layer: never reused, removed by the next build. */
function leftovers(layerDir: string): { staging: string; download: string } {
  return { staging: `${layerDir}.staging`, download: `${layerDir}.download` };
}

/**
 * Installs the program into `<layers>/<layer>/bin`, or reuses the restored layer.
 * Order matters for a build killed at any point: the old metadata goes first, the archive is
 * downloaded and verified in a staging file, unpacked into a staging dir and renamed into
 * place, and the new metadata is written last. A layer dir without metadata is never reused.
 */
export async function contributeBinaryLayer(spec: BinaryLayerSpec, input: ContributeInput): Promise<ContributeResult> {
  const { layersDir, dependency, logger } = input;
  const layer = layerPaths(layersDir, spec.layer);
  const binary = join(layer.dir, "bin", spec.binary);
  const expected = layerMetadataFor(dependency);

  logger.header(`${dependency.name} ${dependency.version} (${expected.arch})`);
  const { staging, download } = leftovers(layer.dir);
  await Promise.all([rm(staging, { recursive: true, force: true }), rm(download, { force: true })]);
  const cached = await cachedBinary(binary);
  const decision = decideReuse(await readLayerMetadata(layer), expected, cached, spec.binary);
  let binarySha256 = cached.sha256;
  if (decision.reuse) {
    logger.detail(`Reusing cached layer ${layer.dir}`);
  } else {
    logger.detail(`Installing: ${decision.reason}`);
    await removeLayerMetadata(layer);
    binarySha256 = await install(spec, input, layer.dir);
  }
  await writeLayerMetadata(layer, LAYER_TYPES, { ...expected, [BINARY_DIGEST]: binarySha256 ?? "" });
  await writeLayerSbom(layersDir, spec.layer, "cdx.json", cycloneDx(dependency, input.buildpack));
  await writeLayerSbom(layersDir, spec.layer, "syft.json", syft(dependency, input.buildpack));
  return { reused: decision.reuse, binary };
}

/** Where the artifact's URI came from, for errors whose fix is to correct it there. */
function originOf(source: ArtifactSource, sha256: string): string | undefined {
  if (source.kind === "binding") return `dependency-mapping binding "${source.binding}" (its entry ${sha256})`;
  if (source.kind === "offline") return `offline package entry dependencies/${sha256}/ of the buildpack`;
  return undefined;
}

/** Downloads, verifies, then unpacks; returns the SHA-256 of the installed binary. */
async function install(spec: BinaryLayerSpec, input: ContributeInput, layerDir: string): Promise<string> {
  const { dependency, source, logger } = input;
  const { staging, download } = leftovers(layerDir);
  const started = Date.now();
  const uri = source.kind === "offline" ? source.path : source.uri;
  const origin = originOf(source, dependency.sha256);
  logger.detail(`Fetching ${describeSource(source)}`);
  logger.detail(`Verifying checksum ${dependency.sha256} before extracting`);
  try {
    await downloadVerified(uri, download, dependency.sha256, { ...input.download, ...(origin !== undefined ? { origin } : {}) });
    await mkdir(staging, { recursive: true });
    const unpacked = await spec.unpack(download, staging, uri, input.extraction);
    if (!(await isExecutableFile(unpacked))) {
      throw new UnsafeArchiveError(uri, `no executable ${spec.binary} ${spec.where}`);
    }
    const digest = await sha256OfFile(unpacked);
    await mkdir(join(staging, "bin"), { recursive: true });
    await rename(unpacked, join(staging, "bin", spec.binary));
    await rm(layerDir, { recursive: true, force: true });
    await rename(staging, layerDir);
    logger.detail(`Installed to ${layerDir} in ${formatDuration(Date.now() - started)}`);
    return digest;
  } finally {
    // A failed cleanup must not hide the error that brought us here.
    await rm(staging, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
    await rm(download, { force: true }).catch(() => undefined);
  }
}
