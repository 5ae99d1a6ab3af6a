import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { create } from "tar";
import type { Identity } from "./user.ts";
import { writeTree } from "./files.ts";

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
  files: Record<string, string | Buffer>,
  options: SyncOptions = {},
): Promise<{ ms: number; bytes: number }> {
  const staging = await mkdtemp(join(tmpdir(), "reloadable-sync-"));
  try {
    await writeTree(staging, files);
    const archive = create({ cwd: staging, portable: true }, Object.keys(files)) as unknown as Readable;
    const extractor = spawn("tar", ["-x", "-f", "-", "-C", dest], {
      stdio: ["pipe", "ignore", "pipe"],
      ...(options.user !== undefined ? { uid: options.user.uid, gid: options.user.gid } : {}),
    });
    let stderr = "";
    extractor.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => extractor.on("close", resolve));
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    const started = Date.now();
    const stages: NodeJS.ReadWriteStream[] = [counter];
    if (options.bytesPerSecond !== undefined) stages.push(new RateLimit(options.bytesPerSecond));
    await pipeline(archive, ...(stages as [Transform]), extractor.stdin);
    const code = await exited;
    if (code !== 0) throw new Error(`tar -x into ${dest} exited ${code}: ${stderr}`);
    return { ms: Date.now() - started, bytes };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
