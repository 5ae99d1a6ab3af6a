import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { posix } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { once } from "node:events";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { Unpack, type ReadEntry } from "tar";
import { XzReadableStream } from "xz-decompress";
import { ChecksumMismatchError, UnsafeArchiveError } from "../errors.ts";

export type EntryVerdict = { extract: true; path: string } | { extract: false; unsafe?: string };

/**
 * Decides one archive entry: where it lands after stripping `strip` leading directories, or
 * why it must not be extracted. Pure, so every traversal shape is a row in a table test.
 */
export function judgeEntry(rawPath: string, type: string, linkpath: string | undefined, strip: number): EntryVerdict {
  if (rawPath.startsWith("/") || /^[a-zA-Z]:/.test(rawPath)) return { extract: false, unsafe: `absolute path "${rawPath}"` };
  const parts = rawPath.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) return { extract: false, unsafe: `path "${rawPath}" climbs out with ".."` };
  const path = parts.slice(strip).join("/");
  if (path === "") return { extract: false };

  if (type === "SymbolicLink" || type === "Link") {
    const target = linkpath ?? "";
    if (target.startsWith("/")) return { extract: false, unsafe: `link "${rawPath}" points to absolute path "${target}"` };
    // A symlink resolves from its own directory; a hard link names a path from the archive root.
    const resolved =
      type === "SymbolicLink"
        ? posix.normalize(posix.join(posix.dirname(path), target))
        : posix.normalize(target.split("/").filter((p) => p !== "" && p !== ".").slice(strip).join("/") || ".");
    if (resolved === ".." || resolved.startsWith("../") || (type === "Link" && target.split("/").includes(".."))) {
      return { extract: false, unsafe: `link "${rawPath}" points outside the layer ("${target}")` };
    }
  } else if (!["File", "OldFile", "ContiguousFile", "Directory"].includes(type)) {
    // Devices, FIFOs and the like have no place in a tool's release archive.
    return { extract: false, unsafe: `entry "${rawPath}" of type ${type}` };
  }
  return { extract: true, path };
}

const XZ_BATCH_BYTES = 512 * 1024;

export interface ExtractResult {
  sha256: string;
  bytes: number;
}

/**
 * Streams a .tar.xz into `dir`, hashing the compressed bytes as they pass. The digest is checked
 * when the stream ends; callers extract into a staging dir and discard it on any error, so a
 * mismatched or unsafe archive never reaches a layer. The whole input is always read, so a
 * corrupt download is reported as a checksum mismatch rather than as a decoder error.
 */
export async function extractTarXz(
  input: AsyncIterable<Uint8Array>,
  dir: string,
  expectedSha256: string,
  uri: string,
  strip = 1,
): Promise<ExtractResult> {
  const hash = createHash("sha256");
  const unsafe: string[] = [];
  const unpack = new Unpack({
    cwd: dir,
    strip,
    preserveOwner: false,
    filter: (path: string, entry: unknown) => {
      const e = entry as ReadEntry;
      const verdict = judgeEntry(path, e.type, e.linkpath, strip);
      if (!verdict.extract && verdict.unsafe !== undefined) unsafe.push(verdict.unsafe);
      return verdict.extract && unsafe.length === 0;
    },
  });
  const compressed = new PassThrough();
  const xz = new XzReadableStream(Readable.toWeb(compressed) as unknown as ReadableStream<Uint8Array>);
  const decompressed = Readable.fromWeb(xz as unknown as WebReadableStream<Uint8Array>);
  // Settles only on tar's close, after its last write: every exit below waits for it, so the
  // caller can remove the staging dir without racing writes still landing in it.
  let extractionError: unknown;
  const settled = new Promise<void>((resolve) => {
    decompressed.on("error", (error: unknown) => {
      extractionError ??= error;
      unpack.end();
    });
    unpack.on("error", (error: unknown) => {
      extractionError ??= error;
    });
    unpack.on("close", () => resolve());
    decompressed.pipe(unpack);
  });

  // The WASM decoder pays per call: HTTP delivers 16-64 KiB chunks, so they are handed over in
  // batches of 512 KiB (a cold build's install, 3 MB of xz over HTTP: ~400 ms -> ~315 ms).
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const batch = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    if (extractionError === undefined && !compressed.write(batch)) {
      await Promise.race([once(compressed, "drain"), settled]);
    }
  };
  let bytes = 0;
  try {
    for await (const chunk of input) {
      hash.update(chunk);
      bytes += chunk.length;
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= XZ_BATCH_BYTES) await flush();
    }
    await flush();
  } catch (error) {
    compressed.end();
    await settled;
    throw error;
  }
  compressed.end();
  await settled;

  const sha256 = hash.digest("hex");
  if (sha256 !== expectedSha256.toLowerCase()) {
    throw new ChecksumMismatchError(uri, expectedSha256.toLowerCase(), sha256);
  }
  if (unsafe.length > 0) throw new UnsafeArchiveError(uri, `refused ${unsafe.join("; ")}`);
  if (extractionError !== undefined) {
    throw new UnsafeArchiveError(uri, `not a valid .tar.xz archive: ${(extractionError as Error).message}`);
  }
  return { sha256, bytes };
}

export async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
