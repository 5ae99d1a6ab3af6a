// The buildpack's performance figures: medians and p90s of the packaged SEA binary's phases,
// run directly (no lifecycle) as the current user, and the package's sizes; then live reloads
// on the real lifecycle, launcher and watchexec (sections reload, windows and trigger).
//   npm run bench -- [--only SECTION[,SECTION...]]... [--runs N] [--quick] [--markdown] [--check] [--list]
// Each section is one function returning rows; add a section by adding an entry to SECTIONS.
// (The live sections stay in this file: scripts/bench is the shell wrapper, not a directory.)
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { get as httpGet } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { DependencyServer } from "../integration/harness/depserver.ts";
import type { FileContent } from "../integration/harness/files.ts";
import { freePort } from "../integration/harness/http.ts";
import { packagedBuildpack, fixturesDir, requirePackage } from "../integration/harness/paths.ts";
import { assertBuilt, CnbBuild, escapeId, type BuildResult } from "../integration/harness/lifecycle.ts";
import { start, type RunningProcess } from "../integration/harness/process.ts";
import { fixtureBuildpack, localWatchexec, reloadable, reloadableDescriptor, RELOADABLE_ID, type Artifact } from "../integration/harness/reloadable.ts";

const DEFAULT_RUNS = 10;
const BASE_PATH = "/usr/local/bin:/usr/bin:/bin";

// ---------------------------------------------------------------------------------------------
// Rows, statistics and the table

type Unit = "ms" | "bytes" | "count";

interface Target {
  /** The figure (the median) must be at most this; with `exact`, every sample must equal it. */
  limit: number;
  /** How the target reads in the table, e.g. "<= 80 ms". */
  text: string;
  /** Every sample must be exactly `limit` (restarts per sync: one, not "one on the median"). */
  exact?: boolean;
}

interface Row {
  section: string;
  metric: string;
  unit: Unit;
  /** Timings and counts: the samples; sizes: one value. */
  samples: number[];
  target?: Target;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function format(value: number, unit: Unit): string {
  if (unit === "ms") return value < 10 ? `${value.toFixed(2)} ms` : `${value.toFixed(1)} ms`;
  if (unit === "count") return Number.isInteger(value) ? String(value) : value.toFixed(1);
  if (value < 1024) return `${value} B`;
  if (value < 1024 * 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${(value / 1024 / 1024).toFixed(1)} MiB`;
}

function met(row: Row): boolean | undefined {
  if (row.target === undefined) return undefined;
  if (row.target.exact === true) return row.samples.every((s) => s === row.target!.limit);
  return median(row.samples) <= row.target.limit;
}

/** A table: cells as text; `right` names the columns of figures (right-aligned). */
interface Grid {
  header: string[];
  rows: string[][];
  right: ReadonlySet<number>;
}

/** Aligned plain text, or a Markdown pipe table (padded too, so it reads as text as well). */
function renderGrid(grid: Grid, markdown = false): string {
  const all = [grid.header, ...grid.rows];
  const widths = grid.header.map((_, i) => Math.max(3, ...all.map((r) => (r[i] ?? "").length)));
  const pad = (c: string, i: number) => (grid.right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!));
  if (markdown) {
    const line = (r: string[]) => `| ${r.map((c, i) => pad(c, i)).join(" | ")} |`;
    const rule = `|${widths.map((w, i) => (grid.right.has(i) ? `${"-".repeat(w + 1)}:` : `${"-".repeat(w + 2)}`)).join("|")}|`;
    return [line(grid.header), rule, ...grid.rows.map(line)].join("\n");
  }
  // Figures right-aligned so their units line up; words left-aligned.
  const line = (r: string[]) =>
    r
      .map((c, i) => pad(c, i))
      .join("  ")
      .trimEnd();
  return [line(grid.header), widths.map((w) => "-".repeat(w)).join("  "), ...grid.rows.map(line)].join("\n");
}

function renderTable(rows: readonly Row[], markdown = false): string {
  const header = ["section", "metric", "median", "p90", "runs", "target", "met"];
  const cells = rows.map((row) => {
    const timing = row.samples.length > 1;
    const ok = met(row);
    return [
      row.section,
      row.metric,
      format(median(row.samples), row.unit),
      timing ? format(percentile(row.samples, 90), row.unit) : "-",
      timing ? String(row.samples.length) : "-",
      row.target?.text ?? "-",
      ok === undefined ? "-" : ok ? "yes" : "NO",
    ];
  });
  return renderGrid({ header, rows: cells, right: new Set([2, 3, 4]) }, markdown);
}

/** A section's extra output: a table of its own (a matrix of cells) and how it was measured. */
interface Report {
  title: string;
  grid: Grid;
  notes: string[];
}

function renderReport(report: Report, markdown: boolean): string {
  const title = markdown ? `### ${report.title}` : `${report.title}`;
  const notes = report.notes.map((n) => (markdown ? `- ${n}` : `  ${n}`));
  return [title, "", renderGrid(report.grid, markdown), ...(notes.length > 0 ? ["", ...notes] : [])].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Shared resources: temp dirs, the dependency server, a buildpack dir with the test descriptor

class BenchContext {
  readonly root = mkdtempSync(join(tmpdir(), "reloadable-bench-"));
  readonly watchexec: Artifact = localWatchexec();
  private server: DependencyServer | undefined;
  private buildpackDir: string | undefined;
  private counter = 0;
  /** Extra tables of the sections, printed after the main table. */
  readonly reports: Report[] = [];
  /** Builds and apps of the live sections, still around: killed and removed on an early exit. */
  readonly liveBuilds = new Set<CnbBuild>();
  readonly liveApps = new Set<RunningProcess>();

  constructor(
    readonly runs: number,
    readonly verbose: boolean,
    /** --quick: the live sections' smoke-test repetitions. */
    readonly quick = false,
  ) {}

  report(report: Report): void {
    this.reports.push(report);
  }

  /** The test copy of buildpack.toml, pointing watchexec 2.5.1 at the local server. */
  async descriptor(): Promise<string> {
    const server = await this.dependencyServer();
    return reloadableDescriptor([{ version: "2.5.1", uri: server.url(this.watchexec.name), sha256: this.watchexec.sha256 }]);
  }

  /** Synchronous, for process.on("exit"): what the live sections left after an interruption. */
  killLive(): void {
    for (const app of this.liveApps) app.kill();
    for (const build of this.liveBuilds) rmSync(build.root, { recursive: true, force: true });
  }

  /** With --verbose, shows what a phase printed (once per section, its last run). */
  show(what: string, run: PhaseRun): void {
    if (this.verbose) process.stderr.write(`--- ${what} (exit ${run.code}, ${run.ms.toFixed(1)} ms)\n${run.output}\n`);
  }

  /** A fresh directory under the bench's temp root. */
  dir(name: string): string {
    const path = join(this.root, `${name}-${++this.counter}`);
    mkdirSync(path, { recursive: true });
    return path;
  }

  async dependencyServer(): Promise<DependencyServer> {
    if (this.server === undefined) {
      this.server = await new DependencyServer().start();
      this.server.serve(this.watchexec.name, this.watchexec.bytes);
    }
    return this.server;
  }

  /**
   * A buildpack dir as the lifecycle would see it, whose buildpack.toml is the test copy
   * pointing watchexec 2.5.1 at the local server; bin/ links to the packaged binary.
   */
  async testBuildpack(): Promise<string> {
    if (this.buildpackDir !== undefined) return this.buildpackDir;
    const server = await this.dependencyServer();
    const dir = this.dir("buildpack");
    mkdirSync(join(dir, "bin"));
    writeFileSync(
      join(dir, "buildpack.toml"),
      reloadableDescriptor([{ version: "2.5.1", uri: server.url(this.watchexec.name), sha256: this.watchexec.sha256 }]),
    );
    symlinkSync(join(packagedBuildpack, "bin", "main"), join(dir, "bin", "main"));
    symlinkSync("main", join(dir, "bin", "detect"));
    symlinkSync("main", join(dir, "bin", "build"));
    this.buildpackDir = dir;
    return dir;
  }

  /** A platform dir with `env/BP_LIVE_RELOAD_ENABLED=true`, as `pack build -e` writes it. */
  platform(): string {
    const dir = this.dir("platform");
    mkdirSync(join(dir, "env"));
    writeFileSync(join(dir, "env", "BP_LIVE_RELOAD_ENABLED"), "true");
    return dir;
  }

  async close(): Promise<void> {
    await this.server?.stop();
    rmSync(this.root, { recursive: true, force: true });
  }
}

interface PhaseRun {
  ms: number;
  code: number | null;
  output: string;
}

/** Spawns a phase and times it from spawn to exit. */
function runPhase(command: string, env: Record<string, string>, cwd: string): Promise<PhaseRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let ms = 0;
    let output = "";
    const child = spawn(command, [], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.on("error", reject);
    child.on("exit", () => (ms = performance.now() - started));
    child.on("close", (code) => resolve({ ms, code, output }));
  });
}

function expectPhase(what: string, run: PhaseRun, code: number, marker?: string): void {
  if (run.code !== code || (marker !== undefined && !run.output.includes(marker))) {
    throw new Error(`${what}: exit ${run.code} (expected ${code}${marker !== undefined ? ` and output with "${marker}"` : ""}); output:\n${run.output}`);
  }
}

/** One untimed warm-up (page cache, first exec), then `runs` timed samples. */
async function sample(runs: number, once: () => Promise<number>): Promise<number[]> {
  await once();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once());
  return samples;
}

