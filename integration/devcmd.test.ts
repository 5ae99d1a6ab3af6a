// Issue 14: dev commands (Procfile.dev) and restart by path (BP_LIVE_RELOAD_RESTART_ON), on the
// real lifecycle, launcher, Paketo node-start and watchexec 2.5.1, with the real nodemon from the
// npm registry and a native app built by gcc that reloads its own shared library.
import { execFileSync, spawn } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseReloadConfig, RESTART_ON } from "../src/reload/config.ts";
import { watchexecCommand } from "../src/reload/processes.ts";
import { DEPENDENCY_MANIFESTS } from "../src/reload/restart-on.ts";
import {
  assertBuilt,
  fixtureBuildpack,
  freePort,
  npmInstalledCopy,
  reloadable,
  repoRoot,
  scratchRoot,
  tool,
  waitForBody,
  watchedCommand,
  withBuild,
  type BuildpackEntry,
  type CnbBuild,
  type FileContent,
  type RunningProcess,
} from "./harness/index.ts";
import { useLocalWatchexec } from "./harness/hooks.ts";
import { fixturesDir } from "./harness/paths.ts";
import { paketo } from "./harness/paketo.ts";

const local = useLocalWatchexec();
const RESTARTS = /\[reloadable\] restart:/g;
const settle = (ms = 800) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// The filter rule, on the real watchexec binary

/**
 * Which of `changed` (paths relative to the app dir) watchexec 2.5.1 lets through, given the
 * watch flags Reloadable writes for a process restarted by `globs` whose working dir is
 * `workingDir`. watchexec runs with --only-emit-events and prints each event that passed its
 * filters; the files and their dirs exist before it starts, so each change is a modify event.
 */
