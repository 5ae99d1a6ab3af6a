// The containers section (issue 10): the examples as users run them, through the container
// test tier's harness (integration/container/harness): `pack build` with the local builder,
// `docker run --network host`, then each client's sync: docker cp, Tilt's live_update (one tar
// through docker exec, then the trigger step) and Docker Compose Watch. Per app and client: end
// of sync -> first new response, and app starts per sync; per app: `docker stop` time, a cold
// `pack build` (new image, no cache volume) and a warm rebuild (same image and cache).
// A client whose sync fails is reported with its error, not measured.
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ComposeWatch, composePackCommand, composeWatch, type Container, dockerOk, editAndCompile, packBuild, type PackBuildConfig, STACK } from "../../integration/container/harness/index.ts";
import { repoRoot } from "../../integration/harness/paths.ts";
import { readTiltfile } from "../../integration/harness/tiltfile.ts";
import { progress, type BenchContext } from "./context.ts";
import { sleep } from "./live.ts";
import { fmtCount, fmtMs, median, percentile, type Row } from "./report.ts";

/** One example: where it is, how it shows a start, and how an edit is made and synced. */
interface App {
  name: string;
  /** A line the app prints once per start (a DevTools restart in the JVM included). */
  started: RegExp;
  /** Time to count starts after the new response. */
  settleMs: number;
  /** The file a JAR build gives pack (--path), relative to the checkout; else the checkout. */
  jar?: string;
  /** App starts per sync: 1, but 0 for a JVM app's method-body edit (hot swap, the default). */
  startsPerSync?: number;
  /** Writes `text` as the new answer; returns the changed files (relative) and docker cp's source and target. */
  edit(work: string, text: string): { changed: string[]; cp: [string, string] };
}

const APPS: App[] = [
  {
    name: "python-web",
    started: /python-web listening on/g,
    settleMs: 800,
    edit: (work, text) => {
      writeFileSync(join(work, "message.txt"), `${text}\n`);
      return { changed: ["message.txt"], cp: [join(work, "message.txt"), "/workspace/message.txt"] };
    },
  },
  {
    name: "node-web",
    started: /node-web listening on/g,
    settleMs: 800,
    edit: (work, text) => {
      writeFileSync(join(work, "greeting.txt"), `${text}\n`);
      return { changed: ["greeting.txt"], cp: [join(work, "greeting.txt"), "/workspace/greeting.txt"] };
    },
  },
  {
    name: "java-spring-boot",
    started: /Started Application in/g,
    settleMs: 2_000,
    jar: "target/java-spring-boot-0.0.1-SNAPSHOT.jar",
    startsPerSync: 0,
    edit: (work, text) => {
      const changed = editAndCompile(work, text);
      const classes = join(work, "target", "classes");
      return { changed, cp: [`${classes}/.`, "/workspace/BOOT-INF/classes/"] };
    },
  },
];

/** RELOADABLE_BENCH_APPS=java-spring-boot,...: only these apps (all when unset). */
export const APPS_ENV = "RELOADABLE_BENCH_APPS";

function chosenApps(): App[] {
  const names = (process.env[APPS_ENV] ?? "").split(",").map((n) => n.trim()).filter((n) => n !== "");
  if (names.length === 0) return APPS;
  const unknown = names.filter((n) => !APPS.some((a) => a.name === n));
  if (unknown.length > 0) throw new Error(`${APPS_ENV}=${process.env[APPS_ENV]}: no app named ${unknown.join(", ")}; the apps are ${APPS.map((a) => a.name).join(", ")}`);
  return APPS.filter((a) => names.includes(a.name));
}

interface Measured {
  latency: number[];
  starts: number[];
}

/** Starts after a sync: waits `settleMs`, then counts the start lines since `before`. */
async function startsSince(output: () => string, pattern: RegExp, before: number, settleMs: number): Promise<number> {
  await sleep(settleMs);
  return [...output().matchAll(pattern)].length - before;
}

const count = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].length;

/** `syncs` edits through `sync` (which returns when the client is done); latency from then. */
async function measure(app: App, work: string, syncs: number, output: () => string, sync: (edit: ReturnType<App["edit"]>, n: number) => Promise<void>, waitBody: (accept: (b: string) => boolean) => Promise<unknown>): Promise<Measured> {
  const result: Measured = { latency: [], starts: [] };
  for (let i = 0; i < syncs; i++) {
    const text = `bench ${app.name} ${Date.now()}`;
    const edit = app.edit(work, text);
    const before = count(output(), app.started);
    await sync(edit, i + 1);
    const ended = performance.now();
    await waitBody((b) => b.trim() === text);
    result.latency.push(performance.now() - ended);
    result.starts.push(await startsSince(output, app.started, before, app.settleMs));
  }
  return result;
}

