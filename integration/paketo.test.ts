// Issue 9: Reloadable LAST after the REAL Paketo buildpacks (../shared/paketo, built from their
// release tags), on the real lifecycle, with BP_LIVE_RELOAD_ENABLED=true: that flag also turns on
// Paketo's own watchexec wrappers (Buildpack API 0.7: string commands, direct = false shells).
// For every group: the final process list, no process with two watchers, no *-no-reload type
// that reloads, one app start per change, and the default process reloading the Reloadable way.
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  assertBuilt,
  fixtureBuildpack,
  freePort,
  readTiltfile,
  reloadable,
  RELOADABLE_ID,
  replayLiveUpdate,
  waitForBody,
  watchedCommand,
  withBuild,
  type BuildpackEntry,
  type BuildResult,
  type CnbBuild,
  type Process,
} from "./harness/index.ts";
import { useLocalWatchexec } from "./harness/hooks.ts";
import { fixturesDir } from "./harness/paths.ts";
import { paketo } from "./harness/paketo.ts";
import { JavaWorkspace, springExample } from "./harness/java-apps.ts";

const local = useLocalWatchexec();
const java = new JavaWorkspace();
afterAll(() => java.removeAll());

/** Paketo's watchexec buildpack, its download pointed at the local release-shaped tarball. */
const paketoWatchexec = () => paketo("watchexec", { dependencies: [{ id: "watchexec", uri: local.server.url(local.watchexec.name), sha256: local.watchexec.sha256 }] });
const nodeApp = join(fixturesDir, "apps", "node-web");
const pythonApp = join(fixturesDir, "apps", "python-web");
const settle = (ms = 700) => new Promise((r) => setTimeout(r, ms));
const STARTED = /app started pid=(\d+)/g;

function words(process: Process): string[] {
  return [...process.command, ...process.args];
}

function watchers(process: Process): number {
  return words(process).filter((w) => basename(w) === "watchexec").length;
}

/** The commands sync tools run by name (see "In a container" in the README), in every group. */
const SYNC_TOOL_TYPES = ["date", "rm", "sh", "tar"];

/**
 * The list a user sees, as `type (default): buildpack`: what each group must end with, past the
 * sync tools' process types (checked here to be Reloadable's in every group).
 */
function processList(result: BuildResult): string[] {
  const tools = result.processes.filter((p) => SYNC_TOOL_TYPES.includes(p.type));
  expect(tools.map((p) => `${p.type}: ${p["buildpack-id"]}`).sort()).toEqual(SYNC_TOOL_TYPES.map((t) => `${t}: ${RELOADABLE_ID}`));
  return result.processes
    .filter((p) => !SYNC_TOOL_TYPES.includes(p.type))
    .map((p) => `${p.type}${p.type === result.defaultProcess ? " (default)" : ""}: ${p["buildpack-id"]}`)
    .sort();
}

/** What must hold for every group: one watcher at most, no reloading *-no-reload type. */
function expectOneWatcherEach(result: BuildResult): void {
  for (const process of result.processes) {
    expect(watchers(process), `${process.type}: ${words(process).join(" ")}`).toBeLessThanOrEqual(1);
    if (process.type === "no-reload" || process.type.endsWith("-no-reload")) {
      expect(watchers(process), `${process.type} must not reload: ${words(process).join(" ")}`).toBe(0);
    }
    if (process["buildpack-id"] === RELOADABLE_ID && watchers(process) === 1) expect(process.command[0]).toBe("reloadable-init");
  }
}

/** Reloadable used Paketo's watchexec: no second watchexec layer in the image. */
async function expectPaketoWatchexecUsed(build: CnbBuild, result: BuildResult): Promise<void> {
  expect(result.log).toContain("Using the watchexec that paketo-buildpacks/watchexec installed, so the image has one watchexec");
  expect(await build.layerToml(RELOADABLE_ID, "watchexec.toml")).toBeUndefined();
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { BP_LIVE_RELOAD_ENABLED: "true", ...extra };
}

function order(...entries: BuildpackEntry[]): BuildpackEntry[] {
  return [...entries, reloadable({ descriptor: local.descriptor })];
}

