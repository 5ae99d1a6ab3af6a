// Issue 12: app-dir mode starts the app ONCE per sync, however long the sync, on the real
// lifecycle, launcher and watchexec, with the app dir on a real disk (not tmpfs: a disk's file
// creation is slower and burstier, which is where windows multiply). watchexec restarts
// reloadable-settle on each window; the waiter starts the app after a quiet period with no new
// window and prints one `[reloadable] restart:` line. Every timing-dependent assertion is a count.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertBuilt,
  CnbBuild,
  diskScratchRoot,
  type FileContent,
  fixtureBuildpack,
  fixturesDir,
  freePort,
  get,
  reloadable,
  type RunningProcess,
  waitForBody,
  watchedCommand,
} from "./harness/index.ts";
import { useLocalWatchexec } from "./harness/hooks.ts";

const local = useLocalWatchexec();

const RELOAD_LINE = /^\[reloadable\] restart: .*$/gm;
const STARTED = /^app started pid=/gm;
const STARTING = /^app starting pid=/gm;
/** Long enough for a stray window, waiter and app start to show after the last one expected. */
const AFTERMATH_MS = 1_500;
const ASSETS = 300;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** ~1 KB of text, as the bench's assets: a tar entry of 1.5 KiB. */
function asset(index: number, tag: string): string {
  return `/* asset ${index} ${tag} */\n${"main > section.card { margin: 0 auto; padding: 1rem 2rem; }\n".repeat(16)}`;
}

/** The Python fixture app plus static/asset-N.txt, so that syncs overwrite existing files. */
function appFiles(): Record<string, FileContent> {
  const dir = join(fixturesDir, "apps", "python-web");
  const files: Record<string, FileContent> = Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name))]));
  for (let i = 0; i < ASSETS; i++) files[`static/asset-${i}.txt`] = asset(i, "built");
  return files;
}

/** Every asset, then message.txt LAST: the app can only answer `message` after the whole sync. */
function bigSync(message: string): Record<string, FileContent> {
  const files: Record<string, FileContent> = {};
  for (let i = 0; i < ASSETS; i++) files[`static/asset-${i}.txt`] = asset(i, message);
  files["message.txt"] = `${message}\n`;
  return files;
}

const reloadLines = (app: RunningProcess) => app.log.match(RELOAD_LINE) ?? [];

/** One build of the Python app on the disk, with these settings; removed after the file. */
function diskBuild(env: Record<string, string>): () => CnbBuild {
  let build: CnbBuild | undefined;
  beforeAll(async () => {
    const disk = diskScratchRoot();
    build = await CnbBuild.create({
      app: appFiles(),
      env: { BP_LIVE_RELOAD_ENABLED: "true", ...env },
      order: [fixtureBuildpack("python"), reloadable({ descriptor: local.descriptor })],
      scratch: disk.path,
    });
    const result = await build.build();
    assertBuilt(result);
    expect(watchedCommand(result.processes.find((p) => p.type === "web")!)).toEqual(["python3", "server.py"]);
    console.log(`settle tests: build on ${disk.fileSystem} at ${build.root}`);
  });
  afterAll(async () => {
    await build?.cleanup();
  });
  return () => {
    if (build === undefined) throw new Error("read the build inside a test");
    return build;
  };
}

async function launch(build: CnbBuild, env: Record<string, string> = {}): Promise<{ app: RunningProcess; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const app = await build.launch("web", { PORT: String(port), ...env });
  await waitForBody(url);
  return { app, url };
}

