// Issue 4: Reloadable rewrites the processes that earlier buildpacks (or a Procfile) declared,
// verified with the real lifecycle, the real launcher and the real watchexec.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  assertBuilt,
  type BuildpackEntry,
  type CnbBuild,
  type FileContent,
  fixtureBuildpack,
  freePort,
  reloadable,
  waitForBody,
  watchedCommand,
  withBuild,
} from "./harness/index.ts";
import { useLocalWatchexec } from "./harness/hooks.ts";
import { fixturesDir, scratchRoot } from "./harness/paths.ts";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const local = useLocalWatchexec();

interface AppCase {
  name: string;
  /** A fixture app dir, or files. */
  app: () => string | Record<string, FileContent>;
  /** Buildpacks before Reloadable, which goes last. */
  before: BuildpackEntry[];
  /** The original web command, as the language buildpack or the Procfile declared it. */
  webCommand: string[];
  /** The files a sync sends to make the app answer `message` (crash: fail on start). */
  change: (message: string) => Record<string, FileContent>;
}

function filesOf(dir: string): Record<string, FileContent> {
  return Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name))]));
}

const messageFile = (message: string) => ({ "message.txt": `${message}\n` });
const fixtureApp = (name: string) => () => join(fixturesDir, "apps", name);

/** The C fixture, compiled with its message built in: a new response means a new binary. */
const compiled = new Map<string, Buffer>();
function cServer(message: string): FileContent {
  if (!compiled.has(message)) {
    const out = join(mkdtempSync(join(scratchRoot(), "reloadable-cc-")), "server");
    execFileSync("gcc", ["-O1", `-DMESSAGE="${message}"`, "-o", out, join(fixturesDir, "apps", "c-web", "server.c")]);
    compiled.set(message, readFileSync(out));
    rmSync(dirname(out), { recursive: true, force: true });
  }
  return { content: compiled.get(message)!, mode: 0o755 };
}

const apps: AppCase[] = [
  { name: "Python (language buildpack)", app: fixtureApp("python-web"), before: [fixtureBuildpack("python")], webCommand: ["python3", "server.py"], change: messageFile },
  { name: "Node.js (language buildpack)", app: fixtureApp("node-web"), before: [fixtureBuildpack("node")], webCommand: ["node", "server.js"], change: messageFile },
  {
    name: "Procfile only",
    // The Python app's files with a Procfile instead of a language buildpack.
    app: () => ({ ...filesOf(join(fixturesDir, "apps", "python-web")), Procfile: readFileSync(join(fixturesDir, "apps", "procfile-web", "Procfile"), "utf8") }),
    before: [],
    webCommand: ["reloadable-shell", "web", "python3 server.py --port $PORT"],
    change: messageFile,
  },
  {
    name: "C binary (Procfile)",
    app: () => ({ Procfile: "web: ./server\nworker: sleep 3600\n", server: cServer("hello v1") }),
    before: [],
    webCommand: ["./server"],
    change: (message) => ({ server: cServer(message) }),
  },
];

/** 300 files plus the change that matters, as ONE tar stream: what Tilt sends for a big edit. */
function bigSync(c: AppCase, message: string): Record<string, FileContent> {
  const files: Record<string, FileContent> = { ...c.change(message) };
  for (let i = 0; i < 300; i++) files[`static/asset-${i}.txt`] = `asset ${i} ${message}\n`;
  return files;
}

const STARTED = /app started/;
const settle = (ms = 600) => new Promise((r) => setTimeout(r, ms));

async function buildApp(c: AppCase, build: CnbBuild) {
  const result = await build.build();
  assertBuilt(result);
  return result;
}

function orderFor(c: AppCase) {
  return [...c.before, reloadable({ descriptor: local.descriptor })];
}

