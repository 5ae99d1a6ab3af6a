// Live-reload machinery of the live sections (sections-live.ts, java.ts): apps built by the real
// lifecycle (the Python fixture app: fixtures/python, then this buildpack), started by the real
// launcher, and synced as ONE tar stream extracted by `tar -x` as the app user (build.sync), as
// Tilt's live_update does. Here: HTTP probes, /proc scans for the processes watchexec starts and
// for build.sync's tar, launches, and one measured sync (its duration, latency and restarts).
import { readdirSync, readFileSync } from "node:fs";
import TOML from "@iarna/toml";
import { get as httpGet } from "node:http";
import { join } from "node:path";
import type { FileContent } from "../../integration/harness/files.ts";
import { freePort } from "../../integration/harness/http.ts";
import { assertBuilt, CnbBuild, type BuildResult } from "../../integration/harness/lifecycle.ts";
import { fixturesDir, requirePackage } from "../../integration/harness/paths.ts";
import type { RunningProcess } from "../../integration/harness/process.ts";
import { fixtureBuildpack, reloadable } from "../../integration/harness/reloadable.ts";
import type { BenchContext } from "./context.ts";

const PYTHON_APP = join(fixturesDir, "apps", "python-web");
/** HTTP probes for the new response, and /proc scans for the processes watchexec starts. */
const PROBE_INTERVAL_MS = 2;
const SCAN_INTERVAL_MS = 1;
/** Each synced asset: a realistic source-file size. A tar entry is then 1.5 KiB (header + 2 blocks). */
export const ASSET_BYTES = 1000;
/** Restarts fire at most one window after the last event; then stop + start take < 100 ms. */
export const RESTART_MARGIN_MS = 400;
/** A sync is over when no process started or announced itself for this long. */
export const QUIET_MS = 250;
const STARTED_LINE = /app started pid=(\d+)/;
/** reloadable-settle's line, printed right before it execs the app for a reload (src/native/settle.c). */
export const RELOAD_LINE = /^\[reloadable\] restart: (\d+) changes?: (.*)$/;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** One GET on a new connection; undefined while nothing listens (starting or restarting). */
export function probe(url: string, timeoutMs = 1_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = httpGet(url, { agent: false, timeout: timeoutMs }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve(body));
      response.on("error", () => resolve(undefined));
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(undefined));
  });
}

