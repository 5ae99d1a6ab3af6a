// docker stop of a reloadable image whose app needs 3 s to shut down gracefully: watchexec is
// PID 1 in the container, and BP_LIVE_RELOAD_STOP_TIMEOUT is what the app is promised, on a
// restart and on a container stop alike.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useCheckouts, usePackBuild } from "./harness/hooks.ts";

const fixture = join(import.meta.dirname, "fixtures", "apps", "slow-stop");
const SIGTERM = /slow-stop \(pid \d+\): SIGTERM, shutting down for 3 s/;
const COMPLETE = /slow-stop \(pid \d+\): shutdown complete/;
const STARTED = /slow-stop listening on/;
const checkout = useCheckouts(fixture);

describe("an app that needs 3 s to shut down, BP_LIVE_RELOAD_STOP_TIMEOUT=10s", () => {
  const build = usePackBuild({ app: fixture, name: "slow-stop", env: { BP_LIVE_RELOAD_ENABLED: "true", BP_LIVE_RELOAD_STOP_TIMEOUT: "10s" } });

  it("docker stop -t 20: SIGTERM reaches the app and its shutdown completes; the container exits 0, not 137", async () => {
    await build.ctx.startContainer({}, async (app) => {
      await app.waitForBody();
      const stopped = await app.stop(20);
      console.log(`slow-stop, docker stop -t 20: ${stopped.ms.toFixed(0)} ms, exit ${stopped.exitCode}`);
      expect(stopped.logs).toMatch(SIGTERM);
      expect(stopped.logs, "the app's shutdown was cut short").toMatch(COMPLETE);
      expect(stopped.exitCode, stopped.logs).not.toBe(137);
      expect(stopped.exitCode).toBe(0);
      expect(stopped.ms).toBeGreaterThanOrEqual(3_000);
      expect(stopped.ms).toBeLessThan(10_000);
    });
  });

  it("a restart after a sync also lets the old app finish its shutdown before the new one starts", async () => {
    await build.ctx.startContainer({}, async (app) => {
      await app.waitForBody();
      const work = checkout();
      writeFileSync(join(work, "changed.txt"), "a change\n");
      await app.dockerCp(join(work, "changed.txt"), "/workspace/changed.txt");
      await app.waitForLog(STARTED, { times: 2, timeoutMs: 20_000 });
      const logs = app.logs;
      expect(logs.search(COMPLETE), logs).toBeGreaterThan(-1);
      expect(logs.search(COMPLETE), "the new app started before the old one finished").toBeLessThan(logs.lastIndexOf("slow-stop listening on"));
    });
  });
});

describe("an app that needs 3 s to shut down, the default BP_LIVE_RELOAD_STOP_TIMEOUT (5s)", () => {
  const build = usePackBuild({ app: fixture, name: "slow-stop-default", env: { BP_LIVE_RELOAD_ENABLED: "true" } });

  it("docker stop with Docker's default timeout (10 s): the shutdown completes, exit 0", async () => {
    await build.ctx.startContainer({}, async (app) => {
      await app.waitForBody();
      const stopped = await app.stop();
      console.log(`slow-stop, docker stop (default -t 10): ${stopped.ms.toFixed(0)} ms, exit ${stopped.exitCode}`);
      expect(stopped.logs).toMatch(SIGTERM);
      expect(stopped.logs, "the app's shutdown was cut short").toMatch(COMPLETE);
      expect(stopped.exitCode, stopped.logs).toBe(0);
    });
  });
});
