// examples/python-web as users run it: `pack build` with the local builder (Paketo procfile, then
// Reloadable), `docker run --network host` (watchexec is PID 1, the run user 1002 is not the
// build user 1001 who owns /workspace), then synced by docker cp, Tilt's live_update and Docker
// Compose Watch, and stopped by docker stop.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readTiltfile } from "../harness/tiltfile.ts";
import { repoRoot } from "../harness/paths.ts";
import { composePackCommand, composeWatch, type Container, expectOneReload } from "./harness/index.ts";
import { useCheckouts, usePackBuild } from "./harness/hooks.ts";

const example = join(repoRoot, "examples", "python-web");
const original = readFileSync(join(example, "message.txt"), "utf8").trim();
const STARTED = /python-web listening on/;
const PYTHON_APP = { started: STARTED, process: /^python3 server\.py$/ };
const settle = (ms = 1_000) => new Promise((r) => setTimeout(r, ms));

const checkout = useCheckouts(example);

/** The app's own processes in the container (not watchexec, not a shell). */
async function appProcesses(container: Container): Promise<string[]> {
  return (await container.processes()).map((p) => p.args).filter((args) => /^python3 server\.py$/.test(args));
}


describe("docker cp into a running container (app-dir mode)", () => {
  const build = usePackBuild({ app: example, name: "python-web", env: { BP_LIVE_RELOAD_ENABLED: "true" } });

  it("builds with Paketo procfile, then Reloadable", () => {
    expect(build.ctx.packLog).toContain("paketo-buildpacks/procfile");
    expect(build.ctx.packLog).toContain("Reloadable Buildpack for watchexec");
  });

  it("each docker cp reloads the app once and the new message is served", async () => {
    await build.ctx.startContainer({}, async (app) => {
      expect((await app.waitForBody()).body.trim()).toBe(original);
      await app.waitForLog(STARTED); // docker logs may lag the answer
      const work = checkout();
      for (const message of ["after a first docker cp", "after a second docker cp"]) {
        writeFileSync(join(work, "message.txt"), `${message}\n`);
        const starts = app.count(STARTED);
        await app.dockerCp(join(work, "message.txt"), "/workspace/message.txt");
        const ms = await expectOneReload(app, PYTHON_APP, starts, message);
        console.log(`python-web, docker cp: end of sync -> new response ${ms.toFixed(0)} ms`);
      }
    });
  });

  it("a file docker cp wrote (as root) stays writable by the app's user", async () => {
    await build.ctx.startContainer({}, async (app) => {
      await app.waitForBody();
      const work = checkout();
      writeFileSync(join(work, "message.txt"), "copied by docker cp\n");
      await app.dockerCp(join(work, "message.txt"), "/workspace/message.txt");
      await app.waitForBody((b) => b.trim() === "copied by docker cp");
      const append = await app.exec(["sh", "-c", "echo appended by the app user >> /workspace/message.txt"]);
      expect(append.code, `appending as the app's user: ${append.stderr}`).toBe(0);
    });
  });

  it("docker stop: SIGTERM reaches the app, which exits well within the stop timeout", async () => {
    await build.ctx.startContainer({}, async (app) => {
      await app.waitForBody();
      // BP_LIVE_RELOAD_STOP_TIMEOUT is 5s by default; docker stop waits longer before SIGKILL.
      const stopped = await app.stop(15);
      expect(stopped.logs).toMatch(/python-web \(pid \d+\): SIGTERM, stopping/);
      expect(stopped.exitCode, stopped.logs).not.toBe(137);
      expect(stopped.ms).toBeLessThan(5_000);
      expect((await app.state()).Running).toBe(false);
      console.log(`python-web, docker stop -t 15: ${stopped.ms.toFixed(0)} ms, exit ${stopped.exitCode}`);
    });
  });
});