describe("Node.js with Paketo node-start", () => {
  it("web is Reloadable's (one watcher), Paketo's no-reload is its original, one start per sync", async () => {
    await withBuild({ app: nodeApp, env: env(), order: order(fixtureBuildpack("node-engine"), paketoWatchexec(), paketo("node-start")) }, async (build) => {
      const result = await build.build();
      assertBuilt(result);
      expect(processList(result)).toEqual(["no-reload: paketo-buildpacks/node-start", "web (default): reloadable/watchexec"]);
      expectOneWatcherEach(result);
      await expectPaketoWatchexecUsed(build, result);
      const web = result.processes.find((p) => p.type === "web")!;
      expect(watchedCommand(web)).toEqual(["node", "server.js"]);
      expect(web.command).toContain("--stop-timeout=5s");
      expect(result.log).toContain("web: replaced the watchexec wrapper of paketo-buildpacks/node-start");

      const port = await freePort();
      const url = `http://127.0.0.1:${port}/`;
      const app = await build.launch(result.defaultProcess!, { PORT: String(port) });
      expect((await waitForBody(url)).body).toBe("hello v1");
      for (const [i, message] of ["hello v2", "hello v3"].entries()) {
        await build.sync({ "message.txt": `${message}\n` });
        await waitForBody(url, (b) => b === message);
        await settle();
        expect(app.count(STARTED), app.log).toBe(i + 2);
      }
      const stopped = await app.stop();
      expect(stopped.leftovers).toEqual([]);

      // Paketo's no-reload runs the app once and never reloads.
      const plain = await build.launch("no-reload", { PORT: String(port) });
      expect((await waitForBody(url)).body).toBe("hello v3");
      await build.sync({ "message.txt": "hello v4\n" });
      await settle();
      expect((await waitForBody(url)).body).toBe("hello v3");
      expect(plain.count(STARTED)).toBe(1);
      await plain.stop();
    });
  });
});

describe("Node.js with Paketo npm-start", () => {
  it("keeps npm-start's ignores (package.json restarts nothing), one start per sync", async () => {
    const app = { "server.js": readFileSync(join(nodeApp, "server.js")), "message.txt": "hello v1\n", "package.json": '{"name":"app","version":"1.0.0","scripts":{"start":"node server.js"}}\n' };
    await withBuild({ app, env: env(), order: order(fixtureBuildpack("node-engine"), paketoWatchexec(), paketo("npm-start")) }, async (build) => {
      const result = await build.build();
      assertBuilt(result);
      expect(processList(result)).toEqual(["no-reload: paketo-buildpacks/npm-start", "web (default): reloadable/watchexec"]);
      expectOneWatcherEach(result);
      await expectPaketoWatchexecUsed(build, result);
      const web = result.processes.find((p) => p.type === "web")!;
      // Paketo's absolute ignores match nothing in watchexec 2.x; they are kept in a form that does.
      expect(web.command).toEqual(expect.arrayContaining(["package.json", "package-lock.json", "node_modules", "node_modules/**"]));
      expect(result.log).toContain(`kept its ignores: ${build.appDir}/package.json, ${build.appDir}/package-lock.json, ${build.appDir}/node_modules`);

      const port = await freePort();
      const url = `http://127.0.0.1:${port}/`;
      const running = await build.launch("web", { PORT: String(port) });
      expect((await waitForBody(url)).body).toBe("hello v1");
      await build.sync({ "package.json": '{"name":"app","version":"1.0.1","scripts":{"start":"node server.js"}}\n' });
      await settle();
      expect(running.count(STARTED)).toBe(1);
      await build.sync({ "message.txt": "hello v2\n" });
      await waitForBody(url, (b) => b === "hello v2");
      await settle();
      expect(running.count(STARTED)).toBe(2);
      await running.stop();
    });
  });
});

