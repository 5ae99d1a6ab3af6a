import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { scratchRoot } from "./paths.ts";
import { join } from "node:path";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { create } from "tar";
import type { Identity } from "./user.ts";
import { type FileContent, writeTree } from "./files.ts";

export interface SyncOptions {
  user?: Identity | undefined;
  /** Limits the stream to this many bytes per second, as a sync to a remote cluster is. */
  bytesPerSecond?: number;
}

/** Paces a stream to a byte rate, in small slices so the receiver sees a steady trickle. */
export class RateLimit extends Transform {
  private sent = 0;
  private readonly started = Date.now();

  constructor(private readonly bytesPerSecond: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    void this.pace(chunk).then(() => callback(), callback);
  }

  private async pace(chunk: Buffer): Promise<void> {
    const slice = Math.max(1024, Math.floor(this.bytesPerSecond / 50));
    for (let offset = 0; offset < chunk.length; offset += slice) {
      const piece = chunk.subarray(offset, offset + slice);
      const due = this.started + (this.sent / this.bytesPerSecond) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      this.sent += piece.length;
      this.push(piece);
    }
  }
}

/**
 * Syncs files the way Tilt's live_update does: ONE tar stream, extracted into the destination by
 * `tar -x` running as the app's user (Tilt pipes it into `kubectl exec ... tar -x`).
 * Returns how long the extraction took, end to end.
 */
export async function syncFiles(
  dest: string,
  files: Record<string, FileContent>,
  options: SyncOptions = {},
): Promise<{ ms: number; bytes: number }> {
  // The archive is made in full first, as the sync tool has it before it streams: the clock then
  // measures only the transfer and the extraction, not this harness's staging and packing.
  const archive = await packArchive(files);
  const extractor = spawn("tar", ["-x", "-f", "-", "-C", dest], {
    stdio: ["pipe", "ignore", "pipe"],
    ...(options.user !== undefined ? { uid: options.user.uid, gid: options.user.gid } : {}),
  });
  let stderr = "";
  extractor.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => extractor.on("close", resolve));
  await new Promise<void>((resolve, reject) => {
    extractor.once("spawn", resolve);
    extractor.once("error", reject);
  });
  const started = Date.now();
  const source = Readable.from([archive]);
  if (options.bytesPerSecond !== undefined) await pipeline(source, new RateLimit(options.bytesPerSecond), extractor.stdin);
  else await pipeline(source, extractor.stdin);
  const code = await exited;
  if (code !== 0) throw new Error(`tar -x into ${dest} exited ${code}: ${stderr}`);
  return { ms: Date.now() - started, bytes: archive.length };
}

async function packArchive(files: Record<string, FileContent>): Promise<Buffer> {
  const staging = await mkdtemp(join(scratchRoot(), "reloadable-sync-"));
  try {
    await writeTree(staging, files);
    const chunks: Buffer[] = [];
    for await (const chunk of create({ cwd: staging, portable: true }, Object.keys(files)) as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
