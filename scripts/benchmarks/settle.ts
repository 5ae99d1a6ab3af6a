// The settle section (issue 12): app-dir mode, where watchexec restarts reloadable-settle on each
// window and the waiter starts the app once a quiet period passes with no new window. Several
// (window W, quiet period Q) configurations, Q=0 (the old behaviour: the app at every window)
// among them, each built once on a real disk and once on tmpfs, all running at the same time and
// measured in turns, sync by sync, so that the load of the shared machine hits them alike. Per
// sync: app starts (`[reloadable] restart:` lines, and "app started"), waiters (processes
// watchexec started) and end of sync -> new response; per build: the cold start (the floor) and
// the first start.
import { existsSync } from "node:fs";
import type { CnbBuild } from "../../integration/harness/lifecycle.ts";
import { diskScratchRoot, DISK_TMPDIR_ENV, fileSystemOf } from "../../integration/harness/paths.ts";
import { progress, type BenchContext } from "./context.ts";
import {
  ASSET_BYTES,
  defaultMs,
  dropBuild,
  launchLive,
  measureSync,
  pythonBuild,
  QUIET_MS,
  RESTART_MARGIN_MS,
  syncOf,
  timedLaunch,
  type LiveApp,
  type SyncSample,
} from "./live.ts";
import { fmtCount, fmtMs, median, percentile, type Grid, type Row } from "./report.ts";
import { cellRuns, SIZES, SPEEDS, type Speed } from "./sections-live.ts";

const DEBOUNCE = "BP_LIVE_RELOAD_DEBOUNCE";
const QUIET_PERIOD = "BP_LIVE_RELOAD_QUIET_PERIOD";
/** `W/Q,W/Q,...` in ms: the configurations to compare instead of CANDIDATES. */
export const CONFIGS_ENV = "RELOADABLE_BENCH_SETTLE";
/**
 * Q=0 at the old default window (the baseline: the app at every window), the first provisional
 * default 50/80, and the candidates with W + Q <= 80 ms that the defaults were chosen from.
 */
const CANDIDATES = "50/0,50/80,10/50,10/60,10/70";
const QUICK_CANDIDATES = "50/0";
/** Cold and first starts: rounds after one warm-up round. */
const START_ROUNDS = { full: 8, quick: 2 };
/** The targets of issue 12, for the default configuration. */
const ABOVE_FLOOR_LIMIT_MS = 100;
const FIRST_START_LIMIT_MS = 15;

interface Config {
  windowMs: number;
  quietMs: number;
  /** The buildpack's defaults (built with neither variable set). */
  isDefault: boolean;
}

interface Disk {
  /** The file system, as statfs names it. */
  label: string;
  /** The dir the builds are made in. */
  path: string;
  /** Cold starts (web-no-reload) of this disk's first build, spawn -> first answer. */
  floor: number[];
}

/** One build of one configuration on one disk, and its app while it runs. */
interface Unit {
  disk: Disk;
  config: Config;
  build: CnbBuild;
  app?: LiveApp;
  first: number[];
  cells: Map<string, SyncSample[]>;
}

const configName = (c: Config) => `${c.windowMs}/${c.quietMs}${c.isDefault ? " (default)" : ""}`;
const cellKey = (speed: Speed, files: number) => `${speed.label} ${files}`;

/** The configurations: RELOADABLE_BENCH_SETTLE or the candidates, plus the defaults if missing. */
export function settleConfigs(text: string, defaults: { windowMs: number; quietMs: number }): Config[] {
  const configs = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((entry) => {
      const match = /^(\d+)\/(\d+)$/.exec(entry);
      if (match === null) throw new Error(`${CONFIGS_ENV}: "${entry}" is not W/Q in ms (e.g. 50/0,20/70)`);
      const windowMs = Number(match[1]);
      const quietMs = Number(match[2]);
      if (windowMs < 1 || quietMs > 60_000) throw new Error(`${CONFIGS_ENV}: "${entry}": W must be at least 1 ms and Q at most 60000 ms`);
      return { windowMs, quietMs, isDefault: windowMs === defaults.windowMs && quietMs === defaults.quietMs };
    });
  if (!configs.some((c) => c.isDefault)) configs.push({ ...defaults, isDefault: true });
  const names = configs.map((c) => `${c.windowMs}/${c.quietMs}`);
  if (new Set(names).size !== names.length) throw new Error(`${CONFIGS_ENV}: a configuration is listed twice: ${names.join(",")}`);
  return configs;
}