/** Probes every 2 ms (or `intervalMs`) until a body is accepted; returns the performance.now() of that answer. */
export async function firstResponse(url: string, accept: (body: string) => boolean, timeoutMs = 30_000, intervalMs = PROBE_INTERVAL_MS): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let last: string | undefined;
  while (performance.now() < deadline) {
    last = await probe(url);
    if (last !== undefined && accept(last)) return performance.now();
    await sleep(intervalMs);
  }
  throw new Error(`no accepted response from ${url} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

function procStat(pid: number): { comm: string; state: string; ppid: number; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    return { comm: stat.slice(stat.indexOf("(") + 1, close), state: fields[0]!, ppid: Number(fields[1]), start: fields[19]! };
  } catch {
    return undefined;
  }
}

/** kill(pid, 0), and not a zombie: a killed child stays a zombie until watchexec reaps it. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const state = procStat(pid)?.state;
  return state !== undefined && state !== "Z" && state !== "X";
}

/** Polls `pid` every 1 ms; resolves with the performance.now() at which it was found gone. */
export function whenGone(pid: number, timeoutMs = 15_000): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      const now = performance.now();
      if (!running(pid)) resolve(now);
      else if (now - started > timeoutMs) reject(new Error(`process ${pid} still running after ${timeoutMs} ms`));
      else setTimeout(tick, 1);
    };
    tick();
  });
}

interface Stamp {
  pid: number;
  at: number;
}

export interface SyncSample {
  /** tar -x, from the first byte streamed to its exit (build.sync's own clock). */
  syncMs: number;
  bytes: number;
  /** End of sync (tar exited; trigger mode: the trigger writer started) -> the first response with the new message. */
  latency: number;
  /** Whether the end of sync is tar's exit as the /proc scan saw it (else: when build.sync resolved). */
  tarSeen: boolean;
  /**
   * "app started" lines, `[reloadable] restart:` lines (app execs for a reload; counts an app that
   * was killed before it printed "app started" too), and processes watchexec started (/proc: with
   * reloadable-settle, each window's waiter), from this sync to the next.
   */
  starts: number;
  reloads: number;
  spawns: number;
  /** The change count of the last `[reloadable] restart:` line of this sync. */
  changes?: number;
  /**
   * The latency split at the exec of the app that answered (its `[reloadable] restart:` line, as
   * this process read it): end of sync -> exec (watchexec's window, the quiet period, the stop of
   * the old process) and exec -> new response (that app's own start, under the same load).
   */
  toExec?: number;
  appStart?: number;
  /** Trigger mode: trigger written -> old app process gone. */
  signalled?: number;
}

/**
 * The web process (launcher exec'd into watchexec) and what it does: each "app started pid=N"
 * line the app prints, and each process watchexec starts, found by scanning /proc every 1 ms for
 * new children of watchexec. The two differ when a restart kills an app that had not started
 * yet (a window shorter than the sync): then only the /proc count sees the restart.
 *
 * The same scan notes when each `tar -x` of build.sync exits: build.sync resolves only after it
 * has removed its staging copy of the files (~35 ms for 3000 files), too late for an end of sync.
 */
export class LiveApp {
  readonly starts: Stamp[] = [];
  readonly spawns: Stamp[] = [];
  /** `[reloadable] restart:` lines: when, and the change count they name. */
  readonly reloads: { at: number; changes: number; line: string }[] = [];
  /** build.sync's tar processes (children of this process): first seen, and gone. */
  readonly tars = new Map<number, { seen: number; exited: number | undefined }>();
  /** Restarts that came after a sync's settle time, added to that sync late. */
  late = 0;
  lastSample: SyncSample | undefined;
  private settled = { starts: 0, spawns: 0, reloads: 0 };
  private known = new Set<string>();
  private seen = new Set<number>();
  private pending = "";
  private pendingErr = "";
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly proc: RunningProcess,
    readonly url: string,
    readonly ctx: BenchContext,
  ) {
    ctx.liveApps.add(proc);
    proc.child.stdout?.on("data", (chunk: Buffer) => {
      const at = performance.now();
      this.pending += chunk.toString();
      const lines = this.pending.split("\n");
      this.pending = lines.pop() ?? "";
      for (const line of lines) {
        const match = STARTED_LINE.exec(line);
        if (match !== null) this.starts.push({ pid: Number(match[1]), at });
      }
    });
    proc.child.stderr?.on("data", (chunk: Buffer) => {
      const at = performance.now();
      this.pendingErr += chunk.toString();
      const lines = this.pendingErr.split("\n");
      this.pendingErr = lines.pop() ?? "";
      for (const line of lines) {
        const match = RELOAD_LINE.exec(line);
        if (match !== null) this.reloads.push({ at, changes: Number(match[1]), line });
      }
    });
    this.resume();
  }

  /**
   * Stops the 1 ms /proc scan while other apps are measured (several run side by side in the
   * settle section; a scan each would load the machine). Lines are still counted.
   */
  pause(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  resume(): void {
    if (this.timer !== undefined) return;
    this.scan();
    this.timer = setInterval(() => this.scan(), SCAN_INTERVAL_MS);
  }

  scan(): void {
    const now = performance.now();
    for (const [pid, tar] of this.tars) {
      if (tar.exited !== undefined) continue;
      const state = procStat(pid)?.state;
      if (state === undefined || state === "Z" || state === "X") tar.exited = now;
    }
    const current = new Set<number>();
    for (const entry of readdirSync("/proc")) {
      const first = entry.charCodeAt(0);
      if (first < 48 || first > 57) continue;
      const pid = Number(entry);
      current.add(pid);
      if (this.seen.has(pid)) continue;
      const stat = procStat(pid);
      if (stat?.ppid === process.pid && stat.comm === "tar") this.tars.set(pid, { seen: now, exited: stat.state === "Z" ? now : undefined });
      if (stat === undefined || stat.ppid !== this.proc.pid) continue;
      const key = `${pid}:${stat.start}`;
      if (this.known.has(key)) continue;
      this.known.add(key);
      this.spawns.push({ pid, at: now });
    }
    this.seen = current;
  }

  /**
   * When the tar of the sync that started at `since` exited, as the scan saw it (within 1 ms);
   * undefined when the scan never saw that tar (it lived < 1 ms).
   */
  tarExit(since: number): number | undefined {
    this.scan();
    let exited: number | undefined;
    for (const [pid, tar] of this.tars) {
      if (tar.seen >= since && tar.exited !== undefined) exited = Math.max(exited ?? 0, tar.exited);
      if (tar.exited !== undefined) this.tars.delete(pid);
    }
    return exited;
  }

  counts(): { starts: number; spawns: number; reloads: number } {
    return { starts: this.starts.length, spawns: this.spawns.length, reloads: this.reloads.length };
  }

  /** The pid of the app that answers now: the last one that announced itself. */
  servingPid(): number {
    const pid = this.starts.at(-1)?.pid;
    if (pid === undefined || !running(pid)) throw new Error(`no running app process (last announced: ${pid}); output:\n${this.proc.log}`);
    return pid;
  }

  /** Waits until `notBefore` and until nothing started for QUIET_MS. */
  async settle(notBefore: number): Promise<void> {
    for (;;) {
      if (this.proc.exitStatus !== undefined) throw new Error(`watchexec exited (${JSON.stringify(this.proc.exitStatus)}); output:\n${this.proc.log}`);
      const last = Math.max(this.starts.at(-1)?.at ?? 0, this.spawns.at(-1)?.at ?? 0, this.reloads.at(-1)?.at ?? 0);
      const until = Math.max(notBefore, last + QUIET_MS);
      const now = performance.now();
      if (now >= until) return;
      await sleep(until - now);
    }
  }

  /** Restarts since the last settle belong to the previous sync: add them there. */
  claimLate(): void {
    const starts = this.starts.length - this.settled.starts;
    const spawns = this.spawns.length - this.settled.spawns;
    const reloads = this.reloads.length - this.settled.reloads;
    if (starts + spawns + reloads > 0) {
      this.late += Math.max(starts, spawns, reloads);
      if (this.lastSample !== undefined) {
        this.lastSample.starts += starts;
        this.lastSample.spawns += spawns;
        this.lastSample.reloads += reloads;
      }
    }
    this.markSettled();
  }

  /** What has happened so far belongs to the sync just measured. */
  markSettled(): void {
    this.settled = this.counts();
  }

  async stop(): Promise<void> {
    this.resume();
    await sleep(QUIET_MS);
    this.claimLate();
    this.pause();
    await this.proc.stop();
    this.ctx.liveApps.delete(this.proc);
    if (this.ctx.verbose) {
      // What watchexec and the app printed besides the routine lines, once each.
      const routine = /^(app started pid=|\[reloadable\] restart: |\[Running: |\[Command was terminated by signal 15\]$|\[Waiting \d+s for processes to exit before stopping\.\.\.\]$)/;
      const other = [...new Set(this.proc.log.split("\n").filter((line) => line.trim() !== "" && !routine.test(line)))];
      process.stderr.write(`    watchexec output besides the routine lines: ${other.length === 0 ? "none" : `\n      ${other.join("\n      ")}`}\n`);
    }
  }
}

/** Builds the Python fixture app (fixtures/python, then this buildpack) with extra platform env. */
export async function withPythonBuild<T>(ctx: BenchContext, env: Record<string, string>, fn: (build: CnbBuild, result: BuildResult) => Promise<T>): Promise<T> {
  return withLiveBuild(ctx, PYTHON_APP, "python", { BP_LIVE_RELOAD_ENABLED: "true", ...env }, fn);
}

/**
 * The Python fixture app built in `scratch` (a dir on the file system to measure), for sections
 * that keep several builds at once; the caller cleans it up (ctx.liveBuilds removes it on an early exit).
 */
export async function pythonBuild(ctx: BenchContext, env: Record<string, string>, scratch: string): Promise<{ build: CnbBuild; result: BuildResult }> {
  return liveBuild(ctx, PYTHON_APP, "python", { BP_LIVE_RELOAD_ENABLED: "true", ...env }, scratch);
}

async function liveBuild(ctx: BenchContext, app: string, provider: string, env: Record<string, string>, scratch?: string): Promise<{ build: CnbBuild; result: BuildResult }> {
  const descriptor = await ctx.descriptor();
  const build = await CnbBuild.create({ app, env, order: [fixtureBuildpack(provider), reloadable({ descriptor })], ...(scratch !== undefined ? { scratch } : {}) });
  ctx.liveBuilds.add(build);
  try {
    const result = await build.build();
    assertBuilt(result);
    return { build, result };
  } catch (error) {
    await dropBuild(ctx, build);
    throw error;
  }
}

export async function dropBuild(ctx: BenchContext, build: CnbBuild): Promise<void> {
  await build.cleanup();
  ctx.liveBuilds.delete(build);
}

/**
 * Builds `app` (a dir, copied) with the fixture buildpack `provider`, then this buildpack (the
 * test descriptor), and the given platform env; removed after `fn`, or on an early exit.
 */
export async function withLiveBuild<T>(
  ctx: BenchContext,
  app: string,
  provider: string,
  env: Record<string, string>,
  fn: (build: CnbBuild, result: BuildResult) => Promise<T>,
): Promise<T> {
  const { build, result } = await liveBuild(ctx, app, provider, env);
  try {
    return await fn(build, result);
  } finally {
    await dropBuild(ctx, build);
  }
}

/** Launches a process type; returns it with the time from spawn to its first HTTP answer. */
export async function launchAndTime(build: CnbBuild, type: string): Promise<{ proc: RunningProcess; url: string; ms: number }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const started = performance.now();
  const proc = await build.launch(type, { PORT: String(port) });
  try {
    const answered = await firstResponse(url, () => true, 20_000);
    return { proc, url, ms: answered - started };
  } catch (error) {
    proc.kill();
    throw error;
  }
}

/**
 * The default of a `[[metadata.configurations]]` entry of the packaged buildpack.toml, as a
 * number of milliseconds (a duration such as `50ms`, or a bare number of ms).
 */
export function defaultMs(name: string): number {
  const descriptor = TOML.parse(readFileSync(join(requirePackage(), "buildpack.toml"), "utf8")) as { metadata: { configurations: { name: string; default?: string }[] } };
  const value = descriptor.metadata.configurations.find((c) => c.name === name)?.default;
  const match = /^(\d+)(ms|s)?$/.exec(value ?? "");
  if (match === null) throw new Error(`buildpack.toml: ${name} has no default in ms or s (${JSON.stringify(value)})`);
  return Number(match[1]) * (match[2] === "s" ? 1000 : 1);
}

/** A launch timed from spawn to first answer, then stopped: a cold (or first) start. */
export async function timedLaunch(build: CnbBuild, type: string): Promise<number> {
  const launched = await launchAndTime(build, type);
  await launched.proc.stop();
  return launched.ms;
}

export async function launchLive(ctx: BenchContext, build: CnbBuild): Promise<LiveApp> {
  const { proc, url } = await launchAndTime(build, "web");
  const app = new LiveApp(proc, url, ctx);
  // The first start's line may have come before the listener: wait for it before any sync.
  await sleep(QUIET_MS);
  if (app.starts.length === 0) {
    const pid = STARTED_LINE.exec(proc.log)?.[1];
    if (pid === undefined) throw new Error(`the app answered but printed no "app started"; output:\n${proc.log}`);
    app.starts.push({ pid: Number(pid), at: performance.now() });
  }
  app.markSettled();
  return app;
}

/** ~1 KB of CSS-like text, different for each sync (the tag). */
function assetContent(index: number, tag: string): string {
  const line = "main > section.card { margin: 0 auto; padding: 1rem 2rem; color: #333; }\n";
  const text = `/* asset ${index}, ${tag} */\n${line.repeat(Math.ceil(ASSET_BYTES / line.length))}`;
  return `${text.slice(0, ASSET_BYTES - 1)}\n`;
}

/**
 * `count` files: count-1 assets under static/, then message.txt LAST in the tar, so that a
 * response with the new message comes from a process started after the whole sync was written.
 */
export function syncOf(count: number, message: string): Record<string, FileContent> {
  const files: Record<string, FileContent> = {};
  for (let i = 0; i < count - 1; i++) files[`static/asset-${i}.txt`] = assetContent(i, message);
  files["message.txt"] = `${message}\n`;
  return files;
}

export interface SyncPlan {
  files: Record<string, FileContent>;
  /** The body the app answers after a restart that read the new message.txt. */
  message: string;
  bytesPerSecond?: number | undefined;
  /**
   * The window in effect plus the quiet period (reloadable-settle's): the app can start up to
   * this long after the last event.
   */
  windowMs: number;
  /** Wait at least this long after the new response before counting restarts. */
  afterResponseMs: number;
  /** Trigger mode: ends the sync by writing the trigger; returns trigger -> old process gone. */
  trigger?: () => Promise<number>;
}

/** One sync into the running app: its duration, latency and restarts. */
export async function measureSync(app: LiveApp, build: CnbBuild, plan: SyncPlan): Promise<SyncSample> {
  app.claimLate();
  const before = app.counts();
  const syncStart = performance.now();
  const synced = await build.sync(plan.files, plan.bytesPerSecond === undefined ? {} : { bytesPerSecond: plan.bytesPerSecond });
  const resolved = performance.now();
  const tarExit = app.tarExit(syncStart);
  // Trigger mode: the sync "ends" when the writer starts; the harness's cleanup in between is left out.
  const writerStart = performance.now();
  const signalled = plan.trigger === undefined ? undefined : await plan.trigger();
  const eventsEnd = performance.now();
  const syncEnd = plan.trigger !== undefined ? writerStart : (tarExit ?? resolved);
  const responded = await firstResponse(app.url, (body) => body === plan.message);
  await app.settle(Math.max(responded + plan.afterResponseMs, eventsEnd + plan.windowMs + RESTART_MARGIN_MS));
  const after = app.counts();
  const exec = app.reloads.slice(before.reloads).filter((r) => r.at <= responded).at(-1)?.at;
  const sample: SyncSample = {
    syncMs: synced.ms,
    bytes: synced.bytes,
    latency: responded - syncEnd,
    tarSeen: plan.trigger !== undefined || tarExit !== undefined,
    starts: after.starts - before.starts,
    reloads: after.reloads - before.reloads,
    spawns: after.spawns - before.spawns,
    ...(after.reloads > before.reloads ? { changes: app.reloads.at(-1)!.changes } : {}),
    ...(exec !== undefined ? { toExec: exec - syncEnd, appStart: responded - exec } : {}),
    ...(signalled !== undefined ? { signalled } : {}),
  };
  if (app.ctx.verbose) {
    const offsets = app.spawns.slice(before.spawns).map((s) => (s.at - syncEnd).toFixed(0));
    process.stderr.write(
      `    ${plan.message}: tar ${synced.ms} ms (exit ${tarExit === undefined ? "not seen" : `seen ${(resolved - tarExit).toFixed(1)} ms before build.sync resolved`}), ` +
        `latency ${sample.latency.toFixed(1)} ms, processes started at ${offsets.join(", ")} ms after the end of sync, ${sample.starts} "app started", ` +
        `${sample.reloads} "[reloadable] restart:"${app.reloads.length > before.reloads ? ` (last: ${app.reloads.at(-1)!.line.slice(0, 120)})` : ""}\n`,
    );
  }
  app.lastSample = sample;
  app.markSettled();
  return sample;
}
