// examples/java-spring-boot as users run it: Maven builds the JAR, `pack build --path <jar>`
// with the local builder explodes it into /workspace (a stand-in JRE provider, Paketo watchexec,
// executable-jar and spring-boot, then Reloadable), `docker run --network host`; then
// `mvn -o compile` and a sync of target/classes by docker cp, Tilt's live_update and Docker
// Compose Watch (a greeting edit is a method body change: applied in the running JVM by the hot
// swap agent, the default), and docker stop with Spring Boot's graceful shutdown.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../harness/paths.ts";
import { readTiltfile } from "../harness/tiltfile.ts";
import { AGENT_RESTART, composePackCommand, composeWatch, editAndCompile, expectHotSwap, HOT_SWAP, imageProcesses, SPRING_STARTED, watchexecCount } from "./harness/index.ts";
import { useCheckouts, usePackBuild } from "./harness/hooks.ts";

const example = join(repoRoot, "examples", "java-spring-boot");
const JAR = "target/java-spring-boot-0.0.1-SNAPSHOT.jar";
const STARTED = SPRING_STARTED;
const settle = (ms = 2_000) => new Promise((r) => setTimeout(r, ms));
const checkout = useCheckouts(example, { filter: (src) => !src.includes("/target") });

/** A developer's checkout with the JAR built, as `mvn package` leaves it. */
function packagedCheckout(): string {
  const dir = checkout();
  execFileSync("mvn", ["-q", "-B", "package", "-DskipTests"], { cwd: dir, stdio: "pipe" });
  return dir;
}

describe("docker cp of target/classes into a running container (app-dir mode)", () => {
  let work: string;
  beforeAll(() => {
    work = packagedCheckout();
  }, 600_000);
  const build = usePackBuild(() => ({ app: join(work, JAR), name: "java-spring-boot", env: { BP_LIVE_RELOAD_ENABLED: "true" } }));

  it("builds with Paketo executable-jar and spring-boot, then Reloadable: one watcher, no-reload never", async () => {
    for (const buildpack of ["Paketo Buildpack for Executable JAR", "Paketo Buildpack for Spring Boot", "Reloadable Buildpack for watchexec"]) {
      expect(build.ctx.packLog).toContain(buildpack);
    }
    // What Paketo's buildpacks download comes from inside the builder, as air-gapped.
    expect(build.ctx.packLog).toContain("Spring Cloud Bindings 2.0.4: Contributing to layer");
    expect(build.ctx.packLog).toContain("Downloading from file:///cnb/buildpacks/paketo-buildpacks_spring-boot/5.36.4/artifacts/spring-cloud-bindings-2.0.4.jar");
    const { types, defaultProcess } = await imageProcesses(build.ctx.image);
    expect(defaultProcess).toBeDefined();
    expect(watchexecCount(types[defaultProcess!] ?? ""), `${defaultProcess}: ${types[defaultProcess!]}`).toBe(1);
    for (const [type, command] of Object.entries(types).filter(([t]) => t.endsWith("no-reload"))) {
      expect(command, `${type} must not reload`).not.toMatch(/watchexec/);
    }
  });

  it("each mvn compile + docker cp is applied in the running JVM: the new greeting, no restart", async () => {
    await build.ctx.startContainer({}, async (app) => {
      await app.waitForBody((b) => b.includes("v1"), 90_000);
      await app.waitForLog(STARTED); // docker logs may lag the answer
      for (const greeting of ["hello after a first docker cp", "hello after a second docker cp"]) {
        editAndCompile(work, greeting);
        const starts = app.count(STARTED);
        const swaps = app.count(HOT_SWAP);
        await app.dockerCp(join(work, "target", "classes") + "/.", "/workspace/BOOT-INF/classes/");
        const ms = await expectHotSwap(app, starts, swaps, greeting);
        console.log(`java-spring-boot, docker cp: end of sync -> new response ${ms.toFixed(0)} ms`);
      }
    });
  });

  it("docker stop: Spring Boot's graceful shutdown gets SIGTERM and completes within the stop timeout", async () => {
    await build.ctx.startContainer({ env: { SERVER_SHUTDOWN: "graceful" } }, async (app) => {
      await app.waitForBody(undefined, 90_000);
      // Reloadable's JVM default BP_LIVE_RELOAD_STOP_TIMEOUT is 20s; docker stop waits longer.
      const stopped = await app.stop(30);
      expect(stopped.logs).toContain("Commencing graceful shutdown");
      expect(stopped.logs).toContain("Graceful shutdown complete");
      expect(stopped.exitCode, stopped.logs).not.toBe(137);
      expect(stopped.ms).toBeLessThan(20_000);
      console.log(`java-spring-boot, docker stop -t 30: ${stopped.ms.toFixed(0)} ms, exit ${stopped.exitCode}`);
    });
  });
});

