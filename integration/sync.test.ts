// Issue 6: one restart per sync. Trigger mode replays the example Tiltfile exactly as Tilt
// runs it (read from the file, not copied), on the real lifecycle, launcher and watchexec.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  assertBuilt,
  fixtureBuildpack,
  freePort,
  readTiltfile,
  reloadable,
  replayLiveUpdate,
  repoRoot,
  scratchRoot,
  waitForBody,
  withBuild,
} from "./harness/index.ts";
import { useLocalWatchexec } from "./harness/hooks.ts";
import { fixturesDir } from "./harness/paths.ts";

const STARTED = /listening on/;
const settle = (ms = 600) => new Promise((r) => setTimeout(r, ms));

const local = useLocalWatchexec();

/** A local checkout of the example to edit, as a developer running Tilt has. */
function workingCopy(example: string): string {
  const dir = mkdtempSync(join(scratchRoot(), "reloadable-checkout-"));
  cpSync(example, dir, { recursive: true });
  return dir;
}

// Every example whose Tiltfile syncs into an app that a Procfile runs (the Java example's is
// replayed in java.test.ts).
const examples = [
  { name: "node-web", file: "greeting.txt", greeting: "Hello from a reloadable process" },
  { name: "python-web", file: "message.txt", greeting: readFileSync(join(repoRoot, "examples", "python-web", "message.txt"), "utf8").trim() },
];

describe.each(examples)("trigger mode, replaying examples/$name/Tiltfile", ({ name, file, greeting }) => {
  const example = join(repoRoot, "examples", name);
  const tiltfile = readTiltfile(join(example, "Tiltfile"));

  it("the Tiltfile builds with the trigger and ends live_update with the trigger step", () => {
    expect(tiltfile.env).toMatchObject({ BP_LIVE_RELOAD_ENABLED: "true", BP_LIVE_RELOAD_TRIGGER: "true" });
    expect(tiltfile.liveUpdate.filter((s) => s.kind !== "fall_back_on").map((s) => s.kind)).toEqual(["sync", "run"]);
    expect(tiltfile.liveUpdate.at(-1)).toEqual({ kind: "run", command: "reloadable-trigger" });
  });

  it("a slow sync of 300 files restarts the app exactly once, after the trigger", async () => {
    const checkout = workingCopy(example);
    try {
      await withBuild({ app: example, env: tiltfile.env, order: [reloadable({ descriptor: local.descriptor })] }, async (build) => {
        const result = await build.build();
        assertBuilt(result);
        expect(result.log).toContain("Trigger mode: reloads when a sync ends by writing a file in");
        const port = await freePort();
        const url = `http://127.0.0.1:${port}/`;
        const app = await build.launch("web", { PORT: String(port) });
        await waitForBody(url);

        const changed = [file];
        writeFileSync(join(checkout, file), "Hello after a slow sync\n");
        for (let i = 0; i < 300; i++) {
          writeFileSync(join(checkout, `asset-${i}.txt`), `asset ${i}\n`);
          changed.push(`asset-${i}.txt`);
        }
        // ~310 KB of tar at 120 KB/s: a 2.6 s sync, as to a remote cluster.
        const replay = await replayLiveUpdate(build, tiltfile, { root: checkout, changed, bytesPerSecond: 120_000 });
        expect(replay.syncMs).toBeGreaterThanOrEqual(2_000);
        const reloaded = await waitForBody(url, (b) => b.trim() === "Hello after a slow sync");
        await settle();
        expect(app.count(STARTED)).toBe(2);
        // waitForBody starts right after the run() step returned: its time is trigger -> response.
        console.log(`trigger mode: ${replay.syncMs} ms sync of 301 files; trigger written -> new response ${reloaded.ms.toFixed(0)} ms`);
        await app.stop();
      });
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  });

  it("writes into the app dir (logs, state, a plain sync with no trigger) restart nothing", async () => {
    await withBuild({ app: example, env: tiltfile.env, order: [reloadable({ descriptor: local.descriptor })] }, async (build) => {
      assertBuilt(await build.build());
      const port = await freePort();
      const url = `http://127.0.0.1:${port}/`;
      const app = await build.launch("web", { PORT: String(port) });
      await waitForBody(url);
      // What an app writes into its own dir while it runs, as the app's user.
      const wrote = await build.runAsAppUser("sh", ["-c", "for i in 1 2 3; do echo line $i >> app.log; date > state.json; mkdir -p cache; date > cache/entry; done"]);
      expect(wrote.code).toBe(0);
      await build.sync({ [file]: "synced without a trigger\n" });
      await settle(800);
      expect(app.count(STARTED)).toBe(1);
      expect((await waitForBody(url)).body.trim()).toBe(greeting);
      await app.stop();
    });
  });
});

describe("polling", () => {
  it("BP_LIVE_RELOAD_POLL still sees content changes (polling reports them as metadata)", async () => {
    await withBuild(
      { app: join(fixturesDir, "apps", "python-web"), env: { BP_LIVE_RELOAD_ENABLED: "true", BP_LIVE_RELOAD_POLL: "250ms" }, order: [fixtureBuildpack("python"), reloadable({ descriptor: local.descriptor })] },
      async (build) => {
        const result = await build.build();
        assertBuilt(result);
        const web = result.processes.find((p) => p.type === "web");
        expect(web?.command).toContain("--poll=250ms");
        expect(web?.command).not.toContain("--no-meta");
        const port = await freePort();
        const url = `http://127.0.0.1:${port}/`;
        const app = await build.launch("web", { PORT: String(port) });
        await waitForBody(url);
        // The poller needs its first scan as a baseline, and compares mtimes in whole seconds:
        // a change in the same second as the file's last one is only seen by size or later.
        await settle(1500);
        await build.sync({ "message.txt": "hello polled\n" });
        expect((await waitForBody(url, (b) => b === "hello polled", 10_000)).body).toBe("hello polled");
        await app.stop();
      },
    );
  });
});
