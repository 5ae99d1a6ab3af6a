// Tilt's live_update replayed into a running container as Tilt runs it against a Kubernetes pod
// (its exec updater): the synced files go as ONE uncompressed tar with full paths under `/`,
// extracted by `tar -C / -x -f -` through `exec -i` as the container's user; then each run()
// step runs as `sh -c <command>` through exec. Tilt names each entry by its container path
// without the leading slash, zeroes uid and gid, keeps the local mode, and includes directory
// entries: those of the sync root and the directories on the way to a changed file (what Tilt
// sends when its watcher reports them; tilt-dev/tilt#2300 and #6562 show the entry for the
// sync root, /workspace, failing).
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix, relative, sep } from "node:path";
import { create } from "tar";
import type { Tiltfile } from "../../harness/tiltfile.ts";
import type { Container } from "./container.ts";

export interface TiltSyncOptions {
  /** The local checkout the Tiltfile's paths are relative to. */
  root: string;
  /** What changed, relative to `root`: files, or directories (walked, as Tilt walks them). */
  changed: string[];
  /** What was deleted, relative to `root`: Tilt removes it first with `rm -rf` through exec. */
  deleted?: string[];
}

export interface TiltSyncResult {
  /** Container paths in the archive, in order (no leading slash, as Tilt writes them). */
  entries: string[];
  /** performance.now() when tar exited, and when the last run() step returned. */
  syncEnded: number;
  runEnded: number;
  /** tar's wall time in the container. */
  syncMs: number;
}

interface Entry {
  /** Container path without the leading slash. */
  name: string;
  /** The local file or directory it comes from. */
  local: string;
}

/** The archive entries of the sync() steps for the changed paths, each once, parents first. */
export function tiltArchiveEntries(tiltfile: Tiltfile, root: string, changed: string[]): Entry[] {
  const entries: Entry[] = [];
  const add = (local: string, remote: string) => {
    entries.push({ name: remote.replace(/^\/+/, ""), local });
    if (lstatSync(local).isDirectory()) for (const child of readdirSync(local).sort()) add(join(local, child), posix.join(remote, child));
  };
  for (const step of tiltfile.liveUpdate) {
    if (step.kind !== "sync") continue;
    const localRoot = join(root, step.local);
    for (const path of changed) {
      const local = join(root, path);
      const inside = relative(localRoot, local);
      if (inside.startsWith("..")) continue;
      // The directories from the sync root down to the changed path's parent, header only.
      const parts = inside === "" ? [] : inside.split(sep);
      for (let depth = 0; depth < parts.length; depth++) {
        entries.push({ name: posix.join(step.remote, ...parts.slice(0, depth)).replace(/^\/+/, ""), local: join(localRoot, ...parts.slice(0, depth)) });
      }
      add(local, posix.join(step.remote, ...parts));
    }
  }
  // Each path once, where it first comes: directories before what is in them.
  const first = new Map<string, number>();
  entries.forEach((e, i) => first.has(e.name) || first.set(e.name, i));
  return entries.filter((e, i) => first.get(e.name) === i);
}

/** The container paths of local paths under the sync() steps (for deletions). */
function containerPaths(tiltfile: Tiltfile, root: string, paths: readonly string[]): string[] {
  const found: string[] = [];
  for (const step of tiltfile.liveUpdate) {
    if (step.kind !== "sync") continue;
    for (const path of paths) {
      const inside = relative(join(root, step.local), join(root, path));
      if (!inside.startsWith("..")) found.push(posix.join(step.remote, ...inside.split(sep)));
    }
  }
  return found;
}

/** The tar Tilt would stream: a staging tree of the entries under their container paths, packed. */
async function tiltArchive(entries: Entry[]): Promise<Buffer> {
  const staging = mkdtempSync(join(tmpdir(), "reloadable-tilt-"));
  try {
    for (const entry of entries) {
      const dest = join(staging, entry.name);
      const info = statSync(entry.local);
      mkdirSync(info.isDirectory() ? dest : dirname(dest), { recursive: true });
      if (!info.isDirectory()) writeFileSync(dest, readFileSync(entry.local));
      chmodSync(dest, info.mode & 0o7777);
    }
    const chunks: Buffer[] = [];
    const stream = create({ cwd: staging, portable: true, noDirRecurse: true }, entries.map((e) => e.name));
    for await (const chunk of stream as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * One live update: the tar of every sync() step's changed files, then the run() steps in order.
 * A non-zero exit of tar or of a run() step fails, as Tilt then fails the live update (and falls
 * back to a full image build).
 */
export async function replayLiveUpdate(container: Container, tiltfile: Tiltfile, options: TiltSyncOptions): Promise<TiltSyncResult> {
  const removed = containerPaths(tiltfile, options.root, options.deleted ?? []);
  if (removed.length > 0) {
    const rm = await container.exec(["rm", "-rf", ...removed]);
    if (rm.code !== 0) throw new Error(`Tilt's rm -rf ${removed.join(" ")} exited ${rm.code}:\n${rm.stderr}${rm.stdout}`);
  }
  const entries = tiltArchiveEntries(tiltfile, options.root, options.changed);
  const archive = await tiltArchive(entries);
  const tar = await container.exec(["tar", "-C", "/", "-x", "-f", "-"], { input: archive });
  const syncEnded = performance.now();
  if (tar.code !== 0) {
    throw new Error(`Tilt's sync (tar -C / -x -f - as the container's user) exited ${tar.code}:\n${tar.stderr}${tar.stdout}entries: ${entries.map((e) => e.name).join(", ")}`);
  }
  let runEnded = syncEnded;
  for (const step of tiltfile.liveUpdate) {
    if (step.kind !== "run") continue;
    const ran = await container.exec(["sh", "-c", step.command]);
    if (ran.code !== 0) throw new Error(`Tilt's run('${step.command}') exited ${ran.code}: ${ran.stderr}${ran.stdout}`);
    runEnded = performance.now();
  }
  return { entries: entries.map((e) => e.name), syncEnded, runEnded, syncMs: tar.ms };
}
