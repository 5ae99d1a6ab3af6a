import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { create, Header, type HeaderData } from "tar";

/** Test fixtures: tar bytes (from a real dir, or raw headers for hostile shapes) and xz. */

export type EntryType = NonNullable<HeaderData["type"]>;

export interface RawEntry {
  path: string;
  /** Defaults to "File". */
  type?: EntryType;
  body?: string | Uint8Array;
  linkpath?: string;
  mode?: number;
}

/**
 * Tar bytes written header by header, so an entry can have any path or link target, including
 * the ones `tar` itself would never create (absolute paths, `..`, links out of the tree).
 */
export function rawTar(entries: readonly RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const type = entry.type ?? "File";
    const body = entry.body === undefined ? Buffer.alloc(0) : Buffer.from(entry.body);
    const size = type === "File" ? body.length : 0;
    const header = new Header({
      path: entry.path,
      type,
      size,
      mode: entry.mode ?? (type === "Directory" ? 0o755 : 0o644),
      uid: 0,
      gid: 0,
      mtime: new Date(0),
      ...(entry.linkpath !== undefined ? { linkpath: entry.linkpath } : {}),
    });
    const block = Buffer.alloc(512);
    if (header.encode(block, 0)) throw new Error(`rawTar: "${entry.path}" needs a pax header; keep test paths short`);
    blocks.push(block);
    if (size > 0) blocks.push(body, Buffer.alloc((512 - (size % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** Tar bytes of `paths` inside `cwd`, as `tar -c` would write them (symlinks stay symlinks). */
export async function tarOfDir(cwd: string, paths: readonly string[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of create({ cwd, portable: true, noMtime: true }, [...paths])) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Compresses with the system `xz` CLI. */
export function xz(bytes: Uint8Array): Buffer {
  return execFileSync("xz", ["-z", "-c", "-T1"], { input: bytes, maxBuffer: 64 * 1024 * 1024 });
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Yields `bytes` in chunks, the way a download would arrive. */
export async function* chunked(bytes: Uint8Array, size = 4096): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** A `<top>/watchexec` release-shaped .tar.xz, from raw headers. */
export function watchexecArchive(top = "watchexec-2.5.1-x86_64-unknown-linux-musl", script = "#!/bin/sh\necho watchexec\n"): {
  bytes: Buffer;
  sha256: string;
} {
  const bytes = xz(
    rawTar([
      { path: `${top}/`, type: "Directory" },
      { path: `${top}/watchexec`, body: script, mode: 0o755 },
      { path: `${top}/LICENSE`, body: "Apache-2.0\n" },
      { path: `${top}/completions/`, type: "Directory" },
      { path: `${top}/completions/zsh`, body: "#compdef watchexec\n" },
    ]),
  );
  return { bytes, sha256: sha256(bytes) };
}