function checkout(app: App): string {
  const dir = mkdtempSync(join(tmpdir(), "reloadable-bench-ct-"));
  chmodSync(dir, 0o755);
  cpSync(join(repoRoot, "examples", app.name), dir, { recursive: true, filter: (src) => !src.includes("/target") });
  if (app.jar !== undefined) execFileSync("mvn", ["-q", "-B", "package", "-DskipTests"], { cwd: dir, stdio: "pipe" });
  return dir;
}

export async function containersSection(ctx: BenchContext): Promise<Row[]> {
  execFileSync(join(repoRoot, "scripts", "container", "setup"), { stdio: ["ignore", "inherit", "inherit"] });
  const plan = ctx.quick ? { syncs: 2, cold: 1, warm: 1 } : { syncs: 6, cold: 3, warm: 3 };
  const rows: Row[] = [];
  const grid: string[][] = [];
  const notes: string[] = [];
  const addSyncRows = (app: App, client: string, what: string, m: Measured) => {
    rows.push({ section: "containers", metric: `${app.name}, ${client}: ${what} -> new response`, unit: "ms", samples: m.latency });
    const starts = app.startsPerSync ?? 1;
    rows.push({ section: "containers", metric: `${app.name}, ${client}: app starts per sync`, unit: "count", samples: m.starts, target: { limit: starts, text: `= ${starts}`, exact: true } });
    grid.push([app.name, client, fmtMs(median(m.latency)), fmtMs(percentile(m.latency, 90)), `${fmtCount(median(m.starts))} (max ${Math.max(...m.starts)})`, String(m.latency.length)]);
  };
  const failed = (app: App, client: string, error: unknown) => {
    const message = (error instanceof Error ? error.message : String(error)).split("\n").slice(0, 3).join(" / ");
    grid.push([app.name, client, "failed", "-", "-", "0"]);
    notes.push(`${app.name}, ${client}: ${message}`);
    progress(`containers: ${app.name}, ${client} failed: ${message}`);
  };

  for (const app of chosenApps()) {
    const work = checkout(app);
    try {
      const appPath = app.jar !== undefined ? join(work, app.jar) : work;
      const tiltfile = readTiltfile(join(work, "Tiltfile"));
      const config = (name: string, env: Record<string, string>): PackBuildConfig => ({ app: appPath, name: `${app.name}-${name}`, env });

      // Cold builds (a new image name: no previous image, no cache volume), each then rebuilt warm.
      const cold: number[] = [];
      const warm: number[] = [];
      for (let i = 0; i < plan.cold; i++) {
        progress(`containers: ${app.name}, cold pack build ${i + 1}/${plan.cold}`);
        await packBuild(config(`cold${i}`, { BP_LIVE_RELOAD_ENABLED: "true" }), async (built) => {
          cold.push(built.packResult.ms);
          for (let j = 0; j < plan.warm; j++) warm.push((await built.rebuild()).ms);
        });
      }
      rows.push({ section: "containers", metric: `${app.name}: cold pack build`, unit: "ms", samples: cold });
      rows.push({ section: "containers", metric: `${app.name}: warm pack rebuild`, unit: "ms", samples: warm });

      // docker cp, and docker stop, on the default (app-dir mode) image.
      await packBuild(config("default", { BP_LIVE_RELOAD_ENABLED: "true" }), async (built) => {
        const stops: number[] = [];
        await built.startContainer({}, async (container: Container) => {
          await container.waitForBody(undefined, 90_000);
          progress(`containers: ${app.name}, docker cp x${plan.syncs}`);
          try {
            addSyncRows(app, "docker cp", "end of docker cp", await measure(app, work, plan.syncs, () => container.logs, async (edit) => void (await container.dockerCp(...edit.cp)), (accept) => container.waitForBody(accept, 60_000)));
          } catch (error) {
            failed(app, "docker cp", error);
          }
          stops.push((await container.stop(30)).ms);
        });
        for (let i = 1; i < plan.cold; i++) {
          await built.startContainer({}, async (container) => {
            await container.waitForBody(undefined, 90_000);
            stops.push((await container.stop(30)).ms);
          });
        }
        rows.push({ section: "containers", metric: `${app.name}: docker stop -t 30`, unit: "ms", samples: stops });
      });

      // Tilt: the Tiltfile's build (trigger mode), its live_update replayed.
      await packBuild(config("tilt", tiltfile.env), async (built) => {
        await built.startContainer({}, async (container) => {
          await container.waitForBody(undefined, 90_000);
          progress(`containers: ${app.name}, Tilt x${plan.syncs}`);
          try {
            addSyncRows(app, "Tilt", "trigger written", await measure(app, work, plan.syncs, () => container.logs, async (edit) => void (await container.tiltSync(tiltfile, { root: work, changed: edit.changed })), (accept) => container.waitForBody(accept, 60_000)));
          } catch (error) {
            failed(app, "Tilt", error);
          }
        });
      });

      // Docker Compose Watch with the example's compose.yaml (the image it names, built first).
      await packBuild(config("compose", composePackCommand(join(work, "compose.yaml")).env), async (built) => {
        progress(`containers: ${app.name}, Compose Watch x${plan.syncs}`);
        try {
          await composeWatch({ dir: work, env: { IMAGE: built.image } }, async (watch: ComposeWatch) => {
            await watch.waitForBody(undefined, 90_000);
            // Compose notices the edit itself: the clock starts when the edit is saved (Java: compiled).
            const m = await measure(app, work, plan.syncs, () => watch.app.log, async () => {}, (accept) => watch.waitForBody(accept, 60_000));
            await watch.waitForSyncs(plan.syncs);
            if (watch.syncErrors.length > 0) throw new Error(watch.syncErrors.join(" / "));
            // `mvn compile` reaches Compose as two syncs (Maven deletes the stale classes, then
            // writes the new ones), each ending with the trigger: starts are per Compose sync.
            const composeSyncs = count(watch.watch.log, /Syncing service "[^"]+" after \d+ changes were detected/g);
            if (composeSyncs > plan.syncs) notes.push(`${app.name}, Compose Watch: ${composeSyncs} Compose syncs for ${plan.syncs} edits (app starts counted per Compose sync)`);
            addSyncRows(app, "Compose Watch", "edit saved", { ...m, starts: m.starts.map((n) => (n * plan.syncs) / composeSyncs) });
          });
        } catch (error) {
          failed(app, "Compose Watch", error);
        }
      });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  // Issue 13: the tiny run image (no sh, tar, rm or date of its own): Tilt's live update through
  // the sync tools' process types (busybox's), and what busybox adds to the image.
  const node = APPS.find((a) => a.name === "node-web")!;
  const work = checkout(node);
  try {
    const tiltfile = readTiltfile(join(work, "Tiltfile"));
    const sizes: Record<string, number> = {};
    for (const tools of ["true", "false"]) {
      await packBuild({ app: work, name: `node-web-tiny-tools-${tools}`, env: { ...tiltfile.env, BP_LIVE_RELOAD_SYNC_TOOLS: tools }, runImage: STACK.tiny }, async (built) => {
        sizes[tools] = Number(await dockerOk(["image", "inspect", "-f", "{{.Size}}", built.image]));
        if (tools !== "true") return;
        await built.startContainer({}, async (container) => {
          await container.waitForBody(undefined, 90_000);
          progress(`containers: node-web on the tiny run image, Tilt x${plan.syncs}`);
          try {
            addSyncRows({ ...node, name: "node-web (tiny run image)" }, "Tilt", "trigger written", await measure(node, work, plan.syncs, () => container.logs, async (edit) => void (await container.tiltSync(tiltfile, { root: work, changed: edit.changed })), (accept) => container.waitForBody(accept, 60_000)));
          } catch (error) {
            failed({ ...node, name: "node-web (tiny run image)" }, "Tilt", error);
          }
        });
      });
    }
    rows.push({ section: "containers", metric: "node-web on the tiny run image: image size, BP_LIVE_RELOAD_SYNC_TOOLS=true", unit: "bytes", samples: [sizes.true!] });
    rows.push({ section: "containers", metric: "node-web on the tiny run image: image size, BP_LIVE_RELOAD_SYNC_TOOLS=false", unit: "bytes", samples: [sizes.false!] });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  ctx.report({
    title: "Containers: end of sync -> new response, and app starts per sync (pack build, docker run --network host)",
    grid: { header: ["app", "client", "median", "p90", "starts/sync", "n"], rows: grid, right: new Set([2, 3, 5]) },
    notes: [
      "docker cp: from the client's exit; Tilt: from the end of the run() step that writes the trigger (after the tar); Compose Watch: from the edit saved (Java: mvn -o compile ended), Compose's own wait and sync included.",
      "starts/sync: app start lines (Spring Boot: 'Started Application', DevTools restarts included) after the new response settled.",
      ...notes,
    ],
  });
  return rows;
}
