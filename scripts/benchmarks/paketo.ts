// Issue 9, item 4: each Paketo group's default process reloading, Paketo alone (its own watchexec
// wrapper, as BP_LIVE_RELOAD_ENABLED=true makes it) against Paketo + Reloadable last, on the real
// lifecycle with the real Paketo buildpacks. Both apps run side by side and the reloads
// alternate between them, so load on the machine hits both alike.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { freePort } from "../../integration/harness/http.ts";
import { assertBuilt, CnbBuild, type BuildpackEntry, type BuildResult } from "../../integration/harness/lifecycle.ts";
import { fixturesDir } from "../../integration/harness/paths.ts";
import { paketo } from "../../integration/harness/paketo.ts";
import { JavaWorkspace, springExample } from "../../integration/harness/java-apps.ts";
import { fixtureBuildpack, reloadable } from "../../integration/harness/reloadable.ts";
import type { RunningProcess } from "../../integration/harness/process.ts";
import { readTiltfile, replayLiveUpdate } from "../../integration/harness/tiltfile.ts";
import type { FileContent } from "../../integration/harness/files.ts";
import { progress, type BenchContext } from "./context.ts";
import { firstResponse, sleep, syncOf } from "./live.ts";
import { fmtCount, median, type Row } from "./report.ts";

interface Side {
  label: string;
  build: CnbBuild;
  result: BuildResult;
  proc: RunningProcess;
  url: string;
}

interface Scenario {
  name: string;
  app: string | Record<string, FileContent>;
  order: (ctx: BenchContext) => Promise<BuildpackEntry[]>;
  env: Record<string, string>;
  /** Reloadable's own extra settings for this scenario. */
  reloadableEnv: Record<string, string>;
  /** A line the app prints at each start. */
  started: RegExp;
  firstTimeoutMs: number;
  /** Makes change `k` on one side; resolves at the end of the sync (its last step). */
  change: (side: Side, k: number, reloadableSide: boolean) => Promise<void>;
  /** The body that shows change `k`. */
  expected: (k: number) => string;
  /** How long after a reload a second start would have shown up. */
  settleMs: number;
}

async function paketoWatchexec(ctx: BenchContext): Promise<BuildpackEntry> {
  const server = await ctx.dependencyServer();
  return paketo("watchexec", { dependencies: [{ id: "watchexec", uri: server.url(ctx.watchexec.name), sha256: ctx.watchexec.sha256 }] });
}

async function start(ctx: BenchContext, scenario: Scenario, label: string, withReloadable: boolean): Promise<Side> {
  const order = await scenario.order(ctx);
  if (withReloadable) order.push(reloadable({ descriptor: await ctx.descriptor() }));
  const build = await CnbBuild.create({ app: scenario.app, env: { ...scenario.env, ...(withReloadable ? scenario.reloadableEnv : {}) }, order });
  ctx.liveBuilds.add(build);
  const result = await build.build();
  assertBuilt(result);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const proc = await build.launch(result.defaultProcess!, { PORT: String(port) });
  ctx.liveApps.add(proc);
  await firstResponse(url, () => true, scenario.firstTimeoutMs);
  return { label: `${label} (${result.defaultProcess})`, build, result, proc, url };
}

async function stop(ctx: BenchContext, side: Side): Promise<void> {
  await side.proc.stop();
  ctx.liveApps.delete(side.proc);
  await side.build.cleanup();
  ctx.liveBuilds.delete(side.build);
}

async function runScenario(ctx: BenchContext, scenario: Scenario, rounds: number): Promise<Row[]> {
  const sides = [await start(ctx, scenario, "Paketo alone", false), await start(ctx, scenario, "Paketo + Reloadable", true)];
  const latencies = sides.map(() => [] as number[]);
  const starts = sides.map(() => [] as number[]);
  try {
    // Round 0 is a warm-up (the first reload of a JVM also loads the changed classes cold).
    for (let k = 0; k <= rounds; k++) {
      for (const [i, side] of sides.entries()) {
        const before = side.proc.count(scenario.started);
        await scenario.change(side, k, i === 1);
        const ended = performance.now();
        const answered = await firstResponse(side.url, (body) => body.includes(scenario.expected(k)), 120_000);
        await sleep(scenario.settleMs);
        if (k === 0) continue;
        latencies[i]!.push(answered - ended);
        starts[i]!.push(side.proc.count(scenario.started) - before);
      }
    }
  } finally {
    for (const side of sides) await stop(ctx, side);
  }
  progress(`  paketo: ${scenario.name}: ${sides.map((s, i) => `${s.label} ${latencies[i]!.map((l) => l.toFixed(0)).join(" ")} ms, starts ${starts[i]!.join("/")}`).join("; ")}`);
  return sides.flatMap((side, i) => [
    { section: "paketo", metric: `${scenario.name}: ${side.label}, end of sync -> new response`, unit: "ms" as const, samples: latencies[i]! },
    { section: "paketo", metric: `${scenario.name}: ${side.label}, app starts per sync (median ${fmtCount(median(starts[i]!))}, max ${Math.max(...starts[i]!)})`, unit: "count" as const, samples: starts[i]! },
  ]);
}

