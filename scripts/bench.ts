// The buildpack's performance figures: medians and p90s of the packaged SEA binary's phases,
// run directly (no lifecycle) as the current user, and the package's sizes.
//   npm run bench -- [--only SECTION[,SECTION...]]... [--runs N] [--check] [--list]
// Each section is one function returning rows; add a section by adding an entry to SECTIONS.
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { DependencyServer } from "../integration/harness/depserver.ts";
import { packagedBuildpack, fixturesDir, requirePackage } from "../integration/harness/paths.ts";
import { escapeId } from "../integration/harness/lifecycle.ts";
import { localWatchexec, reloadableDescriptor, RELOADABLE_ID, type Artifact } from "../integration/harness/reloadable.ts";

const DEFAULT_RUNS = 10;
const BASE_PATH = "/usr/local/bin:/usr/bin:/bin";

// ---------------------------------------------------------------------------------------------
// Rows, statistics and the table

type Unit = "ms" | "bytes";

interface Target {
  /** The figure (the median) must be at most this. */
  limit: number;
  /** How the target reads in the table, e.g. "<= 80 ms". */
  text: string;
}

interface Row {
  section: string;
  metric: string;
  unit: Unit;
  /** Timings: the samples; sizes: one value. */
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
  if (value < 1024) return `${value} B`;
  if (value < 1024 * 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${(value / 1024 / 1024).toFixed(1)} MiB`;
}

function met(row: Row): boolean | undefined {
  return row.target === undefined ? undefined : median(row.samples) <= row.target.limit;
}

function renderTable(rows: readonly Row[]): string {
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
  const all = [header, ...cells];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  // Figures right-aligned so their units line up; words left-aligned.
  const right = new Set([2, 3, 4]);
  const line = (r: string[]) =>
    r
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Shared resources: temp dirs, the dependency server, a buildpack dir with the test descriptor

class BenchContext {
  readonly root = mkdtempSync(join(tmpdir(), "reloadable-bench-"));
  readonly watchexec: Artifact = localWatchexec();
  private server: DependencyServer | undefined;
  private buildpackDir: string | undefined;
  private counter = 0;

  constructor(
    readonly runs: number,
    readonly verbose: boolean,
  ) {}

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

const SECTIONS: Section[] = [
  { name: "detect", description: "bin/detect wall time (passing detection)", run: detectSection },
  { name: "warm", description: "bin/build reusing a valid layer", run: warmSection },
  { name: "cold", description: "bin/build into fresh layers from a local dependency server, and the transfer", run: coldSection },
  { name: "size", description: "sizes of bin/main and dist/buildpack", run: sizeSection },
];

// ---------------------------------------------------------------------------------------------
// Command line

interface Options {
  only: string[];
  runs: number;
  check: boolean;
  verbose: boolean;
}

function usage(): string {
  return [
    "usage: npm run bench -- [--only SECTION[,SECTION...]]... [--runs N] [--check] [--verbose] [--list]",
    "  --only     run only these sections (repeatable)",
    `  --runs     timed runs per figure, after one warm-up (default ${DEFAULT_RUNS})`,
    "  --check    exit 1 when a target is missed",
    "  --verbose  print the output of each phase's last run to stderr",
    "sections:",
    ...SECTIONS.map((s) => `  ${s.name.padEnd(8)} ${s.description}`),
  ].join("\n");
}

function parseArgs(argv: string[]): Options {
  const options: Options = { only: [], runs: DEFAULT_RUNS, check: false, verbose: false };
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
  const ctx = new BenchContext(options.runs, options.verbose);
  const cleanup = () => rmSync(ctx.root, { recursive: true, force: true });
  process.on("exit", cleanup);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130));
  const rows: Row[] = [];
  try {
    for (const section of sections) {
      progress(`${section.name}: ${section.description}`);
      rows.push(...(await section.run(ctx)));
    }
  } finally {
    await ctx.close();
  }

  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  console.log(`Reloadable benchmark: ${options.runs} timed runs per timing after 1 warm-up; medians are checked against the targets`);
  console.log(`node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} x ${cpu}, uid ${process.getuid?.() ?? "?"}`);
  console.log("");
  console.log(renderTable(rows));
  const missed = rows.filter((row) => met(row) === false);
  console.log("");
  console.log(missed.length === 0 ? "All targets met." : `Targets missed: ${missed.map((r) => `${r.section}/${r.metric}`).join("; ")}`);
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
