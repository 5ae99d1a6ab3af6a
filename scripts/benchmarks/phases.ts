// The sections that time the packaged SEA binary's phases directly (no lifecycle, as the current
// user) and weigh the package: detect, warm, cold and size.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { escapeId } from "../../integration/harness/lifecycle.ts";
import { fixturesDir, packagedBuildpack } from "../../integration/harness/paths.ts";
import { RELOADABLE_ID } from "../../integration/harness/reloadable.ts";
import { BASE_PATH, expectPhase, runPhase, sample, type BenchContext, type PhaseRun } from "./context.ts";
import { format, median, type Row } from "./report.ts";

/** bin/detect of the packaged buildpack with BP_LIVE_RELOAD_ENABLED=true: a pass. */
export async function detectSection(ctx: BenchContext): Promise<Row[]> {
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

export function buildEnv(buildpackDir: string, layersDir: string, platform: string, planPath: string): Record<string, string> {
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
export function seedLayers(layersRoot: string): string {
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
export function writePlan(dir: string): string {
  const path = join(dir, "plan.toml");
  writeFileSync(path, '[[entries]]\n  name = "watchexec"\n');
  return path;
}

/** The python-web fixture app, copied: a build may write into the app dir. */
export function appCopy(dir: string): string {
  cpSync(join(fixturesDir, "apps", "python-web"), dir, { recursive: true });
  return dir;
}

/** bin/build over a layers dir that already holds a valid watchexec layer: reuse, no request. */
export async function warmSection(ctx: BenchContext): Promise<Row[]> {
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
export async function coldSection(ctx: BenchContext): Promise<Row[]> {
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
export async function sizeSection(): Promise<Row[]> {
  const dist = packagedBuildpack;
  return [
    { section: "size", metric: "bin/main", unit: "bytes", samples: [statSync(join(dist, "bin", "main")).size] },
    { section: "size", metric: "dist/buildpack (du, apparent)", unit: "bytes", samples: [du(dist, ["-sb"])] },
    { section: "size", metric: "dist/buildpack (du, on disk)", unit: "bytes", samples: [du(dist, ["-sk"]) * 1024] },
  ];
}
