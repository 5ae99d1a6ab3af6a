// Issue 16: JVM hot swap on the real lifecycle with a real JVM. Each edit type of the issue is a
// step, compiled for real beforehand (Maven for the Spring Boot example, javac for the plain
// app), synced into the running app; each step checks the new behaviour is served, the JVM's pid
// (the same after a hot swap and a DevTools restart, a new one after a JVM restart), and the one
// line the agent printed for the sync (the path taken and why). With and without the real Paketo
// executable-jar (+ spring-boot) buildpacks before Reloadable.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertBuilt,
  descendants,
  fixtureBuildpack,
  freePort,
  readTiltfile,
  reloadable,
  replayLiveUpdate,
  waitForBody,
  withBuild,
  type BuildpackEntry,
  type CnbBuild,
  type RunningProcess,
} from "./harness/index.ts";
import { useLocalWatchexec } from "./harness/hooks.ts";
import { paketo } from "./harness/paketo.ts";
import { JavaWorkspace, springExample } from "./harness/java-apps.ts";
import { compilePlainEdits, compileSpringEdits, type CompiledEdit, type PlainEdits, type SpringEdits } from "./harness/hotswap-edits.ts";

const local = useLocalWatchexec();
const java = new JavaWorkspace();
afterAll(() => java.removeAll());

const tiltfile = readTiltfile(join(springExample, "Tiltfile"));
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The agent's line for a sync: the path taken and why. */
const AGENT_LINE = /^\[reloadable\] (?:hot swap|restart \((?:DevTools|JVM)\)): .*$/gm;
/** reloadable-settle's line for a restart it saw: never printed for one the agent asked for. */
const SETTLE_LINE = /\[reloadable\] restart: \d+ changes?:/;


/** The JVM under the launched process (launcher -> reloadable-init -> watchexec -> java). */
function jvmPid(app: RunningProcess): number | undefined {
  for (const pid of descendants(app.pid)) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "java") return pid;
    } catch {
      // ended meanwhile
    }
  }
  return undefined;
}

function agentLines(app: RunningProcess): string[] {
  return [...app.log.matchAll(AGENT_LINE)].map((m) => m[0]);
}

interface Running {
  build: CnbBuild;
  app: RunningProcess;
  port: number;
  /** A line the app prints at each start (in a new JVM or in the same one). */
  started: RegExp;
  /** How a restart happens when hot swap cannot apply. */
  restart: "DevTools" | "JVM";
  sync: (edit: CompiledEdit) => Promise<void>;
}

/** Applies each edit in order and checks the path, the pid, the response and the one line. */
async function applyEdits(run: Running, edits: readonly CompiledEdit[]): Promise<void> {
  const { app, port, started } = run;
  for (const edit of edits) {
    const lines = agentLines(app).length;
    const starts = app.count(started);
    const pid = jvmPid(app);
    expect(pid, `${edit.name}: no JVM running\n${app.log}`).toBeDefined();
    await run.sync(edit);
    const served = await waitForBody(`http://127.0.0.1:${port}${edit.request}`, (b) => b.trim() === edit.body, 90_000);
    // An edit that does not change the answer (a resource) is answered by the old app at once.
    if (edit.path === "restart") await app.waitFor(started, { times: starts + 1, timeoutMs: 90_000 });
    // A restart that should not happen (or a second one) would show by then: DevTools polls
    // every 200 ms, and a new JVM prints its first line within a second.
    await settle(2_000);
    const context = `${edit.name}\n${app.log}`;
    const newLines = agentLines(app).slice(lines);
    expect(newLines, context).toHaveLength(1);
    const line = newLines[0]!;
    if (edit.path === "hot swap" && edit.redefined === 0) {
      expect(line, context).toMatch(/^\[reloadable\] hot swap: no loaded class changed/);
      expect(app.count(started), context).toBe(starts);
      expect(jvmPid(app), context).toBe(pid);
    } else if (edit.path === "hot swap") {
      expect(line, context).toMatch(new RegExp(`^\\[reloadable\\] hot swap: ${edit.redefined} class(es)? redefined in \\d+ ms`));
      expect(app.count(started), context).toBe(starts);
      expect(jvmPid(app), context).toBe(pid);
    } else {
      expect(line, context).toContain(`[reloadable] restart (${run.restart}): `);
      expect(line, context).toMatch(edit.reason!);
      expect(app.count(started), context).toBe(starts + 1);
      if (run.restart === "DevTools") expect(jvmPid(app), context).toBe(pid);
      else expect(jvmPid(app), context).not.toBe(pid);
    }
    expect(app.log, context).not.toMatch(SETTLE_LINE);
    console.log(`${edit.name}: ${line} (served ${served.ms.toFixed(0)} ms after the sync)`);
  }
}

