// The live sections on the Python fixture app (live.ts builds, launches and syncs it): reload
// (issue 4: latency in the default app-dir mode against the app's cold start) and trigger (issue
// 6, item 5: trigger mode), with the cells (speeds x sizes) that the trigger and settle
// (settle.ts: app-dir mode per window and quiet period, disk, sync size and speed) tables share.
import { chownSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../integration/harness/http.ts";
import { escapeId, type CnbBuild } from "../../integration/harness/lifecycle.ts";
import { start } from "../../integration/harness/process.ts";
import { RELOADABLE_ID } from "../../integration/harness/reloadable.ts";
import { BASE_PATH, progress, sample, type BenchContext } from "./context.ts";
import {
  ASSET_BYTES,
  firstResponse,
  defaultMs,
  launchLive,
  measureSync,
  probe,
  QUIET_MS,
  RESTART_MARGIN_MS,
  syncOf,
  timedLaunch,
  whenGone,
  withPythonBuild,
  type LiveApp,
  type SyncPlan,
  type SyncSample,
} from "./live.ts";
import { fmtCount, fmtMs, format, median, percentile, type Row } from "./report.ts";

const MB = 1_000_000;
/** watchexec's window in trigger mode (src/reload/config.ts TRIGGER_DEBOUNCE). */
const TRIGGER_WINDOW_MS = 10;

// --- cells of the windows and trigger tables -------------------------------------------------

export interface Speed {
  label: string;
  bytesPerSecond: number | undefined;
}
export const SPEEDS: readonly Speed[] = [
  { label: "local", bytesPerSecond: undefined },
  { label: "10 MB/s", bytesPerSecond: 10 * MB },
  { label: "1 MB/s", bytesPerSecond: MB },
];
export const SIZES: readonly number[] = [1, 30, 300, 3000];

/**
 * Syncs per cell of the settle and trigger tables: fewer where a sync is slow (3000 files are
 * 4.6 MB of tar: 4.6 s at 1 MB/s, plus ~1.1 s for build.sync to stage them).
 */
export function cellRuns(speed: Speed, files: number, quick: boolean): number {
  const bps = speed.bytesPerSecond;
  if (quick) return files >= 3000 || bps === MB ? 1 : 2;
  if (bps === undefined) return files >= 3000 ? 4 : 10;
  if (bps === 10 * MB) return files >= 3000 ? 4 : files >= 300 ? 8 : 10;
  return files >= 3000 ? 3 : files >= 300 ? 4 : 6;
}

/** One cell of the trigger table. */
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

/** The columns of the trigger table. */
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

/** The reload target (issue 12): end of sync -> new response at most the cold start plus this. */
const ABOVE_FLOOR_LIMIT_MS = 100;

/**
 * Issue 4: reload latency in the default app-dir mode (window and quiet period as buildpack.toml
 * sets them), against the app's own cold start.
 */
export async function reloadSection(ctx: BenchContext): Promise<Row[]> {
  const plan = ctx.quick ? { floor: 3, first: 2, reloads: 5, ignored: 3 } : { floor: 10, first: 5, reloads: 20, ignored: 10 };
  const windowMs = defaultMs("BP_LIVE_RELOAD_DEBOUNCE");
  const quietMs = defaultMs("BP_LIVE_RELOAD_QUIET_PERIOD");
  const defaults = `--debounce=${windowMs}ms, reloadable-settle ${quietMs}`;
  return withPythonBuild(ctx, {}, async (build, result) => {
    const web = result.processes.find((p) => p.type === "web")?.command ?? [];
    const settle = web.indexOf("reloadable-settle");
    if (!web.includes(`--debounce=${windowMs}ms`) || settle < 0 || web[settle + 1] !== String(quietMs)) {
      throw new Error(`expected the defaults of buildpack.toml (${defaults}) in the web command: ${web.join(" ")}`);
    }
    // The floor: the app without watchexec, as the launcher starts it (web-no-reload). Next to
    // it, in turns (so that load on the machine hits all alike): web's first start through
    // watchexec, and python3 server.py spawned directly, which is what watchexec runs on a restart.
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
      const f = await timedLaunch(build, "web-no-reload");
      const d = await timedDirect();
      const w = i <= plan.first ? await timedLaunch(build, "web") : undefined;
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
          const s = await measureSync(app, build, { files: syncOf(files, message), message, windowMs: windowMs + quietMs, afterResponseMs: 500 });
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
        const s: SyncSample = {
          syncMs: synced.ms,
          bytes: synced.bytes,
          latency: 0,
          tarSeen: false,
          starts: after.starts - before.starts,
          reloads: after.reloads - before.reloads,
          spawns: after.spawns - before.spawns,
        };
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
          { section: "reload", metric: `${label}: above the floor (latency - floor median)`, unit: "ms", samples: samples.map((s) => s.latency - floorMs) },
          {
            section: "reload",
            metric: `${label}: above that reload's own app start (end of sync -> exec)`,
            unit: "ms",
            samples: samples.flatMap((s) => (s.toExec === undefined ? [] : [s.toExec])),
            target: { limit: ABOVE_FLOOR_LIMIT_MS, text: `<= ${ABOVE_FLOOR_LIMIT_MS} ms` },
          },
          { section: "reload", metric: `${label}: app starts per sync ([reloadable] restart: lines)`, unit: "count", samples: samples.map((s) => s.reloads), target: { limit: 1, text: "exactly 1", exact: true } },
          { section: "reload", metric: `${label}: "app started" lines per sync`, unit: "count", samples: samples.map((s) => s.starts), target: { limit: 1, text: "exactly 1", exact: true } },
          { section: "reload", metric: `${label}: waiters watchexec started per sync (/proc, one per window)`, unit: "count", samples: samples.map((s) => s.spawns) },
        );
      }
      rows.push({
        section: "reload",
        metric: "ignored files (app.log, logs/x, __pycache__/x.pyc, server.pid): restarts per sync",
        unit: "count",
        samples: ignored.map((s) => Math.max(s.starts, s.reloads, s.spawns)),
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
        ["-> exec", "end of sync -> the `[reloadable] restart:` line of the app that answered (printed right before its exec): the latency minus that app's own start under the load of that moment"],
        ["app starts", "`[reloadable] restart:` lines (printed by reloadable-settle as it execs the app) and \"app started\" lines, from the sync until 500 ms after the new response and 250 ms of quiet (late ones are added to their sync)"],
        ["ignored", "each sync writes app.log, logs/x, __pycache__/x.pyc and server.pid; restarts counted 500 ms after the sync (lines and /proc, the larger)"],
      ] },
      notes: [
        `defaults of buildpack.toml (${defaults}), Python fixture app, ${ASSET_BYTES}-byte assets; build dirs on ${build.root.split("/").slice(0, -1).join("/") || "/"}`,
        tarSeenNote(series.flatMap((x) => x.samples)),
      ],
    });
    return rows;
  });
}

// --- trigger ---------------------------------------------------------------------------------

function writerVsDirect(writerBased: number, direct: number): string {
  const diff = writerBased - direct;
  return `${fmtMs(Math.abs(diff))} ${diff < 0 ? "lower" : "higher"}`;
}

/** Issue 6, item 5: trigger mode, one restart per sync whatever its size and speed. */
export async function triggerSection(ctx: BenchContext): Promise<Row[]> {
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