describe("Tilt's live_update, replayed from examples/python-web/Tiltfile", () => {
  const tiltfile = readTiltfile(join(example, "Tiltfile"));
  const build = usePackBuild({ app: example, name: "python-web-tilt", env: tiltfile.env });

  it("one tar into / as the run user, then the trigger step: both exit 0, one reload per sync", async () => {
    await build.ctx.startContainer({}, async (app) => {
      await app.waitForBody();
      await app.waitForLog(STARTED);
      const work = checkout();
      for (const message of ["after a first Tilt sync", "after a second Tilt sync"]) {
        writeFileSync(join(work, "message.txt"), `${message}\n`);
        const starts = app.count(STARTED);
        const sync = await app.tiltSync(tiltfile, { root: work, changed: ["message.txt"] });
        expect(sync.entries).toEqual(["workspace", "workspace/message.txt"]);
        const { ms } = await app.waitForBody((b) => b.trim() === message);
        await app.waitForLog(STARTED, { times: starts + 1 });
        await settle();
        expect(app.count(STARTED), app.logs).toBe(starts + 1);
        expect(await appProcesses(app)).toHaveLength(1);
        // waitForBody starts when the run() step returned: its time is trigger written -> new response.
        console.log(`python-web, Tilt: trigger written -> new response ${ms.toFixed(0)} ms`);
      }
    });
  });

  it("a Tilt sync into a directory and over a file that docker cp wrote (as root) succeeds", async () => {
    await build.ctx.startContainer({}, async (app) => {
      await app.waitForBody();
      const work = checkout();
      mkdirSync(join(work, "static"));
      writeFileSync(join(work, "static", "note.txt"), "copied by docker cp\n");
      writeFileSync(join(work, "message.txt"), "after docker cp\n");
      await app.dockerCp(join(work, "static"), "/workspace/static");
      await app.dockerCp(join(work, "message.txt"), "/workspace/message.txt");
      await app.exec(["sh", "-c", "date > /layers/reloadable_watchexec/trigger/sync"]);
      await app.waitForBody((b) => b.trim() === "after docker cp");
      await app.waitForLog(STARTED, { times: 2 });

      writeFileSync(join(work, "static", "note.txt"), "changed by Tilt\n");
      writeFileSync(join(work, "message.txt"), "after Tilt, over docker cp\n");
      const starts = app.count(STARTED);
      await app.tiltSync(tiltfile, { root: work, changed: ["message.txt", "static/note.txt"] });
      await expectOneReload(app, PYTHON_APP, starts, "after Tilt, over docker cp");
    });
  });

  it("the trigger step still works after docker cp wrote the trigger file (as root)", async () => {
    await build.ctx.startContainer({}, async (app) => {
      await app.waitForBody();
      const work = checkout();
      writeFileSync(join(work, "message.txt"), "after docker cp and its trigger\n");
      writeFileSync(join(work, "trigger"), "written by docker cp\n");
      await app.dockerCp(join(work, "message.txt"), "/workspace/message.txt");
      await app.dockerCp(join(work, "trigger"), "/layers/reloadable_watchexec/trigger/sync");
      await app.waitForBody((b) => b.trim() === "after docker cp and its trigger");
      await app.waitForLog(STARTED, { times: 2 });

      // The Tiltfile's run() step, as the run user, over the root-owned trigger file.
      const step = tiltfile.liveUpdate.find((s) => s.kind === "run");
      if (step?.kind !== "run") throw new Error("the Tiltfile has no run() step");
      const starts = app.count(STARTED);
      const ran = await app.exec(["sh", "-c", step.command]);
      expect(ran.code, `run('${step.command}') as the run user: ${ran.stderr}`).toBe(0);
      await settle();
      expect(app.count(STARTED), app.logs).toBe(starts + 1);
    });
  });
});

describe("Docker Compose Watch with examples/python-web/compose.yaml", () => {
  const compose = composePackCommand(join(example, "compose.yaml"));
  const build = usePackBuild({ app: example, name: "python-web-compose", env: compose.env });

  it("docker compose watch syncs each edit: no sync error, one reload per sync, the new message", async () => {
    const work = checkout();
    await composeWatch({ dir: work, env: { IMAGE: build.ctx.image } }, async (watch) => {
      await watch.waitForBody((b) => b.trim() === original);
      await watch.app.waitFor(STARTED); // docker logs may lag the answer
      for (const [i, message] of ["after a first compose sync", "after a second compose sync"].entries()) {
        const starts = watch.app.count(STARTED);
        writeFileSync(join(work, "message.txt"), `${message}\n`);
        await watch.waitForSyncs(i + 1);
        const { ms } = await watch.waitForBody((b) => b.trim() === message);
        await watch.app.waitFor(STARTED, { times: starts + 1 });
        await settle();
        expect(watch.syncErrors, watch.watch.log).toEqual([]);
        expect(watch.app.count(STARTED), watch.app.log).toBe(starts + 1);
        expect(await watch.nestedWatchers()).toEqual([]);
        console.log(`python-web, Compose Watch: file written -> new response ${ms.toFixed(0)} ms`);
      }
      // Compose keeps watching after a failed sync (it only prints it): still running here.
      expect(watch.watch.exitStatus, watch.watch.log).toBeUndefined();
    });
  });
});