function paketoWatchexec(): BuildpackEntry {
  return paketo("watchexec", { dependencies: [{ id: "watchexec", uri: local.server.url(local.watchexec.name), sha256: local.watchexec.sha256 }] });
}

const GROUPS = {
  reloadable: { name: "Reloadable alone", java: () => [fixtureBuildpack("jvm-provider")], spring: () => [fixtureBuildpack("jvm-provider")] },
  paketo: {
    name: "with Paketo executable-jar",
    java: () => [fixtureBuildpack("jvm-provider"), fixtureBuildpack("syft"), paketoWatchexec(), paketo("executable-jar")],
    spring: () => [fixtureBuildpack("jvm-provider"), fixtureBuildpack("syft"), paketoWatchexec(), paketo("executable-jar"), paketo("spring-boot")],
  },
} as const;

/** The class files of an edit laid out as a checkout's target/classes, for the Tiltfile replay. */
function checkoutOf(edit: CompiledEdit): { root: string; changed: string[] } {
  const root = java.tempDir("edit");
  const changed = Object.entries(edit.changed).map(([file, bytes]) => {
    const path = join("target", "classes", file);
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), bytes);
    return path;
  });
  return { root, changed };
}

/**
 * Not classes: a resource the app reads at startup restarts it (DevTools or JVM); a static
 * resource DevTools serves as it is restarts nothing when DevTools runs the app.
 */
function resourceSteps(spring: SpringEdits, restart: "DevTools" | "JVM"): CompiledEdit[] {
  const last = spring.edits.at(-1)!;
  const properties = readFileSync(join(spring.spring.exploded, "BOOT-INF", "classes", "application.properties"));
  const step = { sources: {}, undo: {} };
  return [
    {
      // docker cp and Compose Watch copy whole dirs, and Maven copies the resources at each
      // compile: a resource rewritten with the same bytes is no change.
      ...step,
      name: "the last edit's classes and application.properties written again, the same bytes (docker cp of target/classes)",
      changed: { ...last.changed, "application.properties": properties },
      request: last.request,
      body: last.body,
      path: "hot swap",
      redefined: 0,
    },
    {
      ...step,
      name: "a resource the app reads at startup (application.properties)",
      changed: { "application.properties": Buffer.concat([properties, Buffer.from("# edited\n")]) },
      request: last.request,
      body: last.body,
      path: "restart",
      reason: /^\[reloadable\] restart \((DevTools|JVM)\): BOOT-INF\/classes\/application\.properties changed \(not a class: the app reads it at startup\)$/,
    },
    ...(restart === "DevTools"
      ? [
          {
            ...step,
            name: "a static resource DevTools serves as it is (static/hello.txt)",
            changed: { "static/hello.txt": Buffer.from("hi\n") },
            request: "/hello.txt",
            body: "hi",
            path: "hot swap" as const,
            redefined: 0,
          },
        ]
      : []),
  ];
}

/**
 * Removed classes. maven-compiler-plugin deletes the classes it rebuilds first, and a sync tool
 * may send the deletions alone: removed loaded classes wait 3 s for the rest of the build before
 * the app restarts. Then: a removed class that nothing finds by scanning restarts nothing; a
 * removed @RestController does, once the 3 s passed.
 */
