import { constants, createReadStream, lstatSync, readdirSync, readlinkSync } from "node:fs";
import { access, stat } from "node:fs/promises";
import { join, posix, relative } from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { UnpackSync, type ReadEntry } from "tar";
import { XzReadableStream } from "xz-decompress";
import { UnsafeArchiveError } from "../errors.ts";

export type EntryVerdict = { extract: true; path: string } | { extract: false; unsafe?: string };

/**
 * Decides one archive entry from its header alone: where it lands after stripping `strip`
 * leading directories, or why it must not be extracted. Pure, so every traversal shape is a row
 * in a table test. Links that only leave through links already on disk are caught by judgeOnDisk.
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

/** The kernel's limit on links followed in one path lookup (MAXSYMLINKS). */
const MAX_LINK_HOPS = 40;

export type Resolution = { inside: true; parts: string[] } | { inside: false; why: string };

function shorten(text: string, max = 120): string {
  return text.length <= max ? text : `${text.slice(0, max / 2)}...${text.slice(-max / 2)}`;
}

/**
 * Where `target`, read from the directory `from` (parts relative to `root`), resolves ON DISK:
 * component by component as the kernel does, following every link already under `root`
 * (a link's `..` climbs from where the link leads, not from where it sits). A component that
 * does not exist yet is taken as written. Anything that would leave `root` is reported with the
 * link that led out.
 */
export function resolveOnDisk(root: string, from: readonly string[], target: string): Resolution {
  if (target.startsWith("/")) return { inside: false, why: `"${shorten(target)}" is absolute` };
  const parts = [...from];
  const pending = target.split("/").reverse();
  let via: string | undefined;
  let hops = 0;
  while (pending.length > 0) {
    const component = pending.pop()!;
    if (component === "" || component === ".") continue;
    if (component === "..") {
      if (parts.length === 0) return { inside: false, why: via === undefined ? `".." climbs above the top` : `".." climbs above the top after the link ${via}` };
      parts.pop();
      continue;
    }
    const here = join(root, ...parts, component);
    let link: string | undefined;
    try {
      if (lstatSync(here).isSymbolicLink()) link = readlinkSync(here);
    } catch {
      // Not there (yet): taken as written. The check after extraction sees the final tree.
    }
    if (link === undefined) {
      parts.push(component);
      continue;
    }
    if (++hops > MAX_LINK_HOPS) return { inside: false, why: `more than ${MAX_LINK_HOPS} links to follow (a loop?)` };
    via = `"${shorten([...parts, component].join("/"))}" -> "${shorten(link)}"`;
    if (link.startsWith("/")) return { inside: false, why: `the link ${via} is absolute` };
    pending.push(...link.split("/").reverse());
  }
  return { inside: true, parts };
}

/**
 * Judges an entry against what is already extracted under `root`: it must not be written
 * through an extracted link, and a link must resolve inside `root` through the links there.
 * Returns why not, or undefined.
 */
export function judgeOnDisk(root: string, rawPath: string, path: string, type: string, linkpath: string | undefined, strip: number): string | undefined {
  const parts = path.split("/");
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join("/");
    let isLink: boolean;
    try {
      isLink = lstatSync(join(root, prefix)).isSymbolicLink();
    } catch {
      break; // not there: nothing deeper is either
    }
    if (isLink) return `entry "${rawPath}" would be written through the link "${prefix}"`;
  }
  if (type === "SymbolicLink") {
    const resolution = resolveOnDisk(root, parts.slice(0, -1), linkpath ?? "");
    if (!resolution.inside) return `link "${rawPath}" -> "${shorten(linkpath ?? "")}" resolves outside the layer: ${resolution.why}`;
  }
  if (type === "Link") {
    const target = (linkpath ?? "").split("/").filter((p) => p !== "" && p !== ".").slice(strip).join("/");
    const resolution = resolveOnDisk(root, [], target);
    if (!resolution.inside) return `hard link "${rawPath}" -> "${shorten(linkpath ?? "")}" resolves outside the layer: ${resolution.why}`;
  }
  return undefined;
}

/**
 * Every symlink under `root`, resolved on disk once extraction is over: a link judged safe when
 * it was written can lead out later, once a link it passes through is written (`a -> b/../x`,
 * then `b -> .`). Returns why each one that leads out does.
 */
export function linksLeadingOut(root: string): string[] {
  const out: string[] = [];
  const walk = (parts: string[]) => {
    for (const entry of readdirSync(join(root, ...parts), { withFileTypes: true })) {
      const here = [...parts, entry.name];
      if (entry.isSymbolicLink()) {
        const target = readlinkSync(join(root, ...here));
        const resolution = resolveOnDisk(root, parts, target);
        if (!resolution.inside) out.push(`link "${here.join("/")}" -> "${shorten(target)}" resolves outside the layer: ${resolution.why}`);
      } else if (entry.isDirectory()) {
        walk(here);
      }
    }
  };
  walk([]);
  return out;
}