async function passed(globs: readonly string[] | undefined, changed: readonly string[], workingDir: string, keepOrigin = true): Promise<string[]> {
  const app = mkdtempSync(join(scratchRoot(), "reloadable-filter-"));
  try {
    for (const path of [...changed, "sub/.keep"]) {
      mkdirSync(dirname(join(app, path)), { recursive: true });
      writeFileSync(join(app, path), "before\n");
    }
    const config = parseReloadConfig({}, app, { debounce: "10ms", stopTimeout: "1s", quietPeriod: "0ms" });
    const command = watchexecCommand({ config, appDir: app, restartOn: globs }, ["true"], undefined);
    const flags = command.slice(2, command.indexOf("--"));
    const kept: string[] = [];
    for (let i = 0; i < flags.length; i++) {
      if (["--watch", "--ignore", "--filter"].includes(flags[i]!)) kept.push(flags[i]!, flags[++i]!);
      else if (flags[i]!.startsWith("--project-origin=") && keepOrigin) kept.push(flags[i]!);
    }
    const watchexec = spawn(tool("watchexec"), ["--only-emit-events", "--emit-events-to=json-stdio", "--debounce=10ms", ...kept], { cwd: join(app, workingDir), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let errors = "";
    watchexec.stdout.on("data", (c: Buffer) => (output += c.toString()));
    watchexec.stderr.on("data", (c: Buffer) => (errors += c.toString()));
    const exited = new Promise((resolve) => watchexec.on("exit", resolve));
    try {
      await settle(500);
      for (const path of changed) {
        appendFileSync(join(app, path), "after\n");
        await settle(20);
      }
      await settle(500);
    } finally {
      watchexec.kill("SIGTERM");
      await exited;
    }
    expect(errors).toBe("");
    const paths = output
      .split("\n")
      .filter((line) => line.trim() !== "")
      .flatMap((line) => (JSON.parse(line) as { tags: { kind: string; absolute?: string }[] }).tags.filter((t) => t.kind === "path").map((t) => t.absolute!));
    return [...new Set(paths.map((p) => p.slice(app.length + 1)))].sort();
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
}

describe("BP_LIVE_RELOAD_RESTART_ON: the rule, on the real watchexec 2.5.1", () => {
  const manifestsAndOthers = [
    "package.json",
    "sub/package.json",
    "node_modules/left-pad/package.json",
    "requirements-dev.txt",
    "requirements.txt",
    "sub/requirements.txt",
    "go.mod",
    "settings.gradle.kts",
    "Cargo.lock",
    "src/app.js",
    "app.log",
  ];

  it.each<[string, readonly string[] | undefined, string[], string[]]>([
    [
      "the dependency manifests: the app dir's own, not a dependency's or a subproject's",
      DEPENDENCY_MANIFESTS,
      manifestsAndOthers,
      ["Cargo.lock", "go.mod", "package.json", "requirements-dev.txt", "requirements.txt", "settings.gradle.kts"],
    ],
    ["a file at the top: not one of that name deeper", ["server"], ["server", "lib/server", "libanswer.so", "server.c"], ["server"]],
    ["a dir: everything in it", ["src"], ["src/a.js", "src/deep/b.js", "srcx/a.js", "a.js"], ["src/a.js", "src/deep/b.js"]],
    ["dir/**", ["src/**"], ["src/a.js", "src/deep/b.js", "srcx/a.js"], ["src/a.js", "src/deep/b.js"]],
    ["* stays within one dir", ["config/*.yml"], ["config/a.yml", "config/deep/b.yml", "a.yml"], ["config/a.yml"]],
    ["**/ matches at any depth", ["**/package.json"], ["package.json", "sub/package.json", "a/b/package.json", "package.json.bak"], ["a/b/package.json", "package.json", "sub/package.json"]],
    ["the ignores win over a match (** is every path they leave)", ["**"], ["a.js", "app.log", "src/b.js", "tmp/x"], ["a.js", "src/b.js"]],
    ["unset: every change", undefined, ["a.js", "package.json", "src/b.js", "app.log"], ["a.js", "package.json", "src/b.js"]],
  ])("%s", async (_, globs, changed, expected) => {
    // A process whose working dir is not the app dir: the anchoring must not depend on it.
    expect(await passed(globs, changed, "sub")).toEqual(expected);
  });

  it("without --project-origin, watchexec 2.5.1 anchors at the working dir: a process working in sub/ would restart on sub/package.json, not the app dir's", async () => {
    expect(await passed(["package.json"], ["package.json", "sub/package.json"], "sub", false)).toEqual(["sub/package.json"]);
    expect(await passed(["package.json"], ["package.json", "sub/package.json"], "sub")).toEqual(["package.json"]);
  });
});

// ---------------------------------------------------------------------------------------------
// examples/node-dev: nodemon as the dev command, with Paketo node-start

const nodeDevExample = join(repoRoot, "examples", "node-dev");
/** A line node prints at each start: its pid and its parent's (nodemon). */
const NODE_STARTED = /app started pid=(\d+) ppid=(\d+)/g;

function starts(app: RunningProcess): { pid: string; ppid: string }[] {
  return [...app.log.matchAll(NODE_STARTED)].map((m) => ({ pid: m[1]!, ppid: m[2]! }));
}

const greeting = (text: string): Record<string, FileContent> => ({ "greeting.js": `exports.greeting = ${JSON.stringify(text)};\n` });

describe("examples/node-dev: Procfile.dev runs nodemon (the real npm package)", () => {
  let app: string;
  beforeAll(async () => {
    app = await npmInstalledCopy(nodeDevExample);
  }, 300_000);
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  /** Paketo node-start (web = its watchexec wrapper of `node server.js`, no-reload = the original) with the node-engine stand-in. */
  const order = (): BuildpackEntry[] => [
    fixtureBuildpack("node-engine"),
    paketo("watchexec", { dependencies: [{ id: "watchexec", uri: local.server.url(local.watchexec.name), sha256: local.watchexec.sha256 }] }),
    paketo("node-start"),
    reloadable({ descriptor: local.descriptor }),
  ];

  async function started(build: CnbBuild): Promise<{ app: RunningProcess; url: string }> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const proc = await build.launch("web", { PORT: String(port) });
    expect((await waitForBody(url)).body).toBe("Hello from a dev command\n");
    return { app: proc, url };
  }

  it("a source sync is reloaded by nodemon with no restart by watchexec; a package.json sync restarts once", async () => {
    await withBuild({ app, env: { BP_LIVE_RELOAD_ENABLED: "true" }, order: order() }, async (build) => {
      const result = await build.build();
      assertBuilt(result);
      const web = result.processes.find((p) => p.type === "web")!;
      expect(watchedCommand(web)).toEqual(["node_modules/.bin/nodemon", "server.js"]);
      expect(web.command).toContain(`--project-origin=${build.appDir}`);
      expect(web.command.filter((w, i) => web.command[i - 1] === "--filter")).toContain("/package.json");
      // Paketo's no-reload keeps the original; no web-no-reload is added.
      expect(result.processes.find((p) => p.type === "no-reload")?.command).toEqual(["node"]);
      expect(result.processes.find((p) => p.type === "no-reload")?.args).toEqual(["server.js"]);
      expect(result.processes.map((p) => p.type)).not.toContain("web-no-reload");
      expect(result.log).toMatch(/BP_LIVE_RELOAD_PROCFILE\s+Procfile\.dev\s/);
      expect(result.log).toMatch(new RegExp(`BP_LIVE_RELOAD_RESTART_ON\\s+${DEPENDENCY_MANIFESTS.join(",").replaceAll(".", "\\.").replaceAll("*", "\\*")}\\s`));
      expect(result.log).toContain("Dev commands from Procfile.dev: web");
      expect(result.log).toContain("web runs: node_modules/.bin/nodemon server.js (the original stays as no-reload)");

      const { app: proc, url } = await started(build);
      const [first] = starts(proc);

      // Sources: nodemon restarts node; watchexec restarts nothing, nodemon keeps its pid.
      await build.sync({ ...greeting("Hello after a source sync"), "views/index.js": "module.exports = 1;\n" });
      expect((await waitForBody(url, (b) => b === "Hello after a source sync\n")).body).toBe("Hello after a source sync\n");
      await settle();
      expect(proc.count(RESTARTS), proc.log).toBe(0);
      // nodemon restarted node (once per change it saw: a file in a new dir may come second),
      // and nodemon itself kept running.
      expect(proc.count(/\[nodemon\] restarting due to changes/g)).toBeGreaterThanOrEqual(1);
      const afterSources = starts(proc);
      expect(afterSources.length).toBeGreaterThanOrEqual(2);
      expect(new Set(afterSources.map((s) => s.ppid))).toEqual(new Set([first!.ppid]));

      // A dependency manifest: watchexec restarts nodemon (and so node) once; nodemon itself
      // leaves package.json alone (nodemon.json: ext js,mjs,cjs).
      const manifest = JSON.parse(readFileSync(join(app, "package.json"), "utf8")) as Record<string, unknown>;
      await build.sync({ "package.json": `${JSON.stringify({ ...manifest, version: "1.0.1" }, null, 2)}\n` });
      await proc.waitFor(RESTARTS);
      await waitForBody(url);
      await settle();
      expect(proc.count(RESTARTS)).toBe(1);
      expect(proc.log).toContain("[reloadable] restart: 1 change: package.json");
      const afterManifest = starts(proc);
      // One new node, under a new nodemon.
      expect(afterManifest).toHaveLength(afterSources.length + 1);
      expect(afterManifest.at(-1)!.ppid).not.toBe(first!.ppid);

      // The new nodemon watches the sources as the first did.
      await build.sync(greeting("Hello again"));
      expect((await waitForBody(url, (b) => b === "Hello again\n")).body).toBe("Hello again\n");
      await settle();
      expect(proc.count(RESTARTS)).toBe(1);
      expect(starts(proc).at(-1)!.ppid).toBe(afterManifest.at(-1)!.ppid);

      const stopped = await proc.stop();
      expect(stopped.leftovers).toEqual([]);
    });
  });

  it("trigger mode: sources are still nodemon's; the trigger restarts the dev command once", async () => {
    await withBuild({ app, env: { BP_LIVE_RELOAD_ENABLED: "true", BP_LIVE_RELOAD_TRIGGER: "true" }, order: order() }, async (build) => {
      const result = await build.build();
      assertBuilt(result);
      expect(watchedCommand(result.processes.find((p) => p.type === "web")!)).toEqual(["node_modules/.bin/nodemon", "server.js"]);
      expect(result.log).toMatch(/BP_LIVE_RELOAD_RESTART_ON\s{2,}\s*\S/); // the row is there...
      expect(result.log).not.toMatch(/BP_LIVE_RELOAD_RESTART_ON\s+package\.json/); // ...with no manifests: the app dir is not watched
      expect(result.log).toContain("Trigger mode: each trigger restarts the dev command");
      const { app: proc, url } = await started(build);
      const [first] = starts(proc);

      await build.sync(greeting("Hello, no trigger"));
      await waitForBody(url, (b) => b === "Hello, no trigger\n");
      await settle();
      expect(proc.count(RESTARTS)).toBe(0);

      const wrote = await build.runAsAppUser("sh", ["-c", `date > ${join(build.layersDir, "reloadable_watchexec", "trigger", "sync")}`]);
      expect(wrote.code).toBe(0);
      await proc.waitFor(RESTARTS);
      await waitForBody(url);
      await settle();
      expect(proc.count(RESTARTS)).toBe(1);
      expect(starts(proc).at(-1)!.ppid).not.toBe(first!.ppid);
      await proc.stop();
    });
  });
});

// ---------------------------------------------------------------------------------------------
// A native app that reloads its own shared library; only a new main binary restarts it

const cDylib = join(fixturesDir, "apps", "c-dylib");
const compiledFiles = new Map<string, Buffer>();

/** gcc output for `source` with one -D definition, cached per definition. */
function compiled(source: string, define: string, shared: boolean): FileContent {
  const key = `${source} ${define}`;
  if (!compiledFiles.has(key)) {
    const dir = mkdtempSync(join(scratchRoot(), "reloadable-cc-"));
    const out = join(dir, "out");
    execFileSync("gcc", ["-O1", "-Wall", "-Werror", ...(shared ? ["-shared", "-fPIC"] : []), `-D${define}`, "-o", out, join(cDylib, source)]);
    compiledFiles.set(key, readFileSync(out));
    rmSync(dir, { recursive: true, force: true });
  }
  return { content: compiledFiles.get(key)!, mode: 0o755 };
}
const mainBinary = (version: string) => ({ server: compiled("server.c", `MAIN="${version}"`, false) });
const library = (answer: string) => ({ "libanswer.so": compiled("answer.c", `ANSWER="${answer}"`, true) });
const APP_STARTED = /app started pid=/g;

describe("a native app that reloads its own library (C, dlopen of a private copy)", () => {
  const appFiles = () => ({ Procfile: readFileSync(join(cDylib, "Procfile"), "utf8"), ...mainBinary("main v1"), ...library("answer v1") });

  it("BP_LIVE_RELOAD_RESTART_ON=server: a new library with no restart, a new main binary restarts once through reloadable-exec", async () => {
    await withBuild({ app: appFiles(), env: { BP_LIVE_RELOAD_ENABLED: "true", [RESTART_ON]: "server" }, order: [reloadable({ descriptor: local.descriptor })] }, async (build) => {
      const result = await build.build();
      assertBuilt(result);
      const web = result.processes.find((p) => p.type === "web")!;
      expect(watchedCommand(web)).toEqual(["reloadable-exec", "./server"]);
      expect(web.command.filter((w, i) => web.command[i - 1] === "--filter")).toEqual(["/server", "/server/**"]);
      expect(result.log).toContain(`Restart by path (${RESTART_ON}): web restarts only on changes to server; other changes are left to the app`);
      const port = await freePort();
      const url = `http://127.0.0.1:${port}/`;
      const app = await build.launch("web", { PORT: String(port) });
      expect((await waitForBody(url)).body).toBe("main v1 answer v1");

      for (const answer of ["answer v2", "answer v3"]) {
        await build.sync(library(answer));
        expect((await waitForBody(url, (b) => b === `main v1 ${answer}`)).body).toBe(`main v1 ${answer}`);
      }
      await settle();
      expect(app.count(RESTARTS)).toBe(0);
      expect(app.count(APP_STARTED)).toBe(1);
      expect(app.count(/library loaded: /g)).toBe(3);

      // A new main binary (tar replaces the running file: no "Text file busy") restarts once, and
      // the new process loads the current library.
      await build.sync(mainBinary("main v2"));
      expect((await waitForBody(url, (b) => b === "main v2 answer v3")).body).toBe("main v2 answer v3");
      await settle();
      expect(app.count(RESTARTS)).toBe(1);
      expect(app.log).toContain("[reloadable] restart: 1 change: server");
      expect(app.count(APP_STARTED)).toBe(2);
      expect(app.log).not.toContain("Text file busy");

      // Both in one sync: one restart, after the sync, naming only the path that restarts.
      await build.sync({ ...library("answer v4"), ...mainBinary("main v3") });
      expect((await waitForBody(url, (b) => b === "main v3 answer v4")).body).toBe("main v3 answer v4");
      await settle();
      expect(app.count(RESTARTS)).toBe(2);
      expect(app.count(/\[reloadable\] restart: 1 change: server\n/g)).toBe(2);
      expect(app.count(APP_STARTED)).toBe(3);
      expect((await app.stop()).leftovers).toEqual([]);
    });
  });

  it("without BP_LIVE_RELOAD_RESTART_ON the same library sync restarts the app (what the setting saves)", async () => {
    await withBuild({ app: appFiles(), env: { BP_LIVE_RELOAD_ENABLED: "true" }, order: [reloadable({ descriptor: local.descriptor })] }, async (build) => {
      assertBuilt(await build.build());
      const port = await freePort();
      const url = `http://127.0.0.1:${port}/`;
      const app = await build.launch("web", { PORT: String(port) });
      await waitForBody(url);
      await build.sync(library("answer v2"));
      await app.waitFor(RESTARTS);
      await waitForBody(url, (b) => b === "main v1 answer v2");
      await settle();
      expect(app.count(APP_STARTED)).toBe(2);
      await app.stop();
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Bad input fails the build, naming the input, the value and the fix

describe("bad dev commands and restart paths fail the build", () => {
  const python = join(fixturesDir, "apps", "python-web");
  const order = () => [fixtureBuildpack("python"), reloadable({ descriptor: local.descriptor })];
  const withFiles = (files: Record<string, string>) => ({ ...Object.fromEntries(["server.py", "worker.py", "message.txt"].map((f) => [f, readFileSync(join(python, f), "utf8")])), ...files });

  it.each<[string, Record<string, string>, Record<string, string>, string]>([
    ["a type that exists only in Procfile.dev", { "Procfile.dev": "web: python3 -X dev server.py\napi: python3 api.py\n" }, {}, 'Procfile.dev names "api", which is not a process type of this build; known types: web, worker'],
    ["BP_LIVE_RELOAD_PROCFILE set but missing", {}, { BP_LIVE_RELOAD_PROCFILE: "Procfile.local" }, 'BP_LIVE_RELOAD_PROCFILE="Procfile.local" names Procfile.local, which does not exist in the app dir'],
    ["a malformed Procfile.dev", { "Procfile.dev": "web python3 server.py\n" }, {}, 'Procfile.dev line 1 is not "<type>: <command>": "web python3 server.py"'],
    ["a restart path outside the app dir", {}, { [RESTART_ON]: "../etc/passwd" }, `${RESTART_ON}="../etc/passwd" has "../etc/passwd", which leaves the app dir ("..")`],
    ["a restart path in trigger mode", {}, { [RESTART_ON]: "requirements.txt", BP_LIVE_RELOAD_TRIGGER: "true" }, `${RESTART_ON}="requirements.txt" is set in trigger mode (BP_LIVE_RELOAD_TRIGGER=true)`],
  ])("%s", async (_, files, env, message) => {
    await withBuild({ app: withFiles(files), env: { BP_LIVE_RELOAD_ENABLED: "true", ...env }, order: order() }, async (build) => {
      const result = await build.build();
      expect(result.success).toBe(false);
      expect(result.log).toContain(message);
      // Nothing of this buildpack's was written: no layer, no launch.toml.
      expect(readdirSync(join(build.layersDir, "reloadable_watchexec"))).toEqual([]);
    });
  });
});