async function removals(build: CnbBuild, app: RunningProcess, port: number, trigger: boolean, restart: "DevTools" | "JVM", last: CompiledEdit): Promise<void> {
  const classes = join(build.appDir, "BOOT-INF", "classes", "com", "example", "reloadable");
  const controller = join(classes, "GreetingController.class");
  const saved = readFileSync(controller);
  const endSync = async () => {
    if (!trigger) return;
    const ran = await build.exec("reloadable-trigger");
    expect(ran.code, ran.log).toBe(0);
  };
  const remove = async (file: string) => {
    const ran = await build.runAsAppUser("rm", ["-f", file]);
    expect(ran.code, ran.log).toBe(0);
    await endSync();
  };
  const lines = () => agentLines(app).length;
  const waitForLine = async (count: number) => {
    for (let i = 0; i < 200 && lines() < count; i++) await settle(25);
    return agentLines(app).at(-1) ?? "";
  };

  // Deleted, then back (changed) within the grace: one hot swap, no restart.
  let pid = jvmPid(app);
  let starts = app.count(/Started Application in/g);
  let count = lines();
  await remove(controller);
  expect(await waitForLine(count + 1)).toBe("[reloadable] hot swap: 1 class file was removed; the app restarts in 3 s unless it comes back (a compiler rewriting it)");
  const rebuilt = Buffer.from(saved.toString("latin1").replace("hi from spring boot ", "yo from spring boot "), "latin1");
  expect(rebuilt.equals(saved)).toBe(false);
  await build.sync({ "BOOT-INF/classes/com/example/reloadable/GreetingController.class": rebuilt });
  await endSync();
  await waitForBody(`http://127.0.0.1:${port}/`, (b) => b.trim() === last.body.replace("hi from", "yo from"), 30_000);
  expect(await waitForLine(count + 2)).toMatch(/^\[reloadable\] hot swap: 1 class redefined in \d+ ms \(com\.example\.reloadable\.GreetingController\)/);
  await settle(4_000);
  expect(lines(), app.log).toBe(count + 2);
  expect(app.count(/Started Application in/g)).toBe(starts);
  expect(jvmPid(app)).toBe(pid);

  // A removed class nothing finds by scanning (Punctuation, loaded): nothing restarts.
  count = lines();
  await remove(join(classes, "Punctuation.class"));
  expect(await waitForLine(count + 1)).toBe("[reloadable] hot swap: no loaded class changed (1 class file removed)");
  expect(app.count(/Started Application in/g)).toBe(starts);

  // A removed @RestController for good: a restart, 3 s after the sync.
  count = lines();
  const removed = performance.now();
  await remove(controller);
  expect(await waitForLine(count + 2)).toBe(`[reloadable] restart (${restart}): com.example.reloadable.GreetingController was removed, and frameworks keep the @RestController class they found at startup`);
  expect(performance.now() - removed).toBeGreaterThan(2_500);
  await app.waitFor(/Started Application in/g, { times: starts + 1, timeoutMs: 60_000 });
}