function progress(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}

// ---------------------------------------------------------------------------------------------
// Sections

interface Section {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<Row[]>;
}

/** bin/detect of the packaged buildpack with BP_LIVE_RELOAD_ENABLED=true: a pass. */
async function detectSection(ctx: BenchContext): Promise<Row[]> {
  const platform = ctx.platform();
  const planPath = join(ctx.dir("detect"), "plan.toml");
  const env = { PATH: BASE_PATH, CNB_PLATFORM_DIR: platform, CNB_BUILD_PLAN_PATH: planPath, CNB_BUILDPACK_DIR: packagedBuildpack };
  const app = join(fixturesDir, "apps", "python-web");
  let last: PhaseRun | undefined;
  const samples = await sample(ctx.runs, async () => {
    last = await runPhase(join(packagedBuildpack, "bin", "detect"), env, app);
    expectPhase("bin/detect", last, 0);
    return last.ms;
  });
  ctx.show("bin/detect", last!);
  if (!existsSync(planPath)) throw new Error("bin/detect passed without writing the build plan");
  return [{ section: "detect", metric: "bin/detect wall time (pass)", unit: "ms", samples, target: { limit: 80, text: "<= 80 ms" } }];
}

function buildEnv(buildpackDir: string, layersDir: string, platform: string, planPath: string): Record<string, string> {
  return {
    PATH: BASE_PATH,
    CNB_BUILDPACK_DIR: buildpackDir,
    CNB_LAYERS_DIR: layersDir,
    CNB_PLATFORM_DIR: platform,
    CNB_BP_PLAN_PATH: planPath,
  };
}

const LANGUAGE_BUILDPACK = "fixtures/python";

/**
 * A layers root as the lifecycle leaves it when this buildpack's build starts: group.toml and
 * an earlier (language) buildpack's launch.toml with a web process, plus this buildpack's own,
 * still empty, layers dir. Returns that dir (CNB_LAYERS_DIR).
 */
function seedLayers(layersRoot: string): string {
  const own = join(layersRoot, escapeId(RELOADABLE_ID));
  mkdirSync(own, { recursive: true });
  mkdirSync(join(layersRoot, escapeId(LANGUAGE_BUILDPACK)));
  writeFileSync(
    join(layersRoot, "group.toml"),
    `[[group]]\n  id = "${LANGUAGE_BUILDPACK}"\n  version = "0.0.1"\n\n[[group]]\n  id = "${RELOADABLE_ID}"\n  version = "0.1.0"\n`,
  );
  writeFileSync(
    join(layersRoot, escapeId(LANGUAGE_BUILDPACK), "launch.toml"),
    '[[processes]]\n  type = "web"\n  command = ["python3", "server.py"]\n  default = true\n',
  );
  return own;
}

/** A buildpack plan as the lifecycle hands bin/build: the one entry detect required. */
function writePlan(dir: string): string {
  const path = join(dir, "plan.toml");
  writeFileSync(path, '[[entries]]\n  name = "watchexec"\n');
  return path;
}

/** The python-web fixture app, copied: a build may write into the app dir. */
function appCopy(dir: string): string {
  cpSync(join(fixturesDir, "apps", "python-web"), dir, { recursive: true });
  return dir;
}