describe("Tilt's live_update and Docker Compose Watch (sync+exec), from the example's Tiltfile and compose.yaml", () => {
  const tiltfile = readTiltfile(join(example, "Tiltfile"));
  const compose = composePackCommand(join(example, "compose.yaml"));
  let work: string;
  beforeAll(() => {
    work = packagedCheckout();
  }, 600_000);
  // Both build the image the same way (trigger mode): one build serves both.
  const build = usePackBuild(() => ({ app: join(work, JAR), name: "java-spring-boot-trigger", env: tiltfile.env }));

  it("the Tiltfile and compose.yaml build the same image", () => {
    expect(compose.env).toEqual(tiltfile.env);
    expect(tiltfile.env).toMatchObject({ BP_LIVE_RELOAD_ENABLED: "true", BP_LIVE_RELOAD_TRIGGER: "true" });
  });

  it("Tilt: one tar of target/classes into /workspace/BOOT-INF/classes, then the trigger: exit 0, applied in the running JVM", async () => {
    await build.ctx.startContainer({}, async (app) => {
      await app.waitForBody((b) => b.includes("v1"), 90_000);
      await app.waitForLog(STARTED); // docker logs may lag the answer
      for (const greeting of ["hello after a first Tilt sync", "hello after a second Tilt sync"]) {
        const changed = editAndCompile(work, greeting);
        const starts = app.count(STARTED);
        const swaps = app.count(HOT_SWAP);
        const sync = await app.tiltSync(tiltfile, { root: work, changed });
        expect(sync.entries[0]).toBe("workspace/BOOT-INF/classes");
        const ms = await expectHotSwap(app, starts, swaps, greeting);
        console.log(`java-spring-boot, Tilt: trigger written -> new response ${ms.toFixed(0)} ms`);
      }
    });
  });

  it("Compose Watch: mvn compile, compose syncs target/classes and writes the trigger: no error, applied in the running JVM", async () => {
    await composeWatch({ dir: work, env: { IMAGE: build.ctx.image } }, async (watch) => {
      await watch.waitForBody(undefined, 90_000);
      await watch.app.waitFor(STARTED); // docker logs may lag the answer
      const SYNCED = /Syncing service "[^"]+" after \d+ changes were detected/;
      for (const greeting of ["hello after a first compose sync", "hello after a second compose sync"]) {
        const starts = watch.app.count(STARTED);
        const swaps = watch.app.count(HOT_SWAP);
        const syncs = watch.watch.count(SYNCED);
        editAndCompile(work, greeting);
        await watch.waitForSyncs(syncs + 1);
        const { ms } = await watch.waitForBody((b) => b.trim() === greeting, 60_000);
        await watch.app.waitFor(HOT_SWAP, { times: swaps + 1, timeoutMs: 30_000 });
        // `mvn compile` may come as two syncs (each runs the trigger): Maven first deletes the
        // classes it rebuilds, then writes them. The agent waits 3 s for removed classes to come
        // back before it restarts: it restarts nothing here.
        await settle(4_000);
        expect(watch.syncErrors, watch.watch.log).toEqual([]);
        const synced = watch.watch.count(SYNCED) - syncs;
        expect(synced).toBeGreaterThanOrEqual(1);
        expect(watch.app.count(STARTED) - starts, `${synced} Compose syncs\n${watch.watch.log}\n${watch.app.log}`).toBe(0);
        expect(watch.app.log).not.toMatch(AGENT_RESTART);
        expect(await watch.nestedWatchers()).toEqual([]);
        console.log(`java-spring-boot, Compose Watch (sync+exec): compile ended -> new response ${ms.toFixed(0)} ms`);
      }
      expect(watch.watch.exitStatus, watch.watch.log).toBeUndefined();
    });
  });
});
