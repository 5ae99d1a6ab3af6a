// examples/node-web as users run it: `pack build` with the local builder (a stand-in node
// provider, Paketo watchexec and node-start, then Reloadable), `docker run --network host`, then
// synced by docker cp, Tilt's live_update and Docker Compose Watch, and stopped by docker stop.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../harness/paths.ts";
import { readTiltfile } from "../harness/tiltfile.ts";
import { composePackCommand, composeWatch, type Container, imageProcesses, watchexecCount, expectOneReload } from "./harness/index.ts";
import { useCheckouts, usePackBuild } from "./harness/hooks.ts";

const example = join(repoRoot, "examples", "node-web");
const original = readFileSync(join(example, "greeting.txt"), "utf8").trim();
const STARTED = /node-web listening on/;
const NODE_APP = { started: STARTED, process: /^node server\.js$/ };
const settle = (ms = 1_000) => new Promise((r) => setTimeout(r, ms));
const checkout = useCheckouts(example);

async function appProcesses(container: Container): Promise<string[]> {
  return (await container.processes()).map((p) => p.args).filter((args) => /^node server\.js$/.test(args));
}


describe("docker cp into a running container (app-dir mode)", () => {
  const build = usePackBuild({ app: example, name: "node-web", env: { BP_LIVE_RELOAD_ENABLED: "true" } });

  it("builds with Paketo node-start, then Reloadable: web reloads under one watcher, no-reload never", async () => {
    expect(build.ctx.packLog).toContain("Paketo Buildpack for Node Start");
    expect(build.ctx.packLog).toContain("Reloadable Buildpack for watchexec");
    const { types, defaultProcess } = await imageProcesses(build.ctx.image);
    expect(defaultProcess).toBe("web");
    expect(watchexecCount(types.web ?? ""), types.web).toBe(1);
    for (const [type, command] of Object.entries(types).filter(([t]) => t.endsWith("no-reload"))) {
      expect(command, `${type} must not reload`).not.toMatch(/watchexec/);
    }
  });

  it("each docker cp reloads the app once and the new greeting is served", async () => {
    await build.ctx.startContainer({}, async (app) => {
      expect((await app.waitForBody()).body.trim()).toBe(original);
      await app.waitForLog(STARTED); // docker logs may lag the answer
      const work = checkout();
      for (const greeting of ["after a first docker cp", "after a second docker cp"]) {
        writeFileSync(join(work, "greeting.txt"), `${greeting}\n`);
        const starts = app.count(STARTED);
        await app.dockerCp(join(work, "greeting.txt"), "/workspace/greeting.txt");
        const ms = await expectOneReload(app, NODE_APP, starts, greeting);
        console.log(`node-web, docker cp: end of sync -> new response ${ms.toFixed(0)} ms`);
      }
    });
  });

  it("docker stop: SIGTERM reaches the app, which exits well within the stop timeout", async () => {
    await build.ctx.startContainer({}, async (app) => {
      await app.waitForBody();
      const stopped = await app.stop(15);
      expect(stopped.logs).toMatch(/node-web \(pid \d+\): SIGTERM, stopping/);
      expect(stopped.exitCode, stopped.logs).not.toBe(137);
      expect(stopped.ms).toBeLessThan(5_000);
      console.log(`node-web, docker stop -t 15: ${stopped.ms.toFixed(0)} ms, exit ${stopped.exitCode}`);
    });
  });
});

describe("Tilt's live_update, replayed from examples/node-web/Tiltfile", () => {
  const tiltfile = readTiltfile(join(example, "Tiltfile"));
  const build = usePackBuild({ app: example, name: "node-web-tilt", env: tiltfile.env });

  it("one tar into / as the run user, then the trigger step: both exit 0, one reload per sync", async () => {
    await build.ctx.startContainer({}, async (app) => {
      await app.waitForBody();
      await app.waitForLog(STARTED);
      const work = checkout();
      for (const greeting of ["after a first Tilt sync", "after a second Tilt sync"]) {
        writeFileSync(join(work, "greeting.txt"), `${greeting}\n`);
        const starts = app.count(STARTED);
        await app.tiltSync(tiltfile, { root: work, changed: ["greeting.txt"] });
        const ms = await expectOneReload(app, NODE_APP, starts, greeting);
        console.log(`node-web, Tilt: trigger written -> new response ${ms.toFixed(0)} ms`);
      }
    });
  });
});

describe("Docker Compose Watch with examples/node-web/compose.yaml (sync+exec writes the trigger)", () => {
  const compose = composePackCommand(join(example, "compose.yaml"));
  const build = usePackBuild({ app: example, name: "node-web-compose", env: compose.env });

  it("docker compose watch syncs each edit and writes the trigger: no error, one reload per sync", async () => {
    expect(compose.env).toMatchObject({ BP_LIVE_RELOAD_TRIGGER: "true" });
    const work = checkout();
    await composeWatch({ dir: work, env: { IMAGE: build.ctx.image } }, async (watch) => {
      await watch.waitForBody((b) => b.trim() === original);
      await watch.app.waitFor(STARTED); // docker logs may lag the answer
      for (const [i, greeting] of ["after a first compose sync", "after a second compose sync"].entries()) {
        const starts = watch.app.count(STARTED);
        writeFileSync(join(work, "greeting.txt"), `${greeting}\n`);
        await watch.waitForSyncs(i + 1);
        const { ms } = await watch.waitForBody((b) => b.trim() === greeting);
        await watch.app.waitFor(STARTED, { times: starts + 1 });
        await settle();
        expect(watch.syncErrors, watch.watch.log).toEqual([]);
        expect(watch.app.count(STARTED), watch.app.log).toBe(starts + 1);
        expect(await watch.nestedWatchers()).toEqual([]);
        console.log(`node-web, Compose Watch (sync+exec): file written -> new response ${ms.toFixed(0)} ms`);
      }
      expect(watch.watch.exitStatus, watch.watch.log).toBeUndefined();
    });
  });
});