/** The machine's disk (ext4 here) and tmpfs, each checked with statfs. */
function settleDisks(): Disk[] {
  const disk = diskScratchRoot();
  const disks: Disk[] = [{ label: disk.fileSystem, path: disk.path, floor: [] }];
  if (existsSync("/dev/shm") && fileSystemOf("/dev/shm") === "tmpfs") disks.push({ label: "tmpfs", path: "/dev/shm", floor: [] });
  else progress(`  settle: /dev/shm is not tmpfs here: measuring ${disk.fileSystem} only`);
  return disks;
}

/** `items` rotated left by `by`: each round starts with another configuration. */
const rotated = <T>(items: readonly T[], by: number) => items.map((_, i) => items[(i + by) % items.length]!);

/** "1" when every sample is 1; else the median and the range. */
function countCell(values: readonly number[]): string {
  if (values.length === 0) return "-";
  const min = Math.min(...values);
  const max = Math.max(...values);
  return min === max ? fmtCount(min) : `${fmtCount(median(values))} (${min}-${max})`;
}

export async function settleSection(ctx: BenchContext): Promise<Row[]> {
  const defaults = { windowMs: defaultMs(DEBOUNCE), quietMs: defaultMs(QUIET_PERIOD) };
  const configs = settleConfigs(process.env[CONFIGS_ENV] ?? (ctx.quick ? QUICK_CANDIDATES : CANDIDATES), defaults);
  const baseline = configs.find((c) => c.quietMs === 0);
  const disks = settleDisks();
  const sizes = ctx.quick ? SIZES.filter((n) => n === 1 || n === 300) : SIZES;
  progress(`  settle: configurations (W/Q ms) ${configs.map(configName).join(", ")}; disks ${disks.map((d) => `${d.label} (${d.path})`).join(", ")}`);

  const units: Unit[] = [];
  try {
    // One build per configuration and disk. The default configuration is built with neither
    // variable set, so that the defaults in buildpack.toml are what is measured.
    for (const disk of disks) {
      for (const config of configs) {
        const env = config.isDefault ? {} : { [DEBOUNCE]: `${config.windowMs}ms`, [QUIET_PERIOD]: `${config.quietMs}ms` };
        const { build, result } = await pythonBuild(ctx, env, disk.path);
        const web = result.processes.find((p) => p.type === "web")?.command ?? [];
        const settle = web.indexOf("reloadable-settle");
        if (!web.includes(`--debounce=${config.windowMs}ms`) || settle < 0 || web[settle + 1] !== String(config.quietMs)) {
          await dropBuild(ctx, build);
          throw new Error(`${configName(config)} did not reach the web command: ${web.join(" ")}`);
        }
        units.push({ disk, config, build, first: [], cells: new Map() });
      }
    }
    progress(`  settle: ${units.length} builds ready`);

    // The floor (web-no-reload: the launcher and python3, no watchexec) once per disk and round,
    // and each build's first start through watchexec, in turns; round 0 is a warm-up.
    const rounds = ctx.quick ? START_ROUNDS.quick : START_ROUNDS.full;
    for (let round = 0; round <= rounds; round++) {
      for (const disk of rotated(disks, round)) {
        const ofDisk = units.filter((u) => u.disk === disk);
        const floor = await timedLaunch(ofDisk[0]!.build, "web-no-reload");
        if (round > 0) disk.floor.push(floor);
        for (const unit of rotated(ofDisk, round)) {
          const first = await timedLaunch(unit.build, "web");
          if (round > 0) unit.first.push(first);
        }
      }
    }
    for (const disk of disks) progress(`  settle: ${disk.label}: cold start (floor) median ${fmtMs(median(disk.floor))}`);

    // All apps run from here on; only the one being measured scans /proc.
    for (const unit of units) {
      unit.app = await launchLive(ctx, unit.build);
      unit.app.pause();
    }
    const largest = Math.max(...sizes);
    const measure = async (unit: Unit, files: number, message: string, speed?: Speed) => {
      const app = unit.app!;
      app.resume();
      try {
        return await measureSync(app, unit.build, {
          files: syncOf(files, message),
          message,
          bytesPerSecond: speed?.bytesPerSecond,
          windowMs: unit.config.windowMs + unit.config.quietMs,
          afterResponseMs: 200,
        });
      } finally {
        app.pause();
      }
    };
    // One untimed sync each that creates the files later syncs overwrite.
    for (const [i, unit] of units.entries()) await measure(unit, largest, `settle warm-up ${i}`);

    let turn = 0;
    for (const speed of SPEEDS) {
      for (const files of sizes) {
        const runs = ctx.quick ? 1 : cellRuns(speed, files, false);
        for (let run = 0; run < runs; run++) {
          for (const unit of rotated(units, turn++)) {
            const message = `settle ${unit.disk.label} ${unit.config.windowMs}/${unit.config.quietMs} ${speed.label} ${files} #${run}`;
            const sample = await measure(unit, files, message, speed);
            const key = cellKey(speed, files);
            unit.cells.set(key, [...(unit.cells.get(key) ?? []), sample]);
          }
        }
        for (const unit of units) {
          const s = unit.cells.get(cellKey(speed, files))!;
          progress(
            `  settle: ${speed.label} x ${files}: ${unit.disk.label} ${configName(unit.config)}: sync ${fmtMs(median(s.map((x) => x.syncMs)))}, ` +
              `app starts ${s.map((x) => x.reloads).join("/")}, waiters ${s.map((x) => x.spawns).join("/")}, latency ${fmtMs(median(s.map((x) => x.latency)))}`,
          );
        }
      }
    }
    for (const unit of units) await unit.app!.stop();
  } catch (error) {
    for (const unit of units) unit.app?.proc.kill();
    throw error;
  } finally {
    for (const unit of units) await dropBuild(ctx, unit.build);
  }

  return report(ctx, units, disks, sizes, baseline);
}

