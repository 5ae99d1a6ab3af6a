import { readFileSync, statSync } from "node:fs";
import { join, posix, relative } from "node:path";
import type { CnbBuild } from "./lifecycle.ts";
import type { FileContent } from "./files.ts";

/** One live_update step, as Tilt runs them in order. */
export type LiveUpdateStep = { kind: "fall_back_on" } | { kind: "sync"; local: string; remote: string } | { kind: "run"; command: string };

export interface Tiltfile {
  /** The custom_build command (the `pack build ...` line). */
  buildCommand: string;
  /** `-e NAME=VALUE` flags of the pack command: what the build gets as platform env. */
  env: Record<string, string>;
  liveUpdate: LiveUpdateStep[];
}

const STRING = String.raw`(['"])((?:(?!\1).)*)\1`;

/**
 * Reads the parts of a Tiltfile that the tests replay: the pack command of custom_build and the
 * live_update steps. Only the literal forms the examples use are understood; anything else in
 * live_update is an error, so an example can't silently drift from what the tests replay.
 */
export function parseTiltfile(text: string): Tiltfile {
  const build = new RegExp(String.raw`custom_build\(\s*${STRING}\s*,\s*${STRING.replaceAll("\\1", "\\3")}`, "s").exec(text);
  if (build === null) throw new Error("Tiltfile: no custom_build('name', 'command', ...)");
  const buildCommand = build[4]!;
  const env: Record<string, string> = {};
  for (const m of buildCommand.matchAll(/(?:^|\s)-e\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)/g)) env[m[1]!] = m[2]!;

  const start = text.indexOf("live_update=[");
  if (start < 0) throw new Error("Tiltfile: no live_update=[...]");
  let depth = 0;
  let end = start + "live_update=".length;
  for (; end < text.length; end++) {
    if (text[end] === "[") depth++;
    else if (text[end] === "]" && --depth === 0) break;
  }
  const body = text.slice(start + "live_update=[".length, end);
  const liveUpdate: LiveUpdateStep[] = [];
  const call = /(\w+)\(/g;
  for (let m = call.exec(body); m !== null; m = call.exec(body)) {
    const rest = body.slice(m.index + m[0].length);
    if (m[1] === "fall_back_on") {
      liveUpdate.push({ kind: "fall_back_on" });
      call.lastIndex = m.index + m[0].length + rest.indexOf(")");
    } else if (m[1] === "sync") {
      const args = new RegExp(String.raw`^\s*${STRING}\s*,\s*${STRING.replaceAll("\\1", "\\3")}\s*\)`).exec(rest);
      if (args === null) throw new Error(`Tiltfile: sync() with arguments this harness can't read: ${rest.slice(0, 60)}`);
      liveUpdate.push({ kind: "sync", local: args[2]!, remote: args[4]! });
      call.lastIndex = m.index + m[0].length + args[0].length;
    } else if (m[1] === "run") {
      const args = new RegExp(String.raw`^\s*${STRING}`).exec(rest);
      if (args === null) throw new Error(`Tiltfile: run() with arguments this harness can't read: ${rest.slice(0, 60)}`);
      liveUpdate.push({ kind: "run", command: args[2]! });
      call.lastIndex = m.index + m[0].length + args[0].length;
    } else {
      throw new Error(`Tiltfile: live_update step ${m[1]}() is not replayed by the tests`);
    }
  }
  return { buildCommand, env, liveUpdate };
}

export function readTiltfile(path: string): Tiltfile {
  return parseTiltfile(readFileSync(path, "utf8"));
}

/** Container paths of an image built by pack, and where this host build keeps them. */
export function containerPathMap(build: CnbBuild): [string, string][] {
  return [
    ["/workspace", build.appDir],
    ["/layers", build.layersDir],
  ];
}

function toHost(path: string, map: [string, string][]): string {
  for (const [container, host] of map) {
    if (path === container || path.startsWith(`${container}/`)) return host + path.slice(container.length);
  }
  throw new Error(`no host path for container path ${path}`);
}

export interface ReplayOptions {
  /** The local checkout that the Tiltfile's paths are relative to. */
  root: string;
  /** Files that changed, relative to `root`: what Tilt would sync. */
  changed: string[];
  bytesPerSecond?: number;
}

export interface ReplayResult {
  /** When the last sync step ended, and when the last run step ended (performance.now()). */
  syncEnded: number;
  runEnded: number;
  syncMs: number;
}

/**
 * Replays live_update as Tilt does for a change: each sync() step sends the changed files under
 * its local path as ONE tar stream into its remote path; each run() step runs in the container
 * with `sh -c`, as the app's user. Container paths are mapped to this build's dirs. A command
 * that names a process type of the image (`reloadable-trigger`) runs it through the launcher, as
 * `docker exec` finds it in /cnb/process.
 */
export async function replayLiveUpdate(build: CnbBuild, tiltfile: Tiltfile, options: ReplayOptions): Promise<ReplayResult> {
  const map = containerPathMap(build);
  let syncEnded = performance.now();
  let runEnded = syncEnded;
  let syncMs = 0;
  for (const step of tiltfile.liveUpdate) {
    if (step.kind === "sync") {
      const local = join(options.root, step.local);
      const files: Record<string, FileContent> = {};
      for (const changed of options.changed) {
        const path = join(options.root, changed);
        const inside = relative(local, path);
        if (inside.startsWith("..")) continue;
        const remote = posix.join(toHost(step.remote, map), inside);
        const destRelative = relative(build.appDir, remote);
        if (destRelative.startsWith("..")) throw new Error(`sync to ${step.remote} is outside the app dir; this harness syncs into /workspace only`);
        files[destRelative] = { content: readFileSync(path), mode: statSync(path).mode & 0o777 };
      }
      const result = await build.sync(files, options.bytesPerSecond !== undefined ? { bytesPerSecond: options.bytesPerSecond } : {});
      syncMs += result.ms;
      syncEnded = performance.now();
    } else if (step.kind === "run") {
      let command = step.command;
      for (const [container, host] of map) command = command.replaceAll(container, host);
      const words = command.trim().split(/\s+/);
      const processType = build.lastResult?.processes.some((p) => p.type === words[0]) === true ? words[0]! : undefined;
      const ran = processType !== undefined ? await build.exec(processType, words.slice(1)) : await build.runAsAppUser("sh", ["-c", command]);
      if (ran.code !== 0) throw new Error(`run('${step.command}') failed (${ran.code}): ${ran.log}`);
      runEnded = performance.now();
    }
  }
  return { syncEnded, runEnded, syncMs };
}
