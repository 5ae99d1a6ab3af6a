// What every section runs with: the BenchContext (options, temp dirs, the local dependency
// server, the test buildpack dir, the reports and the live builds to clean up), timed phase runs,
// sampling (one warm-up, then the timed runs), progress lines on stderr, and the Section type.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DependencyServer } from "../../integration/harness/depserver.ts";
import type { CnbBuild } from "../../integration/harness/lifecycle.ts";
import { packagedBuildpack } from "../../integration/harness/paths.ts";
import type { RunningProcess } from "../../integration/harness/process.ts";
import { localWatchexec, reloadableDescriptor, type Artifact } from "../../integration/harness/reloadable.ts";
import type { Report, Row } from "./report.ts";

export const BASE_PATH = "/usr/local/bin:/usr/bin:/bin";

// ---------------------------------------------------------------------------------------------
// Shared resources: temp dirs, the dependency server, a buildpack dir with the test descriptor

export class BenchContext {
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
    // The build copies the helpers from the buildpack's bin/ (src/reload/helpers.ts).
    symlinkSync(join(packagedBuildpack, "bin", "reloadable-helper"), join(dir, "bin", "reloadable-helper"));
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

export interface PhaseRun {
  ms: number;
  code: number | null;
  output: string;
}

/** Spawns a phase and times it from spawn to exit. */
export function runPhase(command: string, env: Record<string, string>, cwd: string): Promise<PhaseRun> {
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

export function expectPhase(what: string, run: PhaseRun, code: number, marker?: string): void {
  if (run.code !== code || (marker !== undefined && !run.output.includes(marker))) {
    throw new Error(`${what}: exit ${run.code} (expected ${code}${marker !== undefined ? ` and output with "${marker}"` : ""}); output:\n${run.output}`);
  }
}

/** One untimed warm-up (page cache, first exec), then `runs` timed samples. */
export async function sample(runs: number, once: () => Promise<number>): Promise<number[]> {
  await once();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once());
  return samples;
}

export function progress(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}

/** One entry of SECTIONS (scripts/bench.ts): a name for --only, and a function returning rows. */
export interface Section {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<Row[]>;
}
