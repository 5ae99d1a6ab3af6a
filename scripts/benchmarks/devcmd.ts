// Issue 14: reload latency of examples/node-dev (Paketo node-start with the node-engine stand-in,
// nodemon installed by npm), its dev command against a plain restart, on the real lifecycle:
//   - nodemon: the image built with Procfile.dev; a source sync is reloaded by nodemon (node
//     restarted inside the running process tree, no restart by watchexec);
//   - watchexec restart: the same app without Procfile.dev; the same sync restarts `node
//     server.js` through watchexec (app-dir mode, the default window and quiet period);
//   - dev command, manifest: a package.json sync to the nodemon image, which watchexec answers by
//     restarting nodemon and node.
// Both images run side by side and the syncs alternate (nodemon, restart, manifest), so load on
// the machine hits all alike. Each latency: end of sync (build.sync resolved) -> first answer of
// the new code (the new greeting; for the manifest, the first answer after the new node started).
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../integration/harness/http.ts";
import { assertBuilt, CnbBuild, type BuildpackEntry } from "../../integration/harness/lifecycle.ts";
import { npmInstalledCopy } from "../../integration/harness/npm.ts";
import { paketo } from "../../integration/harness/paketo.ts";
import { repoRoot, scratchRoot } from "../../integration/harness/paths.ts";
import type { RunningProcess } from "../../integration/harness/process.ts";
import { fixtureBuildpack, reloadable } from "../../integration/harness/reloadable.ts";
import { progress, type BenchContext } from "./context.ts";
import { firstResponse, sleep } from "./live.ts";
import { fmtCount, fmtMs, median, percentile, type Row } from "./report.ts";

const NODE_STARTED = /app started pid=\d+ ppid=(\d+)/g;
const RESTARTED = /\[reloadable\] restart:/g;
/** After each answer: long enough for a second restart (window + quiet period + start) to show. */
const SETTLE_MS = 600;

interface Side {
  build: CnbBuild;
  proc: RunningProcess;
  url: string;
}

interface Series {
  label: string;
  latencies: number[];
  /** Restarts by watchexec ([reloadable] restart: lines) per sync. */
  restarts: number[];
  /** node processes started per sync ("app started" lines). */
  starts: number[];
}

async function order(ctx: BenchContext): Promise<BuildpackEntry[]> {
  const server = await ctx.dependencyServer();
  return [
    fixtureBuildpack("node-engine"),
    paketo("watchexec", { dependencies: [{ id: "watchexec", uri: server.url(ctx.watchexec.name), sha256: ctx.watchexec.sha256 }] }),
    paketo("node-start"),
    reloadable({ descriptor: await ctx.descriptor() }),
  ];
}

async function start(ctx: BenchContext, app: string): Promise<Side> {
  const build = await CnbBuild.create({ app, env: { BP_LIVE_RELOAD_ENABLED: "true" }, order: await order(ctx) });
  ctx.liveBuilds.add(build);
  assertBuilt(await build.build());
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const proc = await build.launch("web", { PORT: String(port) });
  ctx.liveApps.add(proc);
  await firstResponse(url, () => true, 30_000);
  return { build, proc, url };
}

const greeting = (text: string) => ({ "greeting.js": `exports.greeting = ${JSON.stringify(text)};\n` });

/** One sync measured: latency to `answered`, and what it started. */
async function measure(side: Side, series: Series, record: boolean, sync: () => Promise<void>, answered: () => Promise<number>): Promise<void> {
  const restartsBefore = side.proc.count(RESTARTED);
  const startsBefore = side.proc.count(NODE_STARTED);
  await sync();
  const ended = performance.now();
  const at = await answered();
  await sleep(SETTLE_MS);
  if (!record) return;
  series.latencies.push(at - ended);
  series.restarts.push(side.proc.count(RESTARTED) - restartsBefore);
  series.starts.push(side.proc.count(NODE_STARTED) - startsBefore);
}

/** The parent pid (nodemon's) of the last node that started. */
function lastParent(proc: RunningProcess): string | undefined {
  return [...proc.log.matchAll(NODE_STARTED)].at(-1)?.[1];
}

async function startedUnderNewParent(proc: RunningProcess, parent: string | undefined, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (lastParent(proc) === parent) {
    if (performance.now() > deadline) throw new Error(`no node started under a new nodemon within ${timeoutMs} ms; output:\n${proc.log}`);
    await sleep(1);
  }
}