describe("a Procfile with Paketo procfile (direct = false processes)", () => {
  const procfileApp = {
    "server.py": readFileSync(join(pythonApp, "server.py")),
    "message.txt": "hello v1\n",
    Procfile: 'web: echo "env: profile.d=$FROM_PROFILE_D web=$FROM_PROFILE_D_WEB .profile=$FROM_APP_PROFILE env.launch=$FROM_WEB_ENV" && exec python3 server.py\nworker: echo "worker env: profile.d=$FROM_PROFILE_D .profile=$FROM_APP_PROFILE"\n',
    ".profile": "export FROM_APP_PROFILE=app-profile\n",
  };
  const EXPECTED_ENV = "env: profile.d=all-types web=web-only .profile=app-profile env.launch=web-env";

  it("web and web-no-reload keep the shell, the profile scripts, .profile and web's env; worker is untouched", async () => {
    await withBuild({ app: procfileApp, env: env(), order: order(fixtureBuildpack("profile-scripts"), paketo("procfile")) }, async (build) => {
      const result = await build.build();
      assertBuilt(result);
      expect(processList(result)).toEqual(["web (default): reloadable/watchexec", "web-no-reload: reloadable/watchexec", "worker: paketo-buildpacks/procfile"]);
      expectOneWatcherEach(result);
      expect(result.log).toContain("Processes declared with direct = false keep the app's .profile and the profile scripts");
      expect(result.processes.find((p) => p.type === "worker")?.direct).toBe(false);

      const port = await freePort();
      const url = `http://127.0.0.1:${port}/`;
      const web = await build.launch("web", { PORT: String(port) });
      expect((await waitForBody(url)).body).toBe("hello v1");
      expect(web.log).toContain(EXPECTED_ENV);
      await build.sync({ "message.txt": "hello v2\n" });
      await waitForBody(url, (b) => b === "hello v2");
      await settle();
      expect(web.count(STARTED)).toBe(2);
      expect(web.count(new RegExp(EXPECTED_ENV))).toBe(2);
      await web.stop();

      const plain = await build.launch("web-no-reload", { PORT: String(port) });
      expect((await waitForBody(url)).body).toBe("hello v2");
      expect(plain.log).toContain(EXPECTED_ENV);
      await build.sync({ "message.txt": "hello v3\n" });
      await settle();
      expect(plain.count(STARTED)).toBe(1);
      await plain.stop();

      // The launcher's own shell process, for comparison: the same profile and .profile values.
      const worker = await build.launch("worker");
      await worker.waitFor(/worker env: profile.d=all-types .profile=app-profile/);
    });
  });
});