describe.each(apps)("$name", (c) => {
  const appDir = c.app;

  it("wraps web in watchexec, keeps web-no-reload and the default, leaves worker alone", async () => {
    await withBuild({ app: appDir(), env: { BP_LIVE_RELOAD_ENABLED: "true" }, order: orderFor(c) }, async (build) => {
      const result = await buildApp(c, build);
      const web = result.processes.find((p) => p.type === "web");
      expect(web?.command.slice(0, 5)).toEqual(["reloadable-init", "watchexec", "--restart", "--quiet", "--emit-events-to=file"]);
      const inner = web && watchedCommand(web);
      // Native binaries of the app dir run through reloadable-exec (see "overwritten in place").
      expect(inner).toEqual(c.webCommand[0] === "./server" ? ["reloadable-exec", ...c.webCommand] : c.webCommand);
      expect(web?.["buildpack-id"]).toBe("reloadable/watchexec");
      expect(result.processes.find((p) => p.type === "web-no-reload")?.command).toEqual(c.webCommand);
      expect(result.defaultProcess).toBe("web");
      const worker = result.processes.find((p) => p.type === "worker");
      expect(worker?.command).not.toContain("watchexec");
      expect(result.processes.find((p) => p.type === "worker-no-reload")).toBeUndefined();
      expect(result.log).toMatch(/Assigning launch processes:\n\s+web \(default\): reloadable-init watchexec --restart --quiet --emit-events-to=file --shell=none/);
      // Group-writable for a sync tool running as another user of the group; never world-writable.
      for (const entry of [build.appDir, ...readdirSync(build.appDir).map((f) => join(build.appDir, f))]) {
        const mode = statSync(entry).mode;
        expect(mode & 0o020, entry).toBe(0o020);
        expect(mode & 0o002, entry).toBe(0);
      }
    });
  });

  it("with BP_LIVE_RELOAD_PROCESSES=* wraps worker too", async () => {
    await withBuild({ app: appDir(), env: { BP_LIVE_RELOAD_ENABLED: "true", BP_LIVE_RELOAD_PROCESSES: "*" }, order: orderFor(c) }, async (build) => {
      const result = await buildApp(c, build);
      expect(result.processes.find((p) => p.type === "worker")?.command.slice(0, 2)).toEqual(["reloadable-init", "watchexec"]);
      expect(result.processes.find((p) => p.type === "worker-no-reload")?.command).not.toContain("watchexec");
      expect(result.defaultProcess).toBe("web");
    });
  });

  it("restarts exactly once for a 300-file sync, survives a crashing sync, and stops on SIGTERM", async () => {
    await withBuild({ app: appDir(), env: { BP_LIVE_RELOAD_ENABLED: "true" }, order: orderFor(c) }, async (build) => {
      await buildApp(c, build);
      const port = await freePort();
      const url = `http://127.0.0.1:${port}/`;
      const app = await build.launch("web", { PORT: String(port) });
      expect((await waitForBody(url)).body).toBe("hello v1");

      await build.sync(bigSync(c, "hello v2"));
      expect((await waitForBody(url, (b) => b === "hello v2")).body).toBe("hello v2");
      await settle();
      expect(app.count(STARTED)).toBe(2);

      // A sync that makes the app crash on start: watchexec stays up and waits for the next one.
      await build.sync(c.change("crash"));
      await app.waitFor(/app crashing on start/);
      await settle();
      expect(app.exitStatus).toBeUndefined();
      await build.sync(c.change("hello v3"));
      expect((await waitForBody(url, (b) => b === "hello v3")).body).toBe("hello v3");
      expect(app.count(STARTED)).toBe(3);

      const stopped = await app.stop();
      expect(stopped.ms).toBeLessThan(5_000); // the default BP_LIVE_RELOAD_STOP_TIMEOUT
      expect(stopped.leftovers).toEqual([]);
    });
  });
});

describe("native binaries", () => {
  it("picks up a binary overwritten in place while it runs (no Text file busy)", async () => {
    await withBuild({ app: { Procfile: "web: ./server\n", server: cServer("hello v1") }, env: { BP_LIVE_RELOAD_ENABLED: "true" }, order: [reloadable({ descriptor: local.descriptor })] }, async (build) => {
      const result = await build.build();
      assertBuilt(result);
      expect(result.log).toContain("Native binaries run from a memory copy through reloadable-exec");
      const port = await freePort();
      const url = `http://127.0.0.1:${port}/`;
      const app = await build.launch("web", { PORT: String(port) });
      expect((await waitForBody(url)).body).toBe("hello v1");

      // cp opens the existing file with O_TRUNC and writes into it: an in-place write, which
      // fails with ETXTBSY on a binary that is being executed.
      const stagingDir = mkdtempSync(join(scratchRoot(), "reloadable-cp-"));
      chmodSync(stagingDir, 0o755);
      const staged = join(stagingDir, "server");
      writeFileSync(staged, (cServer("hello v2") as { content: Buffer }).content, { mode: 0o755 });
      const copied = await build.runAsAppUser("cp", [staged, join(build.appDir, "server")]);
      rmSync(stagingDir, { recursive: true, force: true });
      expect(copied.log).toBe("");
      expect(copied.code).toBe(0);
      expect((await waitForBody(url, (b) => b === "hello v2")).body).toBe("hello v2");
      await settle();
      expect(app.log).not.toContain("Text file busy");
      await app.stop();
    });
  });
});