export async function paketoSection(ctx: BenchContext): Promise<Row[]> {
  const rounds = ctx.quick ? 2 : 10;
  const rows: Row[] = [];
  const nodeApp = join(fixturesDir, "apps", "node-web");
  const node = (files: number): Scenario => ({
    name: `Node (node-start), ${files === 1 ? "1 file" : `${files} files`}`,
    app: nodeApp,
    order: async (c) => [fixtureBuildpack("node-engine"), await paketoWatchexec(c), paketo("node-start")],
    env: { BP_LIVE_RELOAD_ENABLED: "true" },
    reloadableEnv: {},
    started: /app started pid=/g,
    firstTimeoutMs: 20_000,
    change: async (side, k) => {
      await side.build.sync(syncOf(files, `hello r${k}`));
    },
    expected: (k) => `hello r${k}`,
    settleMs: 600,
  });
  rows.push(...(await runScenario(ctx, node(1), rounds)));
  rows.push(...(await runScenario(ctx, node(300), rounds)));

  // Spring Boot: one `mvn -o compile` per greeting beforehand; each change syncs that greeting's
  // changed classes: Paketo alone as a plain sync into BOOT-INF/classes (it has no trigger),
  // Reloadable by replaying the example's Tiltfile (sync, then the trigger).
  const java = new JavaWorkspace();
  try {
    const spring = java.buildSpringBoot();
    const tiltfile = readTiltfile(join(springExample, "Tiltfile"));
    const classes = Array.from({ length: rounds + 1 }, (_, k) => {
      const changed = spring.editGreeting(`r${k}`);
      return Object.fromEntries(changed.map((file) => [file, readFileSync(join(spring.checkout, file))]));
    });
    const springScenario = (name: string, reloadableEnv: Record<string, string>): Scenario => ({
      name,
      app: spring.exploded,
      order: async (c) => [fixtureBuildpack("jvm-provider"), fixtureBuildpack("syft"), await paketoWatchexec(c), paketo("executable-jar"), paketo("spring-boot")],
      env: { BP_LIVE_RELOAD_ENABLED: "true", BP_SPRING_CLOUD_BINDINGS_DISABLED: "true" },
      reloadableEnv: { ...tiltfile.env, ...reloadableEnv },
      started: /Started Application in/g,
      firstTimeoutMs: 120_000,
      change: async (side, k, reloadableSide) => {
        if (reloadableSide) {
          // The replay reads the changed files from a checkout: this greeting's classes.
          const root = java.tempDir("classes");
          for (const [file, bytes] of Object.entries(classes[k]!)) {
            const path = join(root, file);
            mkdirSync(dirname(path), { recursive: true });
            writeFileSync(path, bytes);
          }
          await replayLiveUpdate(side.build, tiltfile, { root, changed: Object.keys(classes[k]!) });
        } else {
          const files = Object.fromEntries(Object.entries(classes[k]!).map(([file, bytes]) => [join("BOOT-INF/classes", relative("target/classes", file)), bytes]));
          await side.build.sync(files);
        }
      },
      expected: (k) => `hello from spring boot r${k}`,
      settleMs: 2500,
    });
    // A greeting change is a method body change: Reloadable's default applies it in the JVM.
    rows.push(...(await runScenario(ctx, springScenario("Spring Boot, DevTools packaged, hot swap (the default)", {}), rounds)));
    rows.push(...(await runScenario(ctx, springScenario("Spring Boot, DevTools packaged, BP_LIVE_RELOAD_JVM_HOTSWAP=false", { BP_LIVE_RELOAD_JVM_HOTSWAP: "false" }), rounds)));
    rows.push(...(await runScenario(ctx, springScenario("Spring Boot, BP_LIVE_RELOAD_JVM_HOTSWAP=false BP_LIVE_RELOAD_DEVTOOLS=false", { BP_LIVE_RELOAD_JVM_HOTSWAP: "false", BP_LIVE_RELOAD_DEVTOOLS: "false" }), rounds)));
  } finally {
    java.removeAll();
  }
  return rows;
}