describe("Java with Paketo executable-jar", () => {
  // Restarts on every change (hot swap off): integration/hotswap.test.ts has the default.
  it("a plain exploded JAR: reload (default) and web are Reloadable's, executable-jar is their original", async () => {
    const app = java.buildPlain("hello v1");
    const v2 = java.buildPlain("hello v2");
    await withBuild(
      { app, env: env({ BP_LIVE_RELOAD_JVM_HOTSWAP: "false" }), order: order(fixtureBuildpack("jvm-provider"), fixtureBuildpack("syft"), paketoWatchexec(), paketo("executable-jar")) },
      async (build) => {
        const result = await build.build();
        assertBuilt(result);
        expect(processList(result)).toEqual([
          "executable-jar: paketo-buildpacks/executable-jar",
          "reload (default): reloadable/watchexec",
          "task: paketo-buildpacks/executable-jar",
          "web: reloadable/watchexec",
        ]);
        expectOneWatcherEach(result);
        await expectPaketoWatchexecUsed(build, result);
        const reload = result.processes.find((p) => p.type === "reload")!;
        expect(reload.command).toContain("--stop-timeout=20s");

        const port = await freePort();
        const url = `http://127.0.0.1:${port}/`;
        const running = await build.launch("reload", { PORT: String(port) });
        expect((await waitForBody(url, undefined, 30_000)).body.trim()).toBe("hello v1");
        expect(running.log).toContain("Picked up JAVA_TOOL_OPTIONS: -XX:TieredStopAtLevel=1");
        await build.sync({ "app/Greeting.class": readFileSync(join(v2, "app", "Greeting.class")) });
        expect((await waitForBody(url, (b) => b.trim() === "hello v2", 30_000)).body.trim()).toBe("hello v2");
        await settle(1000);
        expect(running.count(STARTED)).toBe(2);
        await running.stop();
      },
    );
  });

  describe("the Spring Boot example with Paketo executable-jar and spring-boot", () => {
    const tiltfile = readTiltfile(join(springExample, "Tiltfile"));
    it.each([
      { name: "DevTools in-JVM restart (DevTools is packaged, hot swap off)", devtools: { BP_LIVE_RELOAD_JVM_HOTSWAP: "false" }, samePid: true, greeting: "v2-devtools" },
      { name: "JVM restart (BP_LIVE_RELOAD_DEVTOOLS=false, hot swap off)", devtools: { BP_LIVE_RELOAD_DEVTOOLS: "false", BP_LIVE_RELOAD_JVM_HOTSWAP: "false" }, samePid: false, greeting: "v2-jvm" },
    ])("the default process reload: $name, one restart per sync", async ({ devtools, samePid, greeting }) => {
      const spring = java.buildSpringBoot();
      await withBuild(
        {
          app: spring.exploded,
          env: { ...tiltfile.env, ...devtools, BP_SPRING_CLOUD_BINDINGS_DISABLED: "true" },
          order: order(fixtureBuildpack("jvm-provider"), fixtureBuildpack("syft"), paketoWatchexec(), paketo("executable-jar"), paketo("spring-boot")),
        },
        async (build) => {
          const result = await build.build();
          assertBuilt(result);
          expect(result.group.map((g) => g.id)).toContain("paketo-buildpacks/spring-boot");
          expect(result.defaultProcess).toBe("reload");
          expect(processList(result)).toContain("reload (default): reloadable/watchexec");
          expect(processList(result)).toContain("executable-jar: paketo-buildpacks/executable-jar");
          expect(processList(result).filter((p) => p.includes("-no-reload"))).toEqual([]);
          expectOneWatcherEach(result);
          await expectPaketoWatchexecUsed(build, result);
          const reload = result.processes.find((p) => p.type === "reload")!;
          // DevTools restarts in the JVM on class changes; watchexec restarts the JVM for JARs.
          if (samePid) expect(reload.command).toContain(`${build.appDir}/BOOT-INF/lib`);

          const port = await freePort();
          const url = `http://127.0.0.1:${port}/`;
          const app = await build.launch(result.defaultProcess!, { PORT: String(port) });
          expect((await waitForBody(url, undefined, 60_000)).body).toContain("v1");
          expect(app.log).toContain("Picked up JAVA_TOOL_OPTIONS: -XX:TieredStopAtLevel=1");

          const changed = spring.editGreeting(greeting);
          expect(changed.length).toBeGreaterThan(0);
          await replayLiveUpdate(build, tiltfile, { root: spring.checkout, changed });
          const reloaded = await waitForBody(url, (b) => b.includes(greeting), 60_000);
          console.log(`Paketo + Reloadable, Spring Boot ${samePid ? "DevTools" : "JVM"} reload of the default process: trigger -> new response ${reloaded.ms.toFixed(0)} ms`);
          await settle(1500);
          expect(app.count(/Started Application in/g)).toBe(2);
          const pids = [...app.log.matchAll(/with PID (\d+)/g)].map((m) => m[1]);
          expect(pids).toHaveLength(2);
          expect(new Set(pids).size).toBe(samePid ? 1 : 2);
          await app.stop();
        },
      );
    });
  });
});

describe("a distribution with Paketo dist-zip", () => {
  it("reload (default, a shell process) is Reloadable's and keeps the shell; dist-zip is its original", async () => {
    const app = java.buildDistribution("hello v1");
    const v2 = java.buildDistribution("hello v2");
    await withBuild(
      { app, env: env(), order: order(fixtureBuildpack("jvm-provider"), fixtureBuildpack("syft"), paketoWatchexec(), paketo("executable-jar", { optional: true }), paketo("dist-zip")) },
      async (build) => {
        const result = await build.build();
        assertBuilt(result);
        expect(result.defaultProcess).toBe("reload");
        const list = processList(result);
        expect(list).toContain("reload (default): reloadable/watchexec");
        expect(list).toContain("dist-zip: paketo-buildpacks/dist-zip");
        expect(list.filter((p) => p.includes("-no-reload"))).toEqual([]);
        expectOneWatcherEach(result);
        await expectPaketoWatchexecUsed(build, result);
        const reload = result.processes.find((p) => p.type === "reload")!;
        expect(watchedCommand(reload)).toEqual(["reloadable-shell", "reload", `${build.appDir}/app/bin/app`]);

        const port = await freePort();
        const url = `http://127.0.0.1:${port}/`;
        const running = await build.launch("reload", { PORT: String(port) });
        expect((await waitForBody(url, undefined, 30_000)).body.trim()).toBe("hello v1");
        await build.sync({ "app/lib/app.jar": readFileSync(join(v2, "app", "lib", "app.jar")) });
        expect((await waitForBody(url, (b) => b.trim() === "hello v2", 30_000)).body.trim()).toBe("hello v2");
        await settle(1000);
        expect(running.count(STARTED)).toBe(2);
        await running.stop();
      },
    );
  });
});