describe("configuration on the real lifecycle", () => {
  const python = () => join(fixturesDir, "apps", "python-web");
  const order = () => [fixtureBuildpack("python"), reloadable({ descriptor: local.descriptor })];

  it("signal mode: the app starts once and receives the signal on change", async () => {
    await withBuild({ app: python(), env: { BP_LIVE_RELOAD_ENABLED: "true", BP_LIVE_RELOAD_MODE: "signal:SIGHUP" }, order: order() }, async (build) => {
      const result = await build.build();
      assertBuilt(result);
      expect(result.processes.find((p) => p.type === "web")?.command).toContain("--signal=SIGHUP");
      const port = await freePort();
      const app = await build.launch("web", { PORT: String(port) });
      await waitForBody(`http://127.0.0.1:${port}/`);
      const pid = /app started pid=(\d+)/.exec(app.log)?.[1];
      await build.sync({ "message.txt": "hello v2\n" });
      await app.waitFor(new RegExp(`app got SIGHUP pid=${pid}`));
      await settle();
      expect(app.count(STARTED)).toBe(1);
      expect((await waitForBody(`http://127.0.0.1:${port}/`)).body).toBe("hello v1"); // same process, same message
      await app.stop();
    });
  });

  it("pre-command runs before each start", async () => {
    await withBuild(
      { app: python(), env: { BP_LIVE_RELOAD_ENABLED: "true", BP_LIVE_RELOAD_PRE_COMMAND: "echo pre-command ran for $(cat message.txt)" }, order: order() },
      async (build) => {
        assertBuilt(await build.build());
        const port = await freePort();
        const url = `http://127.0.0.1:${port}/`;
        const app = await build.launch("web", { PORT: String(port) });
        await waitForBody(url);
        expect(app.log).toMatch(/pre-command ran for hello v1\n(.*\n)*app started/);
        await build.sync({ "message.txt": "hello v2\n" });
        await waitForBody(url, (b) => b === "hello v2");
        expect(app.count(/pre-command ran for hello v2/)).toBe(1);
        await app.stop();
      },
    );
  });

  it("a process name that does not exist is a named error listing the known types", async () => {
    await withBuild({ app: python(), env: { BP_LIVE_RELOAD_ENABLED: "true", BP_LIVE_RELOAD_PROCESSES: "web,wrker" }, order: order() }, async (build) => {
      const result = await build.build();
      expect(result.success).toBe(false);
      expect(result.log).toContain('BP_LIVE_RELOAD_PROCESSES="web,wrker" names "wrker", which is not a process type of this build; known types: web, worker');
    });
  });

  it("warns, and makes nothing reloadable, when no buildpack or Procfile declared a process", async () => {
    await withBuild({ app: { "index.html": "hi" }, env: { BP_LIVE_RELOAD_ENABLED: "true" }, order: [reloadable({ descriptor: local.descriptor })] }, async (build) => {
      const result = await build.build();
      assertBuilt(result);
      expect(result.log).toContain("nothing was made reloadable");
      expect(result.log).toContain("Put reloadable/watchexec LAST");
      expect(result.processes).toEqual([]);
    });
  });

  it("ignores log files the app writes into its own dir by default", async () => {
    await withBuild({ app: python(), env: { BP_LIVE_RELOAD_ENABLED: "true" }, order: order() }, async (build) => {
      assertBuilt(await build.build());
      const port = await freePort();
      const app = await build.launch("web", { PORT: String(port) });
      await waitForBody(`http://127.0.0.1:${port}/`);
      await build.sync({ "app.log": "a log line\n", "logs/today.txt": "x\n", "__pycache__/server.cpython-311.pyc": "x", "server.pid": "1\n" });
      await settle(800);
      expect(app.count(STARTED)).toBe(1);
      await app.stop();
    });
  });
});