export async function devcmdSection(ctx: BenchContext): Promise<Row[]> {
  const rounds = ctx.quick ? 2 : 20;
  const withDev = await npmInstalledCopy(join(repoRoot, "examples", "node-dev"));
  const withoutDev = mkdtempSync(join(scratchRoot(), "reloadable-bench-node-"));
  cpSync(withDev, withoutDev, { recursive: true, verbatimSymlinks: true, filter: (src) => !src.endsWith("/Procfile.dev") });
  const manifest = JSON.parse(readFileSync(join(withDev, "package.json"), "utf8")) as Record<string, unknown>;
  const sides: Side[] = [];
  const nodemon: Series = { label: "nodemon reload (Procfile.dev), source sync", latencies: [], restarts: [], starts: [] };
  const restart: Series = { label: "watchexec restart of node server.js (no Procfile.dev), source sync", latencies: [], restarts: [], starts: [] };
  const manifestRestart: Series = { label: "dev command, package.json sync: watchexec restarts nodemon + node", latencies: [], restarts: [], starts: [] };
  try {
    sides.push(await start(ctx, withDev), await start(ctx, withoutDev));
    const [dev, plain] = sides as [Side, Side];
    // Round 0 is a warm-up (node's and nodemon's files in the page cache).
    for (let k = 0; k <= rounds; k++) {
      const record = k > 0;
      const text = (who: string) => `Hello r${k} ${who}`;
      await measure(dev, nodemon, record, () => dev.build.sync(greeting(text("nodemon"))).then(() => undefined), () => firstResponse(dev.url, (b) => b === `${text("nodemon")}\n`));
      await measure(plain, restart, record, () => plain.build.sync(greeting(text("restart"))).then(() => undefined), () => firstResponse(plain.url, (b) => b === `${text("restart")}\n`));
      const parent = lastParent(dev.proc);
      await measure(
        dev,
        manifestRestart,
        record,
        () => dev.build.sync({ "package.json": `${JSON.stringify({ ...manifest, version: `1.0.${k + 1}` }, null, 2)}\n` }).then(() => undefined),
        async () => {
          await startedUnderNewParent(dev.proc, parent);
          return firstResponse(dev.url, () => true);
        },
      );
    }
  } finally {
    for (const side of sides) {
      await side.proc.stop();
      ctx.liveApps.delete(side.proc);
      await side.build.cleanup();
      ctx.liveBuilds.delete(side.build);
    }
    rmSync(withDev, { recursive: true, force: true });
    rmSync(withoutDev, { recursive: true, force: true });
  }
  const all = [nodemon, restart, manifestRestart];
  for (const s of all) progress(`  devcmd: ${s.label}: ${s.latencies.map((l) => l.toFixed(0)).join(" ")} ms; restarts ${s.restarts.join("/")}; node starts ${s.starts.join("/")}`);
  ctx.report({
    title: "devcmd: examples/node-dev, nodemon (dev command) vs watchexec restart, end of sync -> new code answering",
    grid: {
      header: ["reload", "median", "p90", "n", "watchexec restarts per sync", "node starts per sync"],
      right: new Set([1, 2, 3, 4, 5]),
      rows: all.map((s) => [
        s.label,
        fmtMs(median(s.latencies)),
        fmtMs(percentile(s.latencies, 90)),
        String(s.latencies.length),
        `${fmtCount(median(s.restarts))} (max ${Math.max(...s.restarts)})`,
        `${fmtCount(median(s.starts))} (max ${Math.max(...s.starts)})`,
      ]),
    },
    notes: [
      "Paketo node-start + the node-engine stand-in (the machine's node) + Reloadable; nodemon 3.1.14 from the npm registry, its defaults but for nodemon.json (ext js,mjs,cjs).",
      "Each sync is one tar stream (greeting.js, or package.json) extracted by tar as the app user; the three syncs alternate round by round after one warm-up round.",
      `Latency: build.sync resolved -> first HTTP answer with the new greeting (manifest: the first answer after a node started under a new nodemon), probed every 2 ms; counts taken ${SETTLE_MS} ms after it.`,
    ],
  });
  return all.flatMap((s) => [
    { section: "devcmd", metric: `${s.label}, end of sync -> new code answering`, unit: "ms" as const, samples: s.latencies },
    { section: "devcmd", metric: `${s.label}, watchexec restarts per sync`, unit: "count" as const, samples: s.restarts },
  ]);
}