describe("the Spring Boot example: every edit type", () => {
  let spring: SpringEdits;
  beforeAll(() => {
    spring = compileSpringEdits(java);
  }, 600_000);

  it.each([
    { group: "reloadable", mode: "trigger (Tiltfile)", restart: "DevTools", env: {} },
    { group: "reloadable", mode: "trigger (Tiltfile)", restart: "JVM", env: { BP_LIVE_RELOAD_DEVTOOLS: "false" } },
    { group: "paketo", mode: "trigger (Tiltfile)", restart: "DevTools", env: {} },
    { group: "paketo", mode: "trigger (Tiltfile)", restart: "JVM", env: { BP_LIVE_RELOAD_DEVTOOLS: "false" } },
    { group: "reloadable", mode: "app dir", restart: "DevTools", env: { BP_LIVE_RELOAD_TRIGGER: "false" } },
  ] as const)("$mode, $group, fallback: $restart restart", async ({ group, mode, restart, env }) => {
    const trigger = mode !== "app dir";
    await withBuild(
      {
        app: spring.spring.exploded,
        env: { ...tiltfile.env, ...env, BP_SPRING_CLOUD_BINDINGS_DISABLED: "true" },
        order: [...GROUPS[group].spring(), reloadable({ descriptor: local.descriptor })],
      },
      async (build) => {
        const result = await build.build();
        assertBuilt(result);
        expect(result.log).toMatch(/BP_LIVE_RELOAD_JVM_HOTSWAP\s+auto \(on\)\s+auto/);
        expect(result.log).toContain("Hot swap: class changes are applied inside the running JVM");
        const type = result.defaultProcess!;
        const process = result.processes.find((p) => p.type === type)!;
        expect(process.command).toContain("--on-busy-update=queue");
        expect(process.command).not.toContain("--restart");

        const port = await freePort();
        const app = await build.launch(type, { PORT: String(port) });
        expect((await waitForBody(`http://127.0.0.1:${port}/`, undefined, 90_000)).body).toContain("v1");
        expect(app.log).toMatch(/Picked up JAVA_TOOL_OPTIONS: -XX:TieredStopAtLevel=1 .*-javaagent:\S+reloadable-hotswap\.jar=/);
        await applyEdits(
          {
            build,
            app,
            port,
            started: /Started Application in/g,
            restart,
            sync: async (edit) => {
              if (trigger) await replayLiveUpdate(build, tiltfile, checkoutOf(edit));
              else await build.sync(Object.fromEntries(Object.entries(edit.changed).map(([file, bytes]) => [join("BOOT-INF", "classes", file), bytes])));
            },
          },
          [...spring.edits, ...resourceSteps(spring, restart)],
        );
        await removals(build, app, port, trigger, restart, spring.edits.at(-1)!);
        const stopped = await app.stop();
        expect(stopped.leftovers).toEqual([]);
      },
    );
  });
});

/** A changed dependency JAR needs a new JVM: the same classes jarred again, with another date. */
function jarStep(plain: PlainEdits): CompiledEdit {
  const dir = java.tempDir("jar");
  execFileSync("jar", ["xf", join(plain.app, "lib", "util.jar")], { cwd: dir });
  execFileSync("jar", ["--create", "--date=2001-01-01T00:00:02Z", "--file", join(dir, "util.jar"), "-C", dir, "util"]);
  const last = plain.edits.at(-1)!;
  return {
    name: "a dependency JAR (lib/util.jar)",
    sources: {},
    undo: {},
    changed: { "lib/util.jar": readFileSync(join(dir, "util.jar")) },
    request: last.request,
    body: last.body,
    path: "restart",
    reason: /^\[reloadable\] restart \(JVM\): lib\/util\.jar changed \(a JAR needs a new JVM\)$/,
  };
}

describe("the plain app (java-plain, javac): every edit type", () => {
  let plain: PlainEdits;
  beforeAll(() => {
    plain = compilePlainEdits(java);
  }, 120_000);

  it.each([
    { group: "reloadable", mode: "app dir", env: {} },
    { group: "paketo", mode: "app dir", env: {} },
    { group: "reloadable", mode: "trigger", env: { BP_LIVE_RELOAD_TRIGGER: "true" } },
    { group: "reloadable", mode: "app dir, polling", env: { BP_LIVE_RELOAD_POLL: "200ms" } },
  ] as const)("$mode, $group: hot swap, or a JVM restart when it cannot apply", async ({ group, mode, env }) => {
    await withBuild(
      { app: plain.app, env: { BP_LIVE_RELOAD_ENABLED: "true", ...env }, order: [...GROUPS[group].java(), reloadable({ descriptor: local.descriptor })] },
      async (build) => {
        const result = await build.build();
        assertBuilt(result);
        expect(result.log).toMatch(/BP_LIVE_RELOAD_JVM_HOTSWAP\s+auto \(on\)\s+auto/);
        const type = result.defaultProcess!;
        const port = await freePort();
        const app = await build.launch(type, { PORT: String(port) });
        expect((await waitForBody(`http://127.0.0.1:${port}/`, undefined, 30_000)).body.trim()).toBe("hello v1");
        await applyEdits(
          {
            build,
            app,
            port,
            started: /app started pid=/g,
            restart: "JVM",
            sync: async (edit) => {
              await build.sync(edit.changed);
              if (mode === "trigger") {
                const ran = await build.exec("reloadable-trigger");
                expect(ran.code, ran.log).toBe(0);
              }
            },
          },
          [...plain.edits, jarStep(plain)],
        );
        const stopped = await app.stop();
        expect(stopped.leftovers).toEqual([]);
      },
    );
  });
});