/** bin/build over a layers dir that already holds a valid watchexec layer: reuse, no request. */
async function warmSection(ctx: BenchContext): Promise<Row[]> {
  const server = await ctx.dependencyServer();
  const buildpack = await ctx.testBuildpack();
  const work = ctx.dir("warm");
  const env = buildEnv(buildpack, seedLayers(join(work, "layers")), ctx.platform(), writePlan(work));
  const app = appCopy(ctx.dir("warm-app"));

  const first = await runPhase(join(buildpack, "bin", "build"), env, app);
  expectPhase("bin/build (seeding the layer)", first, 0, "Installing: no cached layer");
  const requests = server.count();
  let last: PhaseRun | undefined;
  const samples = await sample(ctx.runs, async () => {
    last = await runPhase(join(buildpack, "bin", "build"), env, app);
    expectPhase("bin/build (warm)", last, 0, "Reusing cached layer");
    return last.ms;
  });
  ctx.show("bin/build (warm)", last!);
  if (server.count() !== requests) throw new Error(`a warm rebuild made ${server.count() - requests} requests`);
  return [{ section: "warm", metric: "bin/build, layer reused", unit: "ms", samples, target: { limit: 150, text: "<= 150 ms" } }];
}

/** bin/build into a fresh layers dir each run: download from the local server, verify, extract. */
async function coldSection(ctx: BenchContext): Promise<Row[]> {
  const server = await ctx.dependencyServer();
  const buildpack = await ctx.testBuildpack();
  const url = server.url(ctx.watchexec.name);
  const platform = ctx.platform();
  const app = appCopy(ctx.dir("cold-app"));

  // The transfer alone, for the "400 ms plus transfer" target: the same bytes, same server.
  const transfer = await sample(ctx.runs, async () => {
    const started = performance.now();
    const response = await fetch(url);
    const bytes = (await response.arrayBuffer()).byteLength;
    if (bytes !== ctx.watchexec.bytes.length) throw new Error(`fetched ${bytes} bytes of ${url}`);
    return performance.now() - started;
  });

  const before = server.count(ctx.watchexec.name);
  let last: PhaseRun | undefined;
  const installs: number[] = [];
  const samples = await sample(ctx.runs, async () => {
    const work = ctx.dir("cold");
    last = await runPhase(join(buildpack, "bin", "build"), buildEnv(buildpack, seedLayers(join(work, "layers")), platform, writePlan(work)), app);
    expectPhase("bin/build (cold)", last, 0, "Installing: no cached layer");
    rmSync(work, { recursive: true, force: true });
    // The build's own figure for fetch+verify+extract ("Installed to ... in 371ms").
    const installed = /Installed to \S+ in (\d+(?:\.\d+)?)(ms|s)\b/.exec(last.output);
    if (installed !== null) installs.push(Number(installed[1]) * (installed[2] === "s" ? 1000 : 1));
    return last.ms;
  });
  ctx.show("bin/build (cold)", last!);
  // The warm-up's figure is among them; keep the timed runs' only.
  const installTimes = installs.slice(-ctx.runs);
  const downloads = server.count(ctx.watchexec.name) - before;
  if (downloads !== ctx.runs + 1) throw new Error(`${ctx.runs + 1} cold builds made ${downloads} downloads`);

  const transferMs = median(transfer);
  const limit = 400 + transferMs;
  return [
    { section: "cold", metric: "bin/build, fresh layers (download+extract)", unit: "ms", samples, target: { limit, text: `<= 400 ms + transfer = ${format(limit, "ms")}` } },
    ...(installTimes.length === ctx.runs
      ? [{ section: "cold", metric: "  of which install (build log: fetch+verify+extract)", unit: "ms" as const, samples: installTimes }]
      : []),
    { section: "cold", metric: "transfer alone (fetch from 127.0.0.1)", unit: "ms", samples: transfer },
    { section: "cold", metric: "transfer size per cold build", unit: "bytes", samples: [ctx.watchexec.bytes.length] },
  ];
}

function du(path: string, args: string[]): number {
  return Number(execFileSync("du", [...args, path], { encoding: "utf8" }).split(/\s/)[0]);
}

/** What a builder image carries: the binary and the whole package dir. */
async function sizeSection(): Promise<Row[]> {
  const dist = packagedBuildpack;
  return [
    { section: "size", metric: "bin/main", unit: "bytes", samples: [statSync(join(dist, "bin", "main")).size] },
    { section: "size", metric: "dist/buildpack (du, apparent)", unit: "bytes", samples: [du(dist, ["-sb"])] },
    { section: "size", metric: "dist/buildpack (du, on disk)", unit: "bytes", samples: [du(dist, ["-sk"]) * 1024] },
  ];
}

// ---------------------------------------------------------------------------------------------
// Live reload (reload, windows, trigger): the Python fixture app built by the real lifecycle
// (fixtures/python, then this buildpack), started by the real launcher, and synced as ONE tar
// stream extracted by `tar -x` as the app user (build.sync), as Tilt's live_update does.

const PYTHON_APP = join(fixturesDir, "apps", "python-web");
/** HTTP probes for the new response, and /proc scans for the processes watchexec starts. */
const PROBE_INTERVAL_MS = 2;
const SCAN_INTERVAL_MS = 1;
/** Each synced asset: a realistic source-file size. A tar entry is then 1.5 KiB (header + 2 blocks). */
const ASSET_BYTES = 1000;
const MB = 1_000_000;
/** watchexec's window in trigger mode (src/reload/config.ts TRIGGER_DEBOUNCE). */
const TRIGGER_WINDOW_MS = 10;
/** Restarts fire at most one window after the last event; then stop + start take < 100 ms. */
const RESTART_MARGIN_MS = 400;
/** A sync is over when no process started or announced itself for this long. */
const QUIET_MS = 250;
const STARTED_LINE = /app started pid=(\d+)/;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

interface Speed {
  label: string;
  bytesPerSecond: number | undefined;
}
const SPEEDS: readonly Speed[] = [
  { label: "local", bytesPerSecond: undefined },
  { label: "10 MB/s", bytesPerSecond: 10 * MB },
  { label: "1 MB/s", bytesPerSecond: MB },
];
const SIZES: readonly number[] = [1, 30, 300, 3000];
const WINDOWS_MS: readonly number[] = [50, 100, 200, 500];

/**
 * Syncs per cell of the windows and trigger tables: fewer where a sync is slow (3000 files are
 * 4.6 MB of tar: 4.6 s at 1 MB/s, plus ~1.1 s for build.sync to stage them).
 */
