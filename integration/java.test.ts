// Issue 5: JVM apps on the real lifecycle with a real JVM: a plain exploded JAR built with
// javac, the Spring Boot example built with Maven and reloaded by replaying its Tiltfile, a
// packed JAR, and processes from an executable-jar-style buildpack.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

const plainSources = join(fixturesDir, "apps", "java-plain");
const springExample = join(repoRoot, "examples", "java-spring-boot");
const scratch: string[] = [];
const tempDir = (name: string) => {
  const dir = mkdtempSync(join(scratchRoot(), `reloadable-java-${name}-`));
  scratch.push(dir);
  return dir;
};

/** The plain app compiled by javac into an exploded-JAR layout, with the greeting built in. */
function buildPlain(greeting: string): string {
  const out = tempDir("plain");
  execFileSync("bash", [join(plainSources, "build.sh"), out, greeting], { stdio: "pipe" });
  return out;
}

const local = useLocalWatchexec();
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

const STARTED = /app started pid=(\d+)/g;
const JVM_OPTIONS_PICKED = "Picked up JAVA_TOOL_OPTIONS: -XX:TieredStopAtLevel=1";
const settle = (ms = 800) => new Promise((r) => setTimeout(r, ms));

describe("a plain exploded JAR (javac, Class-Path lib)", () => {
  it("declares web as java -cp <app>:lib/util.jar app.Main, reloads once per recompiled class, with the JVM options", async () => {
    const v1 = buildPlain("hello v1");
    const v2 = buildPlain("hello v2");
    await withBuild(
      { app: v1, env: { BP_LIVE_RELOAD_ENABLED: "true" }, order: [fixtureBuildpack("jvm-provider"), reloadable({ descriptor: local.descriptor })] },
      async (build) => {
        const result = await build.build();
        assertBuilt(result);
        expect(result.group.map((g) => g.id)).toEqual(["fixtures/jvm-provider", "reloadable/watchexec"]);
        const web = result.processes.find((p) => p.type === "web");
        expect(web?.command.slice(web.command.indexOf("--") + 1)).toEqual(["java", "-cp", `${build.appDir}:${build.appDir}/lib/util.jar`, "app.Main"]);
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

  it("BP_LIVE_RELOAD_JVM_OPTIONS set but empty turns the JVM options off", async () => {
    await withBuild(
      { app: buildPlain("hello v1"), env: { BP_LIVE_RELOAD_ENABLED: "true", BP_LIVE_RELOAD_JVM_OPTIONS: "" }, order: [fixtureBuildpack("jvm-provider"), reloadable({ descriptor: local.descriptor })] },
      async (build) => {
        const result = await build.build();
        assertBuilt(result);
        expect(result.log).not.toContain("JVM options for");
        const port = await freePort();
        const app = await build.launch("web", { PORT: String(port) });
        await waitForBody(`http://127.0.0.1:${port}/`, undefined, 30_000);
        expect(app.log).not.toContain("Picked up JAVA_TOOL_OPTIONS");
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
      expect(web?.command.slice(web.command.indexOf("--") + 1)).toEqual(["java", "-jar", `${build.appDir}/app.jar`]);
      const port = await freePort();
      const app = await build.launch("web", { PORT: String(port) });
      expect((await waitForBody(`http://127.0.0.1:${port}/`, undefined, 30_000)).body.trim()).toBe("hello packed");
      await app.stop();
    });
  });
});

describe("processes from an executable-jar-style buildpack", () => {
  it("rewrites its web process in place and declares no duplicate", async () => {
    await withBuild(
      { app: buildPlain("hello v1"), env: { BP_LIVE_RELOAD_ENABLED: "true" }, order: [fixtureBuildpack("jvm-provider"), fixtureBuildpack("executable-jar"), reloadable({ descriptor: local.descriptor })] },
      async (build) => {
        const result = await build.build();
        assertBuilt(result);
        expect(result.log).toContain("Processes declared by fixtures/executable-jar");
        expect(result.processes.map((p) => p.type).sort()).toEqual(["executable-jar", "task", "web", "web-no-reload"]);
        const web = result.processes.find((p) => p.type === "web");
        expect(web?.["buildpack-id"]).toBe("reloadable/watchexec");
        expect(web?.command.slice(web.command.indexOf("--") + 1)).toEqual(["java", "-cp", `${build.appDir}:${build.appDir}/lib/util.jar`, "app.Main"]);
        expect(result.processes.find((p) => p.type === "executable-jar")?.["buildpack-id"]).toBe("fixtures/executable-jar");
        expect(result.defaultProcess).toBe("web");
      },
    );
  });
});

describe("the Spring Boot example, replaying its Tiltfile", () => {
  const tiltfile = readTiltfile(join(springExample, "Tiltfile"));
  let checkout: string;
  let exploded: string;

  beforeAll(() => {
    // A developer's checkout: Maven builds the JAR, pack explodes it into /workspace.
    checkout = tempDir("checkout");
    cpSync(springExample, checkout, { recursive: true, filter: (src) => !src.includes("/target") });
    execFileSync("mvn", ["-q", "-B", "package", "-DskipTests"], { cwd: checkout, stdio: "pipe" });
    const jar = readdirSync(join(checkout, "target")).find((f) => f.endsWith(".jar"));
    if (jar === undefined) throw new Error("mvn package made no JAR");
    exploded = tempDir("exploded");
    execFileSync("jar", ["xf", join(checkout, "target", jar)], { cwd: exploded });
  }, 300_000);

  function listFiles(dir: string): string[] {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
  }

  it.each([
    { name: "DevTools restart in the JVM (the default with devtools in BOOT-INF/lib)", env: {}, samePid: true },
    { name: "JVM restart (BP_LIVE_RELOAD_DEVTOOLS=false)", env: { BP_LIVE_RELOAD_DEVTOOLS: "false" }, samePid: false },
  ])("$name: mvn compile, Tiltfile sync() and trigger, new response, one restart", async ({ env, samePid }) => {
    await withBuild(
      { app: exploded, env: { ...tiltfile.env, ...env }, order: [fixtureBuildpack("jvm-provider"), reloadable({ descriptor: local.descriptor })] },
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
        const controller = join(checkout, "src/main/java/com/example/reloadable/GreetingController.java");
        const compiledBefore = Date.now();
        writeFileSync(controller, readFileSync(controller, "utf8").replace("v1", samePid ? "v2-devtools" : "v2-jvm"));
        execFileSync("mvn", ["-o", "-q", "-B", "compile"], { cwd: checkout, stdio: "pipe" });
        const changed = listFiles(join(checkout, "target", "classes"))
          .filter((f) => statSync(f).mtimeMs >= compiledBefore - 1000)
          .map((f) => relative(checkout, f));
        expect(changed.length).toBeGreaterThan(0);
        await replayLiveUpdate(build, tiltfile, { root: checkout, changed });
        const reloaded = await waitForBody(url, (b) => b.includes("v2"), 60_000);
        console.log(`spring boot ${samePid ? "DevTools" : "JVM"} reload: trigger -> new response ${reloaded.ms.toFixed(0)} ms`);
        await settle(1500);
        expect(app.count(/Started Application in/g)).toBe(2);
        // Spring logs "Starting Application using Java ... with PID <pid>" at every start.
        const pids = [...app.log.matchAll(/with PID (\d+)/g)].map((m) => m[1]);
        expect(pids).toHaveLength(2);
        expect(new Set(pids).size).toBe(samePid ? 1 : 2);
        // Restore the controller for the next case.
        writeFileSync(controller, readFileSync(controller, "utf8").replace(/v2-(devtools|jvm)/, "v1"));
        execFileSync("mvn", ["-o", "-q", "-B", "compile"], { cwd: checkout, stdio: "pipe" });
        await app.stop();
      },
    );
  });
});
