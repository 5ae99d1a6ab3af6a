// Issue 5: JVM apps on the real lifecycle with a real JVM, with no JVM buildpack declaring
// processes: a plain exploded JAR built with javac, the Spring Boot example built with Maven and
// reloaded by replaying its Tiltfile, a packed JAR. With Paketo's executable-jar and spring-boot:
// integration/paketo.test.ts.
import { execFileSync } from "node:child_process";
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertBuilt,
  fixtureBuildpack,
  freePort,
  readTiltfile,
  reloadable,
  replayLiveUpdate,
  waitForBody,
  watchedCommand,
  withBuild,
} from "./harness/index.ts";
import { useLocalWatchexec } from "./harness/hooks.ts";
import { JavaWorkspace, springExample, type SpringBootBuild } from "./harness/java-apps.ts";

const java = new JavaWorkspace();
const buildPlain = (greeting: string) => java.buildPlain(greeting);
const tempDir = (name: string) => java.tempDir(name);

const local = useLocalWatchexec();
afterAll(() => java.removeAll());

const STARTED = /app started pid=(\d+)/g;
const JVM_OPTIONS_PICKED = "Picked up JAVA_TOOL_OPTIONS: -XX:TieredStopAtLevel=1";
const settle = (ms = 800) => new Promise((r) => setTimeout(r, ms));

describe("a plain exploded JAR (javac, Class-Path lib)", () => {
  // Restarts on every change (hot swap off): integration/hotswap.test.ts has the default.
  it("declares web as java -cp <app>:lib/util.jar app.Main, with hot swap off reloads once per recompiled class, with the JVM options", async () => {
    const v1 = buildPlain("hello v1");
    const v2 = buildPlain("hello v2");
    await withBuild(
      { app: v1, env: { BP_LIVE_RELOAD_ENABLED: "true", BP_LIVE_RELOAD_JVM_HOTSWAP: "false" }, order: [fixtureBuildpack("jvm-provider"), reloadable({ descriptor: local.descriptor })] },
      async (build) => {
        const result = await build.build();
        assertBuilt(result);
        expect(result.group.map((g) => g.id)).toEqual(["fixtures/jvm-provider", "reloadable/watchexec"]);
        const web = result.processes.find((p) => p.type === "web");
        expect(web && watchedCommand(web)).toEqual(["java", "-cp", `${build.appDir}:${build.appDir}/lib/util.jar`, "app.Main"]);
        expect(web?.command).toContain("--ignore");
        // The dependency JARs are watched too: a changed one needs a new JVM.
        const ignored = (web?.command ?? []).filter((_, i, all) => all[i - 1] === "--ignore");
        expect(ignored.filter((glob) => glob.includes("lib"))).toEqual([]);
        expect(web?.command).toContain("--stop-timeout=20s");
        expect(result.defaultProcess).toBe("web");

        const port = await freePort();
        const url = `http://127.0.0.1:${port}/`;
        const app = await build.launch("web", { PORT: String(port) });
        expect((await waitForBody(url, undefined, 30_000)).body.trim()).toBe("hello v1");
        expect(app.log).toContain(JVM_OPTIONS_PICKED);

        await build.sync({ "app/Greeting.class": readFileSync(join(v2, "app", "Greeting.class")) });
        expect((await waitForBody(url, (b) => b.trim() === "hello v2", 30_000)).body.trim()).toBe("hello v2");
        await settle();
        expect(app.count(STARTED)).toBe(2);

        // A changed dependency JAR restarts the JVM as well (it was ignored: the old JAR kept running).
        await build.sync({ "lib/util.jar": readFileSync(join(v2, "lib", "util.jar")) });
        await app.waitFor(STARTED, { times: 3, timeoutMs: 30_000 });
        expect((await waitForBody(url, undefined, 30_000)).body.trim()).toBe("hello v2");
        await settle();
        expect(app.count(STARTED)).toBe(3);
        const stopped = await app.stop();
        expect(stopped.leftovers).toEqual([]);

        // The original stays available, without the reload-only JVM options.
        const plain = await build.launch("web-no-reload", { PORT: String(port) });
        expect((await waitForBody(url, undefined, 30_000)).body.trim()).toBe("hello v2");
        expect(plain.log).not.toContain("Picked up JAVA_TOOL_OPTIONS");
        await plain.stop();
      },
    );
  });

  it.each([
    { name: "hot swap on (the default): only the agent", hotswap: {}, pickedUp: /Picked up JAVA_TOOL_OPTIONS: -javaagent:\S+=\S+\n/ },
    { name: "hot swap off: nothing", hotswap: { BP_LIVE_RELOAD_JVM_HOTSWAP: "false" }, pickedUp: undefined },
  ])("BP_LIVE_RELOAD_JVM_OPTIONS set but empty turns the JVM options off; $name", async ({ hotswap, pickedUp }) => {
    await withBuild(
      {
        app: buildPlain("hello v1"),
        env: { BP_LIVE_RELOAD_ENABLED: "true", BP_LIVE_RELOAD_JVM_OPTIONS: "", ...hotswap },
        order: [fixtureBuildpack("jvm-provider"), reloadable({ descriptor: local.descriptor })],
      },
      async (build) => {
        const result = await build.build();
        assertBuilt(result);
        expect(result.log).not.toMatch(/JAVA_TOOL_OPTIONS \+= .*TieredStopAtLevel/);
        if (pickedUp === undefined) expect(result.log).not.toContain("JVM options for");
        const port = await freePort();
        const app = await build.launch("web", { PORT: String(port) });
        await waitForBody(`http://127.0.0.1:${port}/`, undefined, 30_000);
        if (pickedUp === undefined) expect(app.log).not.toContain("Picked up JAVA_TOOL_OPTIONS");
        else expect(app.log).toMatch(pickedUp);
        await app.stop();
      },
    );
  });

  it("still builds with no JVM provider in the group (the [[or]] plan)", async () => {
    await withBuild({ app: buildPlain("hello v1"), env: { BP_LIVE_RELOAD_ENABLED: "true" }, order: [reloadable({ descriptor: local.descriptor })] }, async (build) => {
      const result = await build.build();
      assertBuilt(result);
      expect(result.group.map((g) => g.id)).toEqual(["reloadable/watchexec"]);
      expect(result.processes.find((p) => p.type === "web")?.command).toContain("app.Main");
    });
  });
});