describe("bad input fails the build, naming the setting, the value and the fix, and writes nothing", () => {
  let app: string;
  beforeAll(() => {
    app = java.buildPlain("hello v1");
  }, 60_000);

  it.each([
    {
      name: "BP_LIVE_RELOAD_JVM_HOTSWAP=true (auto or false)",
      env: { BP_LIVE_RELOAD_JVM_HOTSWAP: "true" },
      procfile: undefined,
      message: 'BP_LIVE_RELOAD_JVM_HOTSWAP="true" is not auto or false',
    },
    {
      name: "a reloadable process that runs no JVM",
      env: { BP_LIVE_RELOAD_PROCESSES: "*" },
      procfile: "web: java -cp /workspace:/workspace/lib/util.jar app.Main\nworker: python3 worker.py\n",
      message: 'BP_LIVE_RELOAD_JVM_HOTSWAP="auto" applies class changes inside the JVM, but the reloadable process "worker" runs "python3 worker.py", not java: it would never reload',
    },
  ])("$name", async ({ env, procfile, message }) => {
    const dir = java.tempDir("bad");
    execFileSync("cp", ["-a", `${app}/.`, dir]);
    if (procfile !== undefined) writeFileSync(join(dir, "Procfile"), procfile);
    await withBuild({ app: dir, env: { BP_LIVE_RELOAD_ENABLED: "true", ...env }, order: [fixtureBuildpack("jvm-provider"), reloadable({ descriptor: local.descriptor })] }, async (build) => {
      const result = await build.build();
      expect(result.success, result.log).toBe(false);
      expect(result.log).toContain(`ERROR: ${message}`);
      expect(result.log).not.toMatch(/unexpected failure|    at /);
      // Checked before anything is written: no hot swap layer, no launch.toml.
      expect(existsSync(join(build.layersDir, "reloadable_watchexec", "hotswap"))).toBe(false);
      expect(existsSync(join(build.layersDir, "reloadable_watchexec", "launch.toml"))).toBe(false);
    });
  });

  it("a packed JAR: hot swap is off, and the build says why", async () => {
    const dir = java.tempDir("packed");
    execFileSync("jar", ["--create", "--file", join(dir, "app.jar"), "--manifest", join(app, "META-INF", "MANIFEST.MF"), "-C", app, "app"]);
    await withBuild({ app: dir, env: { BP_LIVE_RELOAD_ENABLED: "true" }, order: [fixtureBuildpack("jvm-provider"), reloadable({ descriptor: local.descriptor })] }, async (build) => {
      const result = await build.build();
      assertBuilt(result);
      expect(result.log).toMatch(/BP_LIVE_RELOAD_JVM_HOTSWAP\s+auto \(off\)\s+auto/);
      expect(result.log).toContain("Hot swap is off: app.jar is a packed JAR, whose classes cannot be synced one by one");
      expect(result.log).not.toContain("-javaagent");
      expect(result.processes.find((p) => p.type === "web")?.command).toContain("--restart");
    });
  });
});