/**
 * watchexec's release archive unpacks to about 12 MB in a dozen entries. These bounds stop a
 * decompression bomb or an archive of millions of entries long before they fill a disk.
 */
export interface ExtractionLimits {
  /** The tar stream's size once decompressed (headers and padding included). */
  maxBytes: number;
  maxEntries: number;
}

export const DEFAULT_EXTRACTION_LIMITS: ExtractionLimits = { maxBytes: 256 * 1024 * 1024, maxEntries: 1_000 };

function mib(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MiB` : `${bytes} bytes`;
}

/**
 * Unpacks a VERIFIED .tar.xz file (see saveVerified) into `dir`, with `strip` leading
 * directories removed. Entries are written synchronously, so each one is judged against what
 * the ones before it really left on disk; every link is judged again once all are written. The
 * decompressed size and the entry count are bounded, and a tar stream that ends without its
 * end-of-archive blocks (cut after its last entry) is an error. Callers unpack into a staging
 * dir and discard it on any error.
 */
export async function extractTarXz(
  archive: string,
  dir: string,
  uri: string,
  options: { strip?: number; limits?: ExtractionLimits } = {},
): Promise<void> {
  const strip = options.strip ?? 1;
  const limits = options.limits ?? DEFAULT_EXTRACTION_LIMITS;
  const unsafe: string[] = [];
  let failure: string | undefined;
  let entries = 0;
  let declaredBytes = 0;
  let sawEnd = false;

  const unpack = new UnpackSync({
    cwd: dir,
    strip,
    preserveOwner: false,
    // A damaged entry, an unexpected end of input or a path tar itself refuses is an error,
    // never a warning: a half-written binary must not pass.
    strict: true,
    filter: (path: string, entry: unknown) => {
      const e = entry as ReadEntry;
      if (failure !== undefined) return false;
      if (++entries > limits.maxEntries) {
        failure = `the archive holds more than ${limits.maxEntries} entries (the limit)`;
        return false;
      }
      const verdict = judgeEntry(path, e.type, e.linkpath, strip);
      if (!verdict.extract) {
        if (verdict.unsafe !== undefined) unsafe.push(verdict.unsafe);
        return false;
      }
      if (unsafe.length > 0) return false;
      declaredBytes += e.type === "Directory" || e.type === "SymbolicLink" || e.type === "Link" ? 0 : (e.size ?? 0);
      if (declaredBytes > limits.maxBytes) {
        failure = `entry "${path}" (${e.size ?? 0} bytes) takes the archive past the limit of ${mib(limits.maxBytes)} unpacked`;
        return false;
      }
      const onDisk = judgeOnDisk(dir, path, verdict.path, e.type, e.linkpath, strip);
      if (onDisk !== undefined) {
        unsafe.push(onDisk);
        return false;
      }
      return true;
    },
  });
  unpack.on("error", (error: Error & { code?: string; symlink?: string; entry?: ReadEntry }) => {
    // tar's own rule, stricter than ours: no link is made whose target passes through a link.
    if (error.code === "TAR_SYMLINK_ERROR" && error.entry !== undefined) {
      const through = error.symlink === undefined ? "another link" : `the link "${relative(dir, error.symlink)}"`;
      unsafe.push(`link "${error.entry.path}" -> "${shorten(error.entry.linkpath ?? "")}" passes through ${through}, which tar does not follow`);
      return;
    }
    failure ??= `not a valid .tar.xz archive: ${error.message}`;
  });
  unpack.on("eof", () => {
    sawEnd = true;
  });

  const compressed = Readable.toWeb(createReadStream(archive, { highWaterMark: 512 * 1024 })) as unknown as ReadableStream<Uint8Array>;
  const reader = new XzReadableStream(compressed).getReader();
  let decompressed = 0;
  let done = false;
  try {
    while (failure === undefined && unsafe.length === 0) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        break;
      }
      decompressed += next.value.length;
      if (decompressed > limits.maxBytes) {
        failure = `the archive unpacks to more than the limit of ${mib(limits.maxBytes)}`;
        break;
      }
      unpack.write(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength));
    }
  } catch (error) {
    failure ??= `not a valid .tar.xz archive: ${(error as Error).message}`;
  } finally {
    // The decoder holds a process-wide lock until it ends or is cancelled.
    if (!done) await reader.cancel().catch(() => undefined);
  }
  if (failure === undefined && unsafe.length === 0) {
    unpack.end();
    if (failure === undefined && !sawEnd) failure = "the tar stream ends without its end-of-archive blocks: the archive was cut short";
  }
  if (unsafe.length > 0) throw new UnsafeArchiveError(uri, `refused ${unsafe.join("; ")}`);
  if (failure !== undefined) throw new UnsafeArchiveError(uri, failure);
  const leadingOut = linksLeadingOut(dir);
  if (leadingOut.length > 0) throw new UnsafeArchiveError(uri, `refused ${leadingOut.join("; ")}`);
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