function cellRuns(speed: Speed, files: number, quick: boolean): number {
  const bps = speed.bytesPerSecond;
  if (quick) return files >= 3000 || bps === MB ? 1 : 2;
  if (bps === undefined) return files >= 3000 ? 4 : 10;
  if (bps === 10 * MB) return files >= 3000 ? 4 : files >= 300 ? 8 : 10;
  return files >= 3000 ? 3 : files >= 300 ? 4 : 6;
}

/** One GET on a new connection; undefined while nothing listens (starting or restarting). */
function probe(url: string, timeoutMs = 1_000): Promise<string | undefined> {
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

/** Probes every 2 ms until a body is accepted; returns the performance.now() of that answer. */
async function firstResponse(url: string, accept: (body: string) => boolean, timeoutMs = 30_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let last: string | undefined;
  while (performance.now() < deadline) {
    last = await probe(url);
    if (last !== undefined && accept(last)) return performance.now();
    await sleep(PROBE_INTERVAL_MS);
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
function whenGone(pid: number, timeoutMs = 15_000): Promise<number> {
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

interface SyncSample {
  /** tar -x, from the first byte streamed to its exit (build.sync's own clock). */
  syncMs: number;
  bytes: number;
  /** End of sync (tar exited; trigger mode: the trigger writer started) -> the first response with the new message. */
  latency: number;
  /** Whether the end of sync is tar's exit as the /proc scan saw it (else: when build.sync resolved). */
  tarSeen: boolean;
  /** "app started" lines, and processes watchexec started (/proc), from this sync to the next. */
  starts: number;
  spawns: number;
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
class LiveApp {
  readonly starts: Stamp[] = [];
  readonly spawns: Stamp[] = [];
  /** build.sync's tar processes (children of this process): first seen, and gone. */
  readonly tars = new Map<number, { seen: number; exited: number | undefined }>();
  /** Restarts that came after a sync's settle time, added to that sync late. */
  late = 0;
  lastSample: SyncSample | undefined;
  private settled = { starts: 0, spawns: 0 };
  private known = new Set<string>();
  private seen = new Set<number>();
  private pending = "";
  private readonly timer: NodeJS.Timeout;

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

  counts(): { starts: number; spawns: number } {
    return { starts: this.starts.length, spawns: this.spawns.length };
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
      const last = Math.max(this.starts.at(-1)?.at ?? 0, this.spawns.at(-1)?.at ?? 0);
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
    if (starts + spawns > 0) {
      this.late += Math.max(starts, spawns);
      if (this.lastSample !== undefined) {
        this.lastSample.starts += starts;
        this.lastSample.spawns += spawns;
      }
    }
    this.markSettled();
  }

  /** What has happened so far belongs to the sync just measured. */
  markSettled(): void {
    this.settled = this.counts();
  }

  async stop(): Promise<void> {
    await sleep(QUIET_MS);
    this.claimLate();
    clearInterval(this.timer);
    await this.proc.stop();
    this.ctx.liveApps.delete(this.proc);
    if (this.ctx.verbose) {
      // What watchexec and the app printed besides the routine lines, once each.
      const routine = /^(app started pid=|\[Running: |\[Command was terminated by signal 15\]$|\[Waiting \d+s for processes to exit before stopping\.\.\.\]$)/;
      const other = [...new Set(this.proc.log.split("\n").filter((line) => line.trim() !== "" && !routine.test(line)))];
      process.stderr.write(`    watchexec output besides the routine lines: ${other.length === 0 ? "none" : `\n      ${other.join("\n      ")}`}\n`);
    }
  }
}

/** Builds the Python fixture app (fixtures/python, then this buildpack) with extra platform env. */
async function withPythonBuild<T>(ctx: BenchContext, env: Record<string, string>, fn: (build: CnbBuild, result: BuildResult) => Promise<T>): Promise<T> {
  const descriptor = await ctx.descriptor();
  const build = await CnbBuild.create({ app: PYTHON_APP, env: { BP_LIVE_RELOAD_ENABLED: "true", ...env }, order: [fixtureBuildpack("python"), reloadable({ descriptor })] });
  ctx.liveBuilds.add(build);
  try {
    const result = await build.build();
    assertBuilt(result);
    return await fn(build, result);
  } finally {
    await build.cleanup();
    ctx.liveBuilds.delete(build);
  }
}

/** Launches a process type; returns it with the time from spawn to its first HTTP answer. */
async function launchAndTime(build: CnbBuild, type: string): Promise<{ proc: RunningProcess; url: string; ms: number }> {
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

async function launchLive(ctx: BenchContext, build: CnbBuild): Promise<LiveApp> {
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
function syncOf(count: number, message: string): Record<string, FileContent> {
  const files: Record<string, FileContent> = {};
  for (let i = 0; i < count - 1; i++) files[`static/asset-${i}.txt`] = assetContent(i, message);
  files["message.txt"] = `${message}\n`;
  return files;
}

interface SyncPlan {
  files: Record<string, FileContent>;
  /** The body the app answers after a restart that read the new message.txt. */
  message: string;
  bytesPerSecond?: number | undefined;
  /** The debounce window in effect: restarts can come up to one window after the last event. */
  windowMs: number;
  /** Wait at least this long after the new response before counting restarts. */
  afterResponseMs: number;
  /** Trigger mode: ends the sync by writing the trigger; returns trigger -> old process gone. */
  trigger?: () => Promise<number>;
}

/** One sync into the running app: its duration, latency and restarts. */
async function measureSync(app: LiveApp, build: CnbBuild, plan: SyncPlan): Promise<SyncSample> {
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
  const sample: SyncSample = {
    syncMs: synced.ms,
    bytes: synced.bytes,
    latency: responded - syncEnd,
    tarSeen: plan.trigger !== undefined || tarExit !== undefined,
    starts: after.starts - before.starts,
    spawns: after.spawns - before.spawns,
    ...(signalled !== undefined ? { signalled } : {}),
  };
  if (app.ctx.verbose) {
    const offsets = app.spawns.slice(before.spawns).map((s) => (s.at - syncEnd).toFixed(0));
    process.stderr.write(
      `    ${plan.message}: tar ${synced.ms} ms (exit ${tarExit === undefined ? "not seen" : `seen ${(resolved - tarExit).toFixed(1)} ms before build.sync resolved`}), ` +
        `latency ${sample.latency.toFixed(1)} ms, processes started at ${offsets.join(", ")} ms after the end of sync, ${sample.starts} "app started"\n`,
    );
  }
  app.lastSample = sample;
  app.markSettled();
  return sample;
}

const fmtMs = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : format(value, "ms"));
const fmtCount = (value: number) => format(value, "count");

/** One cell of the windows and trigger tables. */
interface Cell {
  windowMs: number;
  speed: Speed;
  files: number;
  samples: SyncSample[];
}

/** Runs the cells (speeds x sizes) in one launch, after one untimed sync that creates the files. */
async function runCells(
  ctx: BenchContext,
  app: LiveApp,
  build: CnbBuild,
  what: string,
  windowMs: number,
  extra: Pick<SyncPlan, "trigger" | "afterResponseMs">,
): Promise<Cell[]> {
  const largest = Math.max(...SIZES);
  await measureSync(app, build, { files: syncOf(largest, `${what} warm-up`), message: `${what} warm-up`, windowMs, ...extra });
  const cells: Cell[] = [];
  let counter = 0;
  for (const speed of SPEEDS) {
    for (const files of SIZES) {
      const runs = cellRuns(speed, files, ctx.quick);
      const samples: SyncSample[] = [];
      for (let i = 0; i < runs; i++) {
        const message = `${what} ${speed.label} ${files} #${++counter}`;
        samples.push(await measureSync(app, build, { files: syncOf(files, message), message, bytesPerSecond: speed.bytesPerSecond, windowMs, ...extra }));
      }
      const cell: Cell = { windowMs, speed, files, samples };
      cells.push(cell);
      progress(`  ${what}: ${speed.label} x ${files} files: ${cellSummary(cell)}`);
    }
  }
  return cells;
}

function cellSummary(cell: Cell): string {
  const s = cell.samples;
  return `n=${s.length} sync ${fmtMs(median(s.map((x) => x.syncMs)))}, restarts ${s.map((x) => x.spawns).join("/")}, latency ${fmtMs(median(s.map((x) => x.latency)))}`;
}

/** The columns the windows and trigger tables share. */
function cellColumns(cell: Cell): string[] {
  const s = cell.samples;
  const spawns = s.map((x) => x.spawns);
  const unready = spawns.reduce((a, b) => a + b, 0) - s.reduce((a, x) => a + x.starts, 0);
  return [
    cell.speed.label,
    String(cell.files),
    format(median(s.map((x) => x.bytes)), "bytes"),
    String(s.length),
    fmtMs(median(s.map((x) => x.syncMs))),
    fmtMs(Math.max(...s.map((x) => x.syncMs))),
    fmtCount(median(spawns)),
    fmtCount(Math.max(...spawns)),
    `${spawns.filter((x) => x === 1).length}/${s.length}`,
    String(unready),
    fmtMs(median(s.map((x) => x.latency))),
    fmtMs(percentile(s.map((x) => x.latency), 90)),
  ];
}
const CELL_HEADER = ["speed", "files", "tar", "n", "sync", "max", "restarts", "max", "exactly 1", "unready", "latency", "p90"];
/** The right-aligned (figure) columns of CELL_HEADER, shifted by `offset` leading columns. */
const cellFigures = (offset: number, extra = 0) => new Set(Array.from({ length: CELL_HEADER.length - 1 + extra }, (_, i) => i + 1 + offset));

const RESTARTS_NOTE =
  "restarts: processes watchexec started per sync (new children of watchexec in /proc, scanned every 1 ms), median and max; " +
  "unready: how many of them were killed before printing \"app started\" (a window shorter than the sync), summed over the n syncs.";
const LATENCY_NOTE =
  "latency: end of sync -> first HTTP response with the new message.txt, which is the LAST file of the tar; probed every 2 ms. " +
  "End of sync: tar's exit as the 1 ms /proc scan saw it (build.sync itself resolves only after removing its staging copy: ~1 ms for 1 file, ~35 ms for 3000); " +
  "for a tar that lived < 1 ms, when build.sync resolved. sync: build.sync's own clock, first byte streamed -> tar exited (median and max).";

/** How many syncs' end was tar's exit as seen in /proc, for the notes. */
function tarSeenNote(samples: readonly SyncSample[]): string {
  const seen = samples.filter((s) => s.tarSeen).length;
  return `tar's exit seen in /proc for ${seen} of ${samples.length} syncs; the others ended when build.sync resolved.`;
}

// --- reload ----------------------------------------------------------------------------------

/** Issue 4: reload latency in the default app-dir mode, against the app's own cold start. */
async function reloadSection(ctx: BenchContext): Promise<Row[]> {
  const plan = ctx.quick ? { floor: 3, first: 2, reloads: 5, ignored: 3 } : { floor: 10, first: 5, reloads: 20, ignored: 10 };
  return withPythonBuild(ctx, {}, async (build, result) => {
    const web = result.processes.find((p) => p.type === "web")?.command ?? [];
    if (!web.includes("--debounce=50ms")) throw new Error(`expected the default window (--debounce=50ms) in the web command: ${web.join(" ")}`);
    // The floor: the app without watchexec, as the launcher starts it (web-no-reload). Next to
    // it, in turns (so that load on the machine hits all alike): web's first start through
    // watchexec, and python3 server.py spawned directly, which is what watchexec runs on a restart.
    const timedLaunch = async (type: string) => {
      const launched = await launchAndTime(build, type);
      await launched.proc.stop();
      return launched.ms;
    };
    const timedDirect = async () => {
      const port = await freePort();
      const started = performance.now();
      const proc = start("python3", ["server.py"], { cwd: build.appDir, env: { PATH: BASE_PATH, HOME: build.homeDir, PORT: String(port) }, user: build.user });
      try {
        const answered = await firstResponse(`http://127.0.0.1:${port}/`, () => true, 20_000);
        return answered - started;
      } finally {
        await proc.stop();
      }
    };
    const floor: number[] = [];
    const first: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i <= plan.floor; i++) {
      // The first round is a warm-up.
      const f = await timedLaunch("web-no-reload");
      const d = await timedDirect();
      const w = i <= plan.first ? await timedLaunch("web") : undefined;
      if (i === 0) continue;
      floor.push(f);
      direct.push(d);
      if (w !== undefined) first.push(w);
    }
    const floorMs = median(floor);

    const app = await launchLive(ctx, build);
    const rows: Row[] = [
      { section: "reload", metric: "floor: web-no-reload, spawn -> first response (launcher + python3 server.py)", unit: "ms", samples: floor },
      { section: "reload", metric: "python3 server.py spawned directly (as watchexec restarts it), -> first response", unit: "ms", samples: direct },
      { section: "reload", metric: "web (launcher + watchexec + python3) first start, spawn -> first response", unit: "ms", samples: first },
    ];
    const series: { label: string; samples: SyncSample[] }[] = [];
    try {
      for (const files of [1, 300]) {
        const samples: SyncSample[] = [];
        // One untimed sync first: it creates the 299 assets, which later syncs overwrite.
        for (let i = 0; i <= plan.reloads; i++) {
          const message = `reload ${files} #${i}`;
          const s = await measureSync(app, build, { files: syncOf(files, message), message, windowMs: 50, afterResponseMs: 500 });
          if (i > 0) samples.push(s);
        }
        const label = files === 1 ? "1 file (message.txt)" : `${files} files (one tar)`;
        progress(`  reload: ${label}: ${samples.map((s) => s.latency.toFixed(0)).join(" ")} ms`);
        series.push({ label, samples });
      }

      // Files that the default ignores cover: none of them may restart the app.
      const ignored: SyncSample[] = [];
      const serving = `reload 300 #${plan.reloads}`;
      for (let i = 0; i < plan.ignored; i++) {
        app.claimLate();
        const before = app.counts();
        const synced = await build.sync({ "app.log": `log line ${i}\n`, "logs/x": `log ${i}\n`, "__pycache__/x.pyc": `bytecode ${i}\n`, "server.pid": `${4000 + i}\n` });
        await app.settle(performance.now() + 500);
        const after = app.counts();
        const s: SyncSample = { syncMs: synced.ms, bytes: synced.bytes, latency: 0, tarSeen: false, starts: after.starts - before.starts, spawns: after.spawns - before.spawns };
        ignored.push(s);
        app.lastSample = s;
        app.markSettled();
        const body = await probe(app.url);
        if (body !== serving) throw new Error(`after syncing ignored files the app answers ${JSON.stringify(body)}, not ${JSON.stringify(serving)}`);
      }
      await app.stop();
      for (const { label, samples } of series) {
        rows.push(
          { section: "reload", metric: `${label}: sync duration (tar -x)`, unit: "ms", samples: samples.map((s) => s.syncMs) },
          { section: "reload", metric: `${label}: end of sync -> new response`, unit: "ms", samples: samples.map((s) => s.latency) },
          { section: "reload", metric: `${label}: above the floor (latency - floor median)`, unit: "ms", samples: samples.map((s) => s.latency - floorMs), target: { limit: 60, text: "<= 60 ms" } },
          { section: "reload", metric: `${label}: restarts per sync ("app started" lines)`, unit: "count", samples: samples.map((s) => s.starts), target: { limit: 1, text: "exactly 1", exact: true } },
          { section: "reload", metric: `${label}: processes watchexec started per sync (/proc)`, unit: "count", samples: samples.map((s) => s.spawns) },
        );
      }
      rows.push({
        section: "reload",
        metric: "ignored files (app.log, logs/x, __pycache__/x.pyc, server.pid): restarts per sync",
        unit: "count",
        samples: ignored.map((s) => Math.max(s.starts, s.spawns)),
        target: { limit: 0, text: "exactly 0", exact: true },
      });
    } catch (error) {
      app.proc.kill();
      throw error;
    }
    if (app.late > 0) progress(`  reload: ${app.late} restart(s) came after their sync's settle time and were added to it`);
    ctx.report({
      title: "reload: how it was measured",
      grid: { header: ["figure", "method"], right: new Set(), rows: [
        ["floor", "launch web-no-reload (python3 server.py through the real launcher, no watchexec): spawn of the launcher -> first HTTP answer; 1 warm-up round"],
        ["direct", "python3 server.py spawned by the harness as the app user, no launcher: what watchexec does on a restart; for comparison only"],
        ["first start", "launch web the same way: launcher -> watchexec -> python3; for comparison only. The three alternate, round by round"],
        ["latency", "end of sync (tar's exit, seen by a 1 ms /proc scan) -> first response with the new message.txt (the LAST file of the tar), probed every 2 ms"],
        ["restarts", "\"app started\" lines from the sync until 500 ms after the new response and 250 ms of quiet (late ones are added to their sync)"],
        ["ignored", "each sync writes app.log, logs/x, __pycache__/x.pyc and server.pid; restarts counted 500 ms after the sync (lines and /proc, the larger)"],
      ] },
      notes: [
        `default window (--debounce=50ms), Python fixture app, ${ASSET_BYTES}-byte assets; build dirs on ${build.root.split("/").slice(0, -1).join("/") || "/"}`,
        tarSeenNote(series.flatMap((x) => x.samples)),
      ],
    });
    return rows;
  });
}

// --- windows ---------------------------------------------------------------------------------

/** Issue 6, item 2: app-dir mode, restarts and latency per debounce window, sync size and speed. */
async function windowsSection(ctx: BenchContext): Promise<Row[]> {
  const cells: Cell[] = [];
  let late = 0;
  for (const windowMs of WINDOWS_MS) {
    await withPythonBuild(ctx, { BP_LIVE_RELOAD_DEBOUNCE: `${windowMs}ms` }, async (build, result) => {
      const web = result.processes.find((p) => p.type === "web")?.command ?? [];
      if (!web.includes(`--debounce=${windowMs}ms`)) throw new Error(`BP_LIVE_RELOAD_DEBOUNCE=${windowMs}ms did not reach the web command: ${web.join(" ")}`);
      const app = await launchLive(ctx, build);
      try {
        cells.push(...(await runCells(ctx, app, build, `window ${windowMs}ms`, windowMs, { afterResponseMs: 200 })));
        await app.stop();
      } catch (error) {
        app.proc.kill();
        throw error;
      }
      late += app.late;
    });
  }

  // The default: the smallest window that restarts exactly once for every local sync of up to
  // 300 files; among those, the lowest latency.
  const fits = WINDOWS_MS.filter((w) => cells.filter((c) => c.windowMs === w && c.speed.bytesPerSecond === undefined && c.files <= 300).every((c) => c.samples.every((s) => s.spawns === 1)));
  const localLatency = (w: number) => median(cells.filter((c) => c.windowMs === w && c.speed.bytesPerSecond === undefined && c.files <= 300).flatMap((c) => c.samples.map((s) => s.latency)));
  const best = [...fits].sort((a, b) => localLatency(a) - localLatency(b))[0];
  ctx.report({
    title: "windows: app-dir mode (BP_LIVE_RELOAD_DEBOUNCE), restarts and latency per sync",
    grid: { header: ["window", ...CELL_HEADER], right: cellFigures(1), rows: cells.map((c) => [`${c.windowMs}ms`, ...cellColumns(c)]) },
    notes: [
      RESTARTS_NOTE,
      LATENCY_NOTE,
      tarSeenNote(cells.flatMap((c) => c.samples)),
      `Each window: one build, one launch, one untimed local sync of ${Math.max(...SIZES)} files (creating them), then the cells in order; each sync overwrites static/asset-*.txt (${ASSET_BYTES} bytes each) and ends with message.txt.`,
      `Restarts are counted until max(new response + 200 ms, end of sync + window + ${RESTART_MARGIN_MS} ms) and ${QUIET_MS} ms with no new process; ${late} came later and were added to their sync.`,
      `MB = 10^6 bytes; rates paced by the harness's RateLimit (slices every 20 ms).`,
      fits.length === 0
        ? "No window restarted exactly once on every local sync of <= 300 files."
        : `Exactly one restart on every local sync of <= 300 files: ${fits.map((w) => `${w}ms (latency median ${fmtMs(localLatency(w))})`).join(", ")}; lowest latency: ${best}ms.`,
    ],
  });
  return [];
}

// --- trigger ---------------------------------------------------------------------------------

function writerVsDirect(writerBased: number, direct: number): string {
  const diff = writerBased - direct;
  return `${fmtMs(Math.abs(diff))} ${diff < 0 ? "lower" : "higher"}`;
}

/** Issue 6, item 5: trigger mode, one restart per sync whatever its size and speed. */
async function triggerSection(ctx: BenchContext): Promise<Row[]> {
  const plan = ctx.quick ? { writer: 5, direct: 5 } : { writer: 20, direct: 20 };
  return withPythonBuild(ctx, { BP_LIVE_RELOAD_TRIGGER: "true" }, async (build, result) => {
    const logged = /Trigger mode: reloads when a sync ends by writing a file in (\S+)/.exec(result.log)?.[1];
    const triggerDir = join(build.layersDir, escapeId(RELOADABLE_ID), "trigger");
    if (logged !== triggerDir) throw new Error(`the build log names trigger dir ${logged}, expected ${triggerDir}; log:\n${result.log}`);

    // The writer a sync tool runs, timed where no one watches: spawn -> exit of `sh -c 'date > file'`.
    const writerCommand = (file: string) => ["-c", `date > ${file}`];
    const writer = await sample(plan.writer, async () => {
      const started = performance.now();
      const ran = await build.runAsAppUser("sh", writerCommand(join(build.homeDir, "trigger-calibration")));
      if (ran.code !== 0) throw new Error(`the trigger writer failed (${ran.code}): ${ran.log}`);
      return performance.now() - started;
    });
    const writerMs = median(writer);
    // A file the harness writes directly (as root, into the app user's file): created before launch.
    const direct = join(triggerDir, "direct");
    writeFileSync(direct, "");
    if (build.user !== undefined) chownSync(direct, build.user.uid, build.user.gid);

    const app = await launchLive(ctx, build);
    try {
      const trigger = async () => {
        const old = app.servingPid();
        const started = performance.now();
        const gone = whenGone(old);
        const ran = await build.runAsAppUser("sh", writerCommand(join(triggerDir, "sync")));
        if (ran.code !== 0) throw new Error(`writing the trigger failed (${ran.code}): ${ran.log}`);
        return (await gone) - started - writerMs;
      };
      const cells = await runCells(ctx, app, build, "trigger", TRIGGER_WINDOW_MS, { afterResponseMs: 200, trigger });

      // Cross-check with no writer to subtract: the harness writes the trigger itself.
      const directSamples = await sample(plan.direct, async () => {
        app.claimLate();
        const before = app.starts.length;
        const old = app.servingPid();
        const started = performance.now();
        const gone = whenGone(old);
        writeFileSync(direct, `${new Date().toISOString()}\n`);
        const ms = (await gone) - started;
        await app.settle(performance.now() + 300);
        if (app.starts.length !== before + 1) throw new Error(`a direct trigger write gave ${app.starts.length - before} restarts`);
        app.lastSample = undefined;
        app.markSettled();
        return ms;
      });
      await app.stop();

      const all = cells.flatMap((c) => c.samples);
      ctx.report({
        title: "trigger: BP_LIVE_RELOAD_TRIGGER=true, restarts and latency per sync",
        grid: {
          header: [...CELL_HEADER, "signalled", "p90"],
          right: cellFigures(0, 2),
          rows: cells.map((c) => [...cellColumns(c), fmtMs(median(c.samples.map((s) => s.signalled!))), fmtMs(percentile(c.samples.map((s) => s.signalled!), 90))]),
        },
        notes: [
          RESTARTS_NOTE,
          "latency: end of sync -> first HTTP response with the new message.txt (the LAST file of the tar), probed every 2 ms. In trigger mode the end of sync is " +
            "when the trigger writer starts, right after build.sync resolved (which is itself ~1-35 ms after tar's exit: the harness removes its staging copy first; " +
            "a sync tool has no such step, so it is left out); the latency includes the writer. sync: build.sync's own clock, first byte streamed -> tar exited (median and max).",
          `signalled: trigger -> old app process gone. The harness notes the time, spawns \`sh -c 'date > ${triggerDir}/sync'\` as the app user (build.runAsAppUser) ` +
            "and polls the old app pid every 1 ms (kill(pid, 0), and not a zombie in /proc) until it is gone; minus the writer's own spawn -> exit time, " +
            `measured separately on a file nobody watches (median ${fmtMs(writerMs)} of ${writer.length}). That also subtracts what the writer does after its write (date and sh exiting, node seeing it), so the figure is a little low.`,
          `Cross-check with nothing to subtract: the harness writes <trigger dir>/direct itself (writeFileSync, as root into the app user's file) and polls the same way: ` +
            `median ${fmtMs(median(directSamples))}, p90 ${fmtMs(percentile(directSamples, 90))} (n=${directSamples.length}); ` +
            `the writer-based median is ${writerVsDirect(median(all.map((s) => s.signalled!)), median(directSamples))}.`,
          `Window in trigger mode: ${TRIGGER_WINDOW_MS} ms (the buildpack's default for it). ${app.late} restart(s) came after their sync's settle time and were added to it.`,
        ],
      });
      const signalled = all.map((s) => s.signalled!);
      const local = (files: number) => cells.find((c) => c.speed.bytesPerSecond === undefined && c.files === files)!.samples.map((s) => s.latency);
      return [
        { section: "trigger", metric: "restarts per sync, every size and speed (/proc)", unit: "count", samples: all.map((s) => s.spawns), target: { limit: 1, text: "exactly 1", exact: true } },
        { section: "trigger", metric: "restarts per sync, every size and speed (\"app started\")", unit: "count", samples: all.map((s) => s.starts), target: { limit: 1, text: "exactly 1", exact: true } },
        { section: "trigger", metric: "trigger (sh writer) -> old process gone, minus writer time", unit: "ms", samples: signalled, target: { limit: 30, text: "<= 30 ms" } },
        { section: "trigger", metric: "trigger (direct write by the harness) -> old process gone", unit: "ms", samples: directSamples, target: { limit: 30, text: "<= 30 ms" } },
        { section: "trigger", metric: "writer alone: sh -c 'date > file' as the app user, spawn -> exit", unit: "ms", samples: writer },
        { section: "trigger", metric: "local, 1 file: end of sync -> new response (incl. the writer)", unit: "ms", samples: local(1) },
        { section: "trigger", metric: "local, 300 files: end of sync -> new response (incl. the writer)", unit: "ms", samples: local(300) },
      ];
    } catch (error) {
      app.proc.kill();
      throw error;
    }
  });
}

/** The sections that build and run the app (the others time the buildpack's phases directly). */
const LIVE_SECTIONS = ["reload", "windows", "trigger"];

const SECTIONS: Section[] = [
  { name: "detect", description: "bin/detect wall time (passing detection)", run: detectSection },
  { name: "warm", description: "bin/build reusing a valid layer", run: warmSection },
  { name: "cold", description: "bin/build into fresh layers from a local dependency server, and the transfer", run: coldSection },
  { name: "size", description: "sizes of bin/main and dist/buildpack", run: sizeSection },
  { name: "reload", description: "live reload latency and restarts per sync (default window), against the app's cold start", run: reloadSection },
  { name: "windows", description: "app-dir mode: restarts and latency per debounce window, sync size and speed", run: windowsSection },
  { name: "trigger", description: "trigger mode: restarts and latency per sync size and speed, trigger -> old process gone", run: triggerSection },
];

// ---------------------------------------------------------------------------------------------
// Command line

interface Options {
  only: string[];
  runs: number;
  check: boolean;
  verbose: boolean;
  quick: boolean;
  markdown: boolean;
}

function usage(): string {
  return [
    "usage: npm run bench -- [--only SECTION[,SECTION...]]... [--runs N] [--quick] [--markdown] [--check] [--verbose] [--list]",
    "  --only      run only these sections (repeatable)",
    `  --runs      timed runs per figure of detect, warm and cold, after one warm-up (default ${DEFAULT_RUNS})`,
    "  --quick     few repetitions in the live sections (reload, windows, trigger): a smoke test for CI",
    "  --markdown  also print the tables as Markdown",
    "  --check     exit 1 when a target is missed",
    "  --verbose   print the output of each phase's last run to stderr; in the live sections, each sync",
    "sections:",
    ...SECTIONS.map((s) => `  ${s.name.padEnd(9)} ${s.description}`),
  ].join("\n");
}

function parseArgs(argv: string[]): Options {
  const options: Options = { only: [], runs: DEFAULT_RUNS, check: false, verbose: false, quick: false, markdown: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${usage()}`);
      return v;
    };
    if (arg === "--only") options.only.push(...value().split(",").filter((s) => s !== ""));
    else if (arg.startsWith("--only=")) options.only.push(...arg.slice("--only=".length).split(",").filter((s) => s !== ""));
    else if (arg === "--runs") options.runs = Number(value());
    else if (arg === "--check") options.check = true;
    else if (arg === "--verbose") options.verbose = true;
    else if (arg === "--quick") options.quick = true;
    else if (arg === "--markdown") options.markdown = true;
    else if (arg === "--list" || arg === "--help" || arg === "-h") {
      console.log(usage());
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${usage()}`);
  }
  if (!Number.isInteger(options.runs) || options.runs < 1) throw new Error(`--runs must be a positive integer\n${usage()}`);
  const unknown = options.only.filter((name) => !SECTIONS.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`unknown section ${unknown.join(", ")}\n${usage()}`);
  return options;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  requirePackage();
  const sections = options.only.length === 0 ? SECTIONS : SECTIONS.filter((s) => options.only.includes(s.name));
  const ctx = new BenchContext(options.runs, options.verbose, options.quick);
  const cleanup = () => {
    ctx.killLive();
    rmSync(ctx.root, { recursive: true, force: true });
  };
  process.on("exit", cleanup);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130));
  const rows: Row[] = [];
  const benchStarted = performance.now();
  const loadBefore = loadavg()[0]!;
  try {
    for (const section of sections) {
      const started = performance.now();
      progress(`${section.name}: ${section.description}`);
      rows.push(...(await section.run(ctx)));
      progress(`${section.name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await ctx.close();
  }

  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  const live = sections.some((s) => LIVE_SECTIONS.includes(s.name));
  console.log(
    `Reloadable benchmark: ${options.runs} timed runs per timing after 1 warm-up${live ? `; live sections: ${options.quick ? "--quick repetitions" : "their own repetitions"} (runs/n per figure)` : ""}; ` +
      "medians are checked against the targets (\"exactly\": every sample)",
  );
  console.log(
    `node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} x ${cpu}, uid ${process.getuid?.() ?? "?"}; ` +
      `${((performance.now() - benchStarted) / 1000).toFixed(0)} s; load average (1 min) ${loadBefore.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end`,
  );
  console.log("");
  const missed = rows.filter((row) => met(row) === false);
  const verdict = missed.length === 0 ? "All targets met." : `Targets missed: ${missed.map((r) => `${r.section}/${r.metric}`).join("; ")}`;
  const print = (markdown: boolean) => {
    if (rows.length > 0) console.log(renderTable(rows, markdown));
    for (const report of ctx.reports) console.log(`\n${renderReport(report, markdown)}`);
    console.log("");
    console.log(verdict);
  };
  print(false);
  if (options.markdown) {
    console.log("\n--- Markdown ---\n");
    print(true);
  }
  return options.check && missed.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