function report(ctx: BenchContext, units: Unit[], disks: Disk[], sizes: readonly number[], baseline: Config | undefined): Row[] {
  const cells = SPEEDS.flatMap((speed) => sizes.map((files) => ({ speed, files, key: cellKey(speed, files) })));
  const cellHeader = cells.map((c) => `${c.speed.label} ${c.files}`);
  const floorOf = (disk: Disk) => median(disk.floor);
  const samples = (unit: Unit, key: string) => unit.cells.get(key) ?? [];
  const matrix = (title: string, value: (s: readonly SyncSample[]) => string, notes: string[]): void => {
    const grid: Grid = {
      header: ["disk", "W/Q ms", ...cellHeader],
      right: new Set(cellHeader.map((_, i) => i + 2)),
      rows: units.map((u) => [u.disk.label, configName(u.config), ...cells.map((c) => value(samples(u, c.key)))]),
    };
    ctx.report({ title, grid, notes });
  };

  const late = units.reduce((a, u) => a + u.app!.late, 0);
  matrix("settle: app starts per sync (`[reloadable] restart:` lines; all samples equal, else median (min-max))", (s) => countCell(s.map((x) => x.reloads)), [
    "An app start is an exec of the app by reloadable-settle, which prints `[reloadable] restart: N changes: ...` right before it; an app killed before it printed " +
      "\"app started\" is counted too. W = BP_LIVE_RELOAD_DEBOUNCE (watchexec's window), Q = BP_LIVE_RELOAD_QUIET_PERIOD " +
      "(the waiter waits Q plus a quarter of the sync so far, at most 500 ms more; 0: the app starts at every window, the old behaviour).",
    `Counted from the sync until max(new response + 200 ms, end of sync + W + Q + ${RESTART_MARGIN_MS} ms) and ${QUIET_MS} ms with no new process or line; ${late} came later and were added to their sync.`,
  ]);
  matrix("settle: \"app started\" lines per sync", (s) => countCell(s.map((x) => x.starts)), ["Printed by the app once it listens: app starts minus the apps killed while starting."]);
  matrix("settle: waiters per sync (processes watchexec started: one per window)", (s) => countCell(s.map((x) => x.spawns)), [
    "New children of watchexec in /proc, scanned every 1 ms while that app is measured: one per watchexec window (the waiter, or with Q=0 the app at once).",
  ]);
  const timing = (pick: (x: SyncSample) => number | undefined) => (s: readonly SyncSample[]) => {
    const values = s.map(pick).filter((v): v is number => v !== undefined);
    return values.length === 0 ? "-" : `${fmtMs(median(values))} (${fmtMs(percentile(values, 90))})`;
  };
  matrix("settle: end of sync -> new response, median (p90)", timing((x) => x.latency), [
    "End of sync: tar's exit as the 1 ms /proc scan saw it (else when build.sync resolved); new response: the first HTTP answer with the new message.txt (the LAST file of the tar), probed every 2 ms.",
    `Floor (cold start, web-no-reload, median): ${disks.map((d) => `${d.label} ${fmtMs(floorOf(d))}`).join(", ")}.`,
  ]);
  matrix("settle: end of sync -> exec of the app that answered (latency minus that app's own start), median (p90)", timing((x) => x.toExec), [
    "Exec: when this process read the `[reloadable] restart:` line that reloadable-settle prints right before it execs the app (a few ms late under load). " +
      "The rest of the latency, exec -> new response, is that app's own start under the load of that moment: this column is what the reload adds to it " +
      "(watchexec's window, the quiet period, stopping the old process).",
  ]);
  matrix("settle: changes the line names, median (min) of the files synced", (s) => {
    const values = s.map((x) => x.changes).filter((v): v is number => v !== undefined);
    return values.length === 0 ? "-" : `${fmtCount(median(values))} (${Math.min(...values)})`;
  }, [
    "The N of the `[reloadable] restart: N changes` line that started the app. Each waiter records the paths of its window; watchexec 2.5.1 sets a window's events (its spawn hook) " +
      "before the restart of the previous window is queued, so when windows come faster than it restarts, a waiter gets the next window's events and one window's paths are never recorded: N is then short.",
  ]);
  const syncGrid: Grid = {
    header: ["disk", ...cellHeader],
    right: new Set(cellHeader.map((_, i) => i + 1)),
    rows: disks.map((d) => [d.label, ...cells.map((c) => fmtMs(median(units.filter((u) => u.disk === d).flatMap((u) => samples(u, c.key).map((x) => x.syncMs)))))]),
  };
  const syncCount = units.reduce((a, u) => a + [...u.cells.values()].reduce((b, s) => b + s.length, 0), 0);
  const seen = units.reduce((a, u) => a + [...u.cells.values()].reduce((b, s) => b + s.filter((x) => x.tarSeen).length, 0), 0);
  ctx.report({
    title: "settle: sync durations (tar -x, build.sync's clock, median over all configurations)",
    grid: syncGrid,
    notes: [
      `Python fixture app on the real lifecycle, launcher and watchexec; each sync is ONE tar of ${ASSET_BYTES}-byte assets (static/asset-N.txt, overwritten) with message.txt last, ` +
        "extracted by `tar -x` as the app user; MB = 10^6 bytes, paced by the harness's RateLimit (slices every 20 ms).",
      `All ${units.length} builds run at once; each sync goes to one app while the others idle, in turns (the order rotates each round), so load hits all alike. ` +
        `tar's exit seen for ${seen} of ${syncCount} syncs.`,
      `Disks: ${disks.map((d) => `${d.label} at ${d.path}`).join(", ")} (${DISK_TMPDIR_ENV} picks the disk dir). Re-run: npm run bench -- --only settle; ${CONFIGS_ENV}=W/Q,W/Q,... picks the configurations.`,
    ],
  });
  const startGrid: Grid = {
    header: ["disk", "W/Q ms", "floor", "p90", "first start", "p90", "first - floor", "n"],
    right: new Set([2, 3, 4, 5, 6, 7]),
    rows: units.map((u) => [
      u.disk.label,
      configName(u.config),
      fmtMs(floorOf(u.disk)),
      fmtMs(percentile(u.disk.floor, 90)),
      fmtMs(median(u.first)),
      fmtMs(percentile(u.first, 90)),
      fmtMs(median(u.first) - floorOf(u.disk)),
      String(u.first.length),
    ]),
  };
  ctx.report({
    title: "settle: cold start (floor) and first start",
    grid: startGrid,
    notes: [
      "floor: web-no-reload (the launcher and python3 server.py, no watchexec), spawn -> first HTTP answer. first start: web (launcher, watchexec, reloadable-settle, python3) the same way. " +
        "Per round: each disk's floor, then each of its builds' first start; the order rotates; one warm-up round.",
    ],
  });

  // The targets, for the default configuration.
  const rows: Row[] = [];
  const defaults = units.filter((u) => u.config.isDefault);
  const name = configName(defaults[0]!.config);
  const all = defaults.flatMap((u) => [...u.cells.values()].flat());
  rows.push(
    { section: "settle", metric: `${name}: app starts per sync, every size, speed and disk ([reloadable] restart: lines)`, unit: "count", samples: all.map((s) => s.reloads), target: { limit: 1, text: "exactly 1", exact: true } },
    { section: "settle", metric: `${name}: "app started" per sync, every size, speed and disk`, unit: "count", samples: all.map((s) => s.starts), target: { limit: 1, text: "exactly 1", exact: true } },
  );
  for (const unit of defaults) {
    const floor = floorOf(unit.disk);
    const one = samples(unit, cellKey(SPEEDS[0]!, 1));
    rows.push(
      { section: "settle", metric: `${unit.disk.label}: floor (cold start, web-no-reload)`, unit: "ms", samples: unit.disk.floor },
      { section: "settle", metric: `${unit.disk.label} ${name}: local 1 file, end of sync -> new response`, unit: "ms", samples: one.map((s) => s.latency) },
      { section: "settle", metric: `${unit.disk.label} ${name}: local 1 file, above the floor (latency - floor median)`, unit: "ms", samples: one.map((s) => s.latency - floor) },
      {
        section: "settle",
        metric: `${unit.disk.label} ${name}: local 1 file, above that reload's own app start (end of sync -> exec)`,
        unit: "ms",
        samples: one.flatMap((s) => (s.toExec === undefined ? [] : [s.toExec])),
        target: { limit: ABOVE_FLOOR_LIMIT_MS, text: `<= ${ABOVE_FLOOR_LIMIT_MS} ms` },
      },
      { section: "settle", metric: `${unit.disk.label} ${name}: first start (web)`, unit: "ms", samples: unit.first },
    );
    const old = baseline === undefined ? undefined : units.find((u) => u.disk === unit.disk && u.config === baseline);
    if (old !== undefined && old !== unit) {
      rows.push({
        section: "settle",
        metric: `${unit.disk.label}: first start, ${name} minus ${configName(old.config)} (medians)`,
        unit: "ms",
        samples: [median(unit.first) - median(old.first)],
        target: { limit: FIRST_START_LIMIT_MS, text: `<= ${FIRST_START_LIMIT_MS} ms` },
      });
    }
  }
  return rows;
}
