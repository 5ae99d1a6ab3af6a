import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { list, Parser, type ReadEntry } from "tar";

/**
 * Reads an OCI image layout kept in one tar (what `pack buildpack package --format file`
 * writes): index.json -> manifest -> config + layers. Every blob is checked against its digest
 * and every layer against its diff_id, so a test reads only what the archive really holds.
 */

export interface LayerEntry {
  /** Relative, without the leading "/" or "./" that some writers (pack does) put in front. */
  path: string;
  type: string;
  size: number;
  mode: number;
  linkpath: string | undefined;
  /** The content of regular files up to `SMALL_FILE_LIMIT` bytes (descriptors, scripts). */
  content: Buffer | undefined;
  /** The first `HEAD_BYTES` bytes of every regular file (an ELF header names its machine). */
  head: Buffer | undefined;
}

export interface OciLayer {
  digest: string;
  mediaType: string;
  diffId: string;
  entries: Map<string, LayerEntry>;
}

export interface OciImage {
  index: OciIndex;
  manifest: OciManifest;
  config: OciConfig;
  layers: OciLayer[];
  /** The file names at the top of the archive, normalised like LayerEntry.path. */
  files: string[];
}

export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string };
}
export interface OciIndex {
  schemaVersion: number;
  mediaType?: string;
  manifests: OciDescriptor[];
}
export interface OciManifest {
  schemaVersion: number;
  mediaType?: string;
  config: OciDescriptor;
  layers: OciDescriptor[];
}
export interface OciConfig {
  architecture?: string;
  os?: string;
  rootfs: { type: string; diff_ids: string[] };
  config?: { Labels?: Record<string, string> };
}

const SMALL_FILE_LIMIT = 64 * 1024;
const HEAD_BYTES = 64;
const INDEX_TYPES = new Set(["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"]);

export function normalizeEntryPath(path: string): string {
  return path.replace(/^(\.?\/)+/, "").replace(/\/+$/, "");
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

export async function readOciArchive(file: string): Promise<OciImage> {
  const files = new Map<string, Buffer>();
  await list({
    file,
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      if (entry.type !== "File") return;
      const chunks: Buffer[] = [];
      const path = normalizeEntryPath(entry.path);
      entry.on("data", (chunk: Buffer) => chunks.push(chunk));
      entry.on("end", () => files.set(path, Buffer.concat(chunks)));
    },
  });

  const blob = (descriptor: OciDescriptor): Buffer => {
    const [algorithm, hex] = descriptor.digest.split(":");
    const bytes = files.get(`blobs/${algorithm}/${hex}`);
    if (bytes === undefined) throw new Error(`${file}: blob ${descriptor.digest} is missing`);
    if (sha256(bytes) !== descriptor.digest) throw new Error(`${file}: blob ${descriptor.digest} has digest ${sha256(bytes)}`);
    if (bytes.length !== descriptor.size) throw new Error(`${file}: blob ${descriptor.digest} is ${bytes.length} bytes, its descriptor says ${descriptor.size}`);
    return bytes;
  };
  const json = <T>(descriptor: OciDescriptor): T => JSON.parse(blob(descriptor).toString("utf8")) as T;

  const indexBytes = files.get("index.json");
  if (indexBytes === undefined) throw new Error(`${file} has no index.json; it holds ${[...files.keys()].join(", ")}`);
  const index = JSON.parse(indexBytes.toString("utf8")) as OciIndex;

  // A nested index (several targets): take linux/amd64, the only target this buildpack has.
  let descriptor = index.manifests[0];
  let nested = descriptor !== undefined && INDEX_TYPES.has(descriptor.mediaType) ? json<OciIndex>(descriptor) : undefined;
  while (nested !== undefined) {
    descriptor = nested.manifests.find((m) => m.platform?.os === "linux" && m.platform.architecture === "amd64") ?? nested.manifests[0];
    nested = descriptor !== undefined && INDEX_TYPES.has(descriptor.mediaType) ? json<OciIndex>(descriptor) : undefined;
  }
  if (descriptor === undefined) throw new Error(`${file}: index.json lists no manifest`);
  const manifest = json<OciManifest>(descriptor);
  const config = json<OciConfig>(manifest.config);

  const layers: OciLayer[] = [];
  for (const [i, layer] of manifest.layers.entries()) {
    const compressed = blob(layer);
    const isGzip = compressed[0] === 0x1f && compressed[1] === 0x8b;
    const tarBytes = isGzip ? gunzipSync(compressed) : compressed;
    const diffId = sha256(tarBytes);
    const expected = config.rootfs.diff_ids[i];
    if (diffId !== expected) throw new Error(`${file}: layer ${i} (${layer.digest}) has diff_id ${diffId}, the config says ${expected}`);
    layers.push({ digest: layer.digest, mediaType: layer.mediaType, diffId, entries: await readLayer(tarBytes) });
  }
  return { index, manifest, config, layers, files: [...files.keys()] };
}

async function readLayer(tarBytes: Buffer): Promise<Map<string, LayerEntry>> {
  const entries = new Map<string, LayerEntry>();
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      const path = normalizeEntryPath(entry.path);
      const record: LayerEntry = {
        path,
        type: entry.type,
        size: entry.size,
        mode: entry.mode ?? 0,
        linkpath: entry.linkpath,
        content: undefined,
        head: undefined,
      };
      entries.set(path, record);
      if (entry.type === "File") {
        const small = entry.size <= SMALL_FILE_LIMIT;
        const chunks: Buffer[] = [];
        let kept = 0;
        entry.on("data", (chunk: Buffer) => {
          if (small || kept < HEAD_BYTES) chunks.push(chunk);
          kept += chunk.length;
        });
        entry.on("end", () => {
          const bytes = Buffer.concat(chunks);
          record.head = bytes.subarray(0, HEAD_BYTES);
          if (small) record.content = bytes;
        });
      } else {
        entry.resume();
      }
    },
  });
  await new Promise<void>((resolve, reject) => {
    parser.on("end", () => resolve());
    parser.on("error", reject);
    parser.end(tarBytes);
  });
  return entries;
}

/** The entries of all layers, later layers over earlier ones, as a container would see them. */
export function flatten(image: OciImage): Map<string, LayerEntry> {
  const all = new Map<string, LayerEntry>();
  for (const layer of image.layers) for (const [path, entry] of layer.entries) all.set(path, entry);
  return all;
}