describe("app-dir mode with the default quiet period, on a real disk", () => {
  const build = diskBuild({});

  it("the first start is not held back: no line, and the app answers", async () => {
    const { app } = await launch(build());
    expect(app.count(STARTED)).toBe(1);
    expect(reloadLines(app)).toEqual([]);
    // watchexec's own banners are off: the line below replaces them.
    expect(app.log).not.toContain("[Running:");
    await app.stop();
  });

  it("a slow sync (300 files at 1 MB/s) starts the app once, after the sync, with one line naming it", async () => {
    const { app, url } = await launch(build());
    const synced = await build().sync(bigSync("after a slow sync"), { bytesPerSecond: 1_000_000 });
    // ~450 KB of tar at 1 MB/s: many of watchexec's windows long.
    expect(synced.ms).toBeGreaterThanOrEqual(250);
    await waitForBody(url, (b) => b === "after a slow sync");
    await pause(AFTERMATH_MS);
    expect(app.count(STARTED)).toBe(2);
    const lines = reloadLines(app);
    expect(lines).toHaveLength(1);
    // message.txt is in the last window, which the waiter that starts the app always records;
    // the count is what the windows it outlived recorded (see README: a lower bound under load).
    const match = /^\[reloadable\] restart: (\d+) changes: message\.txt, static\/asset-\d+\.txt, static\/asset-\d+\.txt, \+(\d+) more$/.exec(lines[0]!);
    expect(match, lines[0]).not.toBeNull();
    const [changes, more] = [Number(match![1]), Number(match![2])];
    expect(changes).toBeLessThanOrEqual(ASSETS + 1);
    expect(more).toBe(changes - 3);
    await app.stop();
  });

  it("one line per reload names the change count and the first paths", async () => {
    const { app, url } = await launch(build());
    await build().sync({ "message.txt": "one file\n" });
    await waitForBody(url, (b) => b === "one file");
    await build().sync({ "message.txt": "four files\n", "static/a.css": "a {}\n", "static/b.css": "b {}\n", "z.txt": "z\n" });
    await waitForBody(url, (b) => b === "four files");
    await pause(AFTERMATH_MS);
    expect(reloadLines(app)).toEqual([
      "[reloadable] restart: 1 change: message.txt",
      "[reloadable] restart: 4 changes: message.txt, static/a.css, static/b.css, +1 more",
    ]);
    expect(app.count(STARTED)).toBe(3);
    await app.stop();
  });

  it("a change while the app is starting gives one more start, not a storm", async () => {
    // The app takes 1.5 s to listen, so the second sync lands while it starts.
    const { app, url } = await launch(build(), { APP_START_DELAY: "1.5" });
    await build().sync({ "message.txt": "first change\n" });
    await app.waitFor(STARTING, { times: 2 });
    expect(app.count(STARTED)).toBe(1);
    await build().sync({ "message.txt": "second change\n" });
    await waitForBody(url, (b) => b === "second change");
    await pause(AFTERMATH_MS + 1_500);
    // Starts: the first, the one killed while starting, the last. Only the first and the last listened.
    expect(reloadLines(app)).toEqual(["[reloadable] restart: 1 change: message.txt", "[reloadable] restart: 1 change: message.txt"]);
    expect(app.count(STARTING)).toBe(3);
    expect(app.count(STARTED)).toBe(2);
    expect(await get(url)).toBe("second change");
    await app.stop();
  });

  it.each(["logs/requests.log", "app.log"])("the app's own writes (%s, a line per request) restart nothing", async (log) => {
    const { app, url } = await launch(build(), { APP_LOG: log });
    for (let i = 0; i < 20; i++) expect(await get(url)).toBeDefined();
    await pause(AFTERMATH_MS);
    const written = readFileSync(join(build().appDir, log), "utf8").split("\n").filter((l) => l.startsWith("GET /"));
    expect(written.length).toBeGreaterThanOrEqual(20);
    expect(reloadLines(app)).toEqual([]);
    expect(app.count(STARTED)).toBe(1);
    await app.stop();
  });

  it("control: the app's writes to a file the ignores do not cover restart it (one request, one start)", async () => {
    const { app, url } = await launch(build(), { APP_LOG: "requests.txt" });
    expect(await get(url)).toBeDefined();
    // No request to the new app: it would write again, and restart again.
    await app.waitFor(STARTED, { times: 2 });
    await pause(AFTERMATH_MS);
    // The new app has had no request, so it wrote nothing: one start, no more.
    expect(reloadLines(app)).toEqual(["[reloadable] restart: 1 change: requests.txt"]);
    expect(app.count(STARTED)).toBe(2);
    await app.stop();
  });
});

describe("control: the quiet period off (BP_LIVE_RELOAD_QUIET_PERIOD=0), on a real disk", () => {
  const build = diskBuild({ BP_LIVE_RELOAD_QUIET_PERIOD: "0" });

  it("the same slow sync starts the app at each of watchexec's windows", async () => {
    const { app, url } = await launch(build());
    await build().sync(bigSync("after a slow sync"), { bytesPerSecond: 1_000_000 });
    await waitForBody(url, (b) => b === "after a slow sync");
    await pause(AFTERMATH_MS);
    expect(reloadLines(app).length).toBeGreaterThan(1);
    await app.stop();
  });
});