describe("a packed JAR", () => {
  it("runs as java -jar and warns that a reload needs the whole JAR", async () => {
    const exploded = buildPlain("hello packed");
    const appDir = tempDir("packed");
    execFileSync("jar", ["--create", "--file", join(appDir, "app.jar"), "--manifest", join(exploded, "META-INF", "MANIFEST.MF"), "-C", exploded, "app"]);
    cpSync(join(exploded, "lib"), join(appDir, "lib"), { recursive: true });
    await withBuild({ app: appDir, env: { BP_LIVE_RELOAD_ENABLED: "true" }, order: [fixtureBuildpack("jvm-provider"), reloadable({ descriptor: local.descriptor })] }, async (build) => {
      const result = await build.build();
      assertBuilt(result);
      expect(result.log).toContain("app.jar is a packed JAR: every reload needs the whole JAR synced");
      const web = result.processes.find((p) => p.type === "web");
      expect(web && watchedCommand(web)).toEqual(["java", "-jar", `${build.appDir}/app.jar`]);
      const port = await freePort();
      const app = await build.launch("web", { PORT: String(port) });
      expect((await waitForBody(`http://127.0.0.1:${port}/`, undefined, 30_000)).body.trim()).toBe("hello packed");
      await app.stop();
    });
  });
});

describe("the Spring Boot example, replaying its Tiltfile", () => {
  const tiltfile = readTiltfile(join(springExample, "Tiltfile"));
  let spring: SpringBootBuild;

  beforeAll(() => {
    // A developer's checkout: Maven builds the JAR, pack explodes it into /workspace.
    spring = java.buildSpringBoot();
  }, 300_000);

  // Restarts on every change (hot swap off): integration/hotswap.test.ts has the default.
  it.each([
    { name: "DevTools restart in the JVM (with devtools in BOOT-INF/lib, hot swap off)", env: { BP_LIVE_RELOAD_JVM_HOTSWAP: "false" }, samePid: true },
    { name: "JVM restart (BP_LIVE_RELOAD_DEVTOOLS=false, hot swap off)", env: { BP_LIVE_RELOAD_DEVTOOLS: "false", BP_LIVE_RELOAD_JVM_HOTSWAP: "false" }, samePid: false },
  ])("$name: mvn compile, Tiltfile sync() and trigger, new response, one restart", async ({ env, samePid }) => {
    await withBuild(
      { app: spring.exploded, env: { ...tiltfile.env, ...env }, order: [fixtureBuildpack("jvm-provider"), reloadable({ descriptor: local.descriptor })] },
      async (build) => {
        const result = await build.build();
        assertBuilt(result);
        expect(result.log).toContain("Spring Boot, org.springframework.boot.loader.launch.JarLauncher");
        const port = await freePort();
        const url = `http://127.0.0.1:${port}/`;
        const app = await build.launch("web", { PORT: String(port) });
        const first = await waitForBody(url, undefined, 60_000);
        expect(first.body).toContain("v1");

        // Edit the controller, compile as the IDE or `mvn -o compile` would, sync what changed.
        const changed = spring.editGreeting(samePid ? "v2-devtools" : "v2-jvm");
        expect(changed.length).toBeGreaterThan(0);
        await replayLiveUpdate(build, tiltfile, { root: spring.checkout, changed });
        const reloaded = await waitForBody(url, (b) => b.includes("v2"), 60_000);
        console.log(`spring boot ${samePid ? "DevTools" : "JVM"} reload: trigger -> new response ${reloaded.ms.toFixed(0)} ms`);
        await settle(1500);
        expect(app.count(/Started Application in/g)).toBe(2);
        // Spring logs "Starting Application using Java ... with PID <pid>" at every start.
        const pids = [...app.log.matchAll(/with PID (\d+)/g)].map((m) => m[1]);
        expect(pids).toHaveLength(2);
        expect(new Set(pids).size).toBe(samePid ? 1 : 2);
        // Restore the controller for the next case.
        spring.editGreeting("v1");
        await app.stop();
      },
    );
  });
});
