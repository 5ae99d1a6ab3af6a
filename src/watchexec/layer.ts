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
import { archOf } from "../dependency/inventory.ts";
import { describeSource, type ArtifactSource } from "../dependency/source.ts";
import { openArtifact, withProgress, withRetries, type DownloadOptions } from "../dependency/download.ts";
import { cycloneDx, syft } from "../dependency/sbom.ts";
import { extractTarXz, isExecutableFile } from "../dependency/extract.ts";
import { formatDuration, type Logger } from "../output.ts";

export const LAYER_NAME = "watchexec";
const LAYER_TYPES = { launch: true, build: false, cache: true };

/** What the layer records about its content; equal records mean the content can be reused. */
export interface WatchexecLayerMetadata {
  version: string;
  sha256: string;
  uri: string;
  arch: string;
}

export function layerMetadataFor(dependency: DependencyRecord): WatchexecLayerMetadata {
  return { version: dependency.version, sha256: dependency.sha256, uri: dependency.uri, arch: archOf(dependency) ?? "" };
}

export type ReuseDecision = { reuse: true } | { reuse: false; reason: string };

/** Reuse only when the restored record is identical and the binary is really there. */
export function decideReuse(
  restored: TomlTable | undefined,
  expected: WatchexecLayerMetadata,
  binaryPresent: boolean,
): ReuseDecision {
  if (restored === undefined) return { reuse: false, reason: "no cached layer" };
  const fields = ["version", "arch", "sha256", "uri"] as const;
  for (const field of fields) {
    const before = restored[field];
    if (before !== expected[field]) {
      return { reuse: false, reason: `${field} changed: ${typeof before === "string" ? before : "(none)"} -> ${expected[field]}` };
    }
  }
  if (!binaryPresent) return { reuse: false, reason: "cached layer has no executable bin/watchexec" };
  return { reuse: true };
}

export interface ContributeInput {
  layersDir: string;
  dependency: DependencyRecord;
  source: ArtifactSource;
  buildpack: BuildpackInfo;
  download: DownloadOptions;
  logger: Logger;
}

export interface ContributeResult {
  reused: boolean;
  binary: string;
}

/**
 * Installs watchexec into `<layers>/watchexec/bin`, or reuses the restored layer.
 * Order matters for a build killed at any point: the old metadata goes first, the content is
 * built in a staging dir and renamed into place, and the new metadata is written last. A layer
 * dir without metadata is never reused.
 */
export async function contributeWatchexecLayer(input: ContributeInput): Promise<ContributeResult> {
  const { layersDir, dependency, logger } = input;
  const layer = layerPaths(layersDir, LAYER_NAME);
  const binary = join(layer.dir, "bin", "watchexec");
  const expected = layerMetadataFor(dependency);

  logger.header(`${dependency.name} ${dependency.version} (${expected.arch})`);
  const decision = decideReuse(await readLayerMetadata(layer), expected, await isExecutableFile(binary));
  if (decision.reuse) {
    logger.detail(`Reusing cached layer ${layer.dir}`);
  } else {
    logger.detail(`Installing: ${decision.reason}`);
    await removeLayerMetadata(layer);
    await install(input, layer.dir);
  }
  await writeLayerMetadata(layer, LAYER_TYPES, { ...expected });
  await writeLayerSbom(layersDir, LAYER_NAME, "cdx.json", cycloneDx(dependency, input.buildpack));
  await writeLayerSbom(layersDir, LAYER_NAME, "syft.json", syft(dependency, input.buildpack));
  return { reused: decision.reuse, binary };
}

async function install(input: ContributeInput, layerDir: string): Promise<void> {
  const { dependency, source, logger } = input;
  const staging = `${layerDir}.staging`;
  const started = Date.now();
  const uri = source.kind === "offline" ? source.path : source.uri;
  logger.detail(`Fetching ${describeSource(source)}`);
  logger.detail(`Verifying checksum ${dependency.sha256} while extracting`);
  try {
    await withRetries(async () => {
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging, { recursive: true });
      const artifact = await openArtifact(uri, input.download);
      await extractTarXz(withProgress(artifact, input.download), staging, dependency.sha256, uri);
    }, input.download);
    if (!(await isExecutableFile(join(staging, "watchexec")))) {
      throw new UnsafeArchiveError(uri, "no executable watchexec at the top of the archive");
    }
    await mkdir(join(staging, "bin"));
    await rename(join(staging, "watchexec"), join(staging, "bin", "watchexec"));
    await rm(layerDir, { recursive: true, force: true });
    await rename(staging, layerDir);
  } finally {
    // A failed cleanup must not hide the error that brought us here.
    await rm(staging, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
  }
  logger.detail(`Installed to ${layerDir} in ${formatDuration(Date.now() - started)}`);
}
