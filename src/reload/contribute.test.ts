import { access, lstat, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import TOML from "@iarna/toml";
import { describe, expect, it } from "vitest";
import type { Process } from "../cnb/types.ts";
import { ConfigurationError } from "../errors.ts";
import type { Logger } from "../output.ts";
import { type TreeEntry, testdirsRemovedAfterEach } from "../testing/testdir.ts";
import { DEV_PROCFILE, parseReloadConfig, PROCESSES, RESTART_ON, TRIGGER, type RawReloadSettings } from "./config.ts";
import { DevProcfileError, readDevProcfile } from "./dev-procfile.ts";
import { DEPENDENCY_MANIFESTS } from "./restart-on.ts";
import { contributeReloadableProcesses, planReloadableProcesses, formatCommand } from "./contribute.ts";
import { ProcessError, watchexecCommand } from "./processes.ts";

const ID = "reloadable/watchexec";
const DEFAULTS = { debounce: "50ms", stopTimeout: "5s", quietPeriod: "1500ms" };

type Line = [kind: keyof Logger, text: string];

function recordingLogger(): Logger & { lines: Line[]; text(kind?: keyof Logger): string[] } {
  const lines: Line[] = [];
  return {
    lines,
    text: (kind) => lines.filter(([k]) => kind === undefined || k === kind).map(([, t]) => t),
    title: (name, version, homepage) => lines.push(["title", `${name} ${version} ${homepage}`]),
    header: (text) => lines.push(["header", text]),
    detail: (text) => lines.push(["detail", text]),
    subDetail: (text) => lines.push(["subDetail", text]),
    warn: (text) => lines.push(["warn", text]),
    blank: () => lines.push(["blank", ""]),
  };
}

const tempdir = testdirsRemovedAfterEach();

const GROUP = '[[group]]\nid = "a/one"\nversion = "1"\n[[group]]\nid = "b/two"\nversion = "1"\n[[group]]\nid = "reloadable/watchexec"\nversion = "0.1.0"\n';
const A_LAUNCH = '[[processes]]\ntype = "web"\ncommand = ["node", "server.js"]\nargs = ["--port", "8080"]\ndefault = true\n';
const B_LAUNCH = '[[processes]]\ntype = "worker"\ncommand = ["node", "worker.js"]\n';

/** Paketo node-start 2.6.29 (Buildpack API 0.7) with BP_LIVE_RELOAD_ENABLED, before Reloadable. */
const NODE_START_GROUP =
  '[[group]]\nid = "paketo-buildpacks/watchexec"\nversion = "3.9.7"\napi = "0.7"\n[[group]]\nid = "paketo-buildpacks/node-start"\nversion = "2.6.29"\napi = "0.7"\n[[group]]\nid = "reloadable/watchexec"\nversion = "0.1.0"\napi = "0.10"\n';
const NODE_START_LAUNCH =
  '[[processes]]\ntype = "web"\ncommand = "watchexec"\nargs = ["--restart", "--watch", "/workspace", "--shell", "none", "--", "node", "server.js"]\ndirect = true\ndefault = true\n' +
  '[[processes]]\ntype = "no-reload"\ncommand = "node"\nargs = ["server.js"]\ndirect = true\ndefault = false\n';

/** The static helper binary of the buildpack: only copied here, so any bytes do. */
const HELPER = { "buildpack/bin/reloadable-helper": { content: "#!/bin/sh\n", mode: 0o755 } };

async function setup(tree: Record<string, TreeEntry>, raw: RawReloadSettings = {}) {
  const dir = await tempdir({ "app/": "", "layers/reloadable_watchexec/": "", ...HELPER, ...tree });
  const appDir = dir.join("app");
  const layersDir = dir.join("layers", "reloadable_watchexec");
  const logger = recordingLogger();
  const config = parseReloadConfig(raw, appDir, DEFAULTS);
  const buildpackDir = dir.join("buildpack");
  const devProcfile = await readDevProcfile(raw[DEV_PROCFILE], appDir);
  const input = { appDir, buildpackDir, layersDir, buildpackId: ID, config, logger, devProcfile };
  const run = async () => contributeReloadableProcesses(await planReloadableProcesses(input), input);
  const launchToml = async () => JSON.parse(JSON.stringify(TOML.parse(await readFile(join(layersDir, "launch.toml"), "utf8")))) as { processes: Process[] };
  const helpers = async () => (await readdir(join(layersDir, "helpers", "bin")).catch(() => [] as string[])).sort();
  const wrap = (argv: string[], workingDir?: string) => watchexecCommand({ config, appDir }, argv, workingDir);
  return { dir, appDir, layersDir, logger, config, run, launchToml, helpers, wrap };
}

/**
 * The utility process declared whenever something was made reloadable: sync tools run `tar` by
 * bare name, and the image's PATH starts with the launcher's process links.
 */
const TAR_PROCESS: Process = { type: "tar", command: ["reloadable-tar"], args: [], default: false };

/** What a reloadable process runs: the words after watchexec's `--`, past reloadable-settle. */
function runs(command: readonly string[]): string[] {
  const run = command.slice(command.indexOf("--") + 1);
  return run[0] === "reloadable-settle" ? run.slice(2) : run;
}

/** The lines printed under "Assigning launch processes:". */
function assigned(logger: ReturnType<typeof recordingLogger>): string[] {
  const start = logger.lines.findIndex(([kind, text]) => kind === "header" && text === "Assigning launch processes:");
  expect(start).toBeGreaterThanOrEqual(0);
  return logger.lines.slice(start + 1).filter(([kind]) => kind === "detail").map(([, text]) => text);
}

describe("contributeReloadableProcesses", () => {
  it("with processes of earlier buildpacks: wraps web only and declares only what it changed", async () => {
    const t = await setup({ "layers/group.toml": GROUP, "layers/a_one/launch.toml": A_LAUNCH, "layers/b_two/launch.toml": B_LAUNCH, "app/server.js": { content: "", mode: 0o644 } });
    const declared = await t.run();
    expect(declared).toEqual([
      { type: "web", command: t.wrap(["node", "server.js"]), args: ["--port", "8080"], default: true },
      { type: "web-no-reload", command: ["node", "server.js"], args: ["--port", "8080"], default: false },
      TAR_PROCESS,
    ]);
    expect(await t.launchToml()).toEqual({ processes: declared });
    expect(t.logger.text("header")[0]).toBe("Reloadable processes");
    expect(t.logger.text("detail")).toContain("Processes declared by a/one, b/two");
    expect(t.logger.text("warn")).toEqual([]);
    expect(((await lstat(t.dir.join("app", "server.js"))).mode & 0o777).toString(8)).toBe("664");
    expect(await t.helpers()).toEqual(expect.arrayContaining(["reloadable-exec", "reloadable-helper", "reloadable-init", "reloadable-tar"]));
    expect(await t.helpers()).not.toContain("reloadable-shell");

    const lines = assigned(t.logger);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(`web (default): ${formatCommand([...declared[0]!.command, "--port", "8080"])}`);
    expect(lines[0]).toMatch(/^web \(default\): reloadable-init watchexec .*--watch \S+\/app --ignore /);
    expect(runs(declared[0]!.command)).toEqual(["node", "server.js"]);
    expect(lines[1]).toBe("worker: node worker.js");
    expect(lines[2]).toBe("web-no-reload: node server.js --port 8080");
    expect(lines[3]).toBe("tar: reloadable-tar");
  });

  it("Paketo node-start: web is Reloadable's with one watcher, Paketo's no-reload is its original", async () => {
    const t = await setup({ "layers/group.toml": NODE_START_GROUP, "layers/paketo-buildpacks_node-start/launch.toml": NODE_START_LAUNCH });
    const declared = await t.run();
    expect(declared).toEqual([{ type: "web", command: t.wrap(["node", "server.js"]).map((w) => (w === t.appDir ? "/workspace" : w)), args: [], default: true }, TAR_PROCESS]);
    expect(t.logger.text("detail")).toEqual(expect.arrayContaining(["Processes declared by paketo-buildpacks/node-start", expect.stringMatching(/^web: replaced the watchexec wrapper of paketo-buildpacks\/node-start/)]));
    expect(assigned(t.logger)).toEqual([`web (default): ${formatCommand(declared[0]!.command)}`, "no-reload: node server.js", "tar: reloadable-tar"]);
    expect(runs(declared[0]!.command)).toEqual(["node", "server.js"]);
    await expect(readdir(t.layersDir)).resolves.not.toContain("no-reload-env-01");
  });

  it("with only a Procfile: declares every process; shell syntax runs through reloadable-shell", async () => {
    const t = await setup({ "app/Procfile": "web: python3 app.py\nworker: celery worker --concurrency=$N\n" });
    const declared = await t.run();
    expect(declared).toEqual([
      { type: "web", command: t.wrap(["python3", "app.py"]), args: [], default: true },
      { type: "web-no-reload", command: ["python3", "app.py"], args: [], default: false },
      { type: "worker", command: ["reloadable-shell", "worker", "celery worker --concurrency=$N"], args: [], default: false },
      TAR_PROCESS,
    ]);
    expect(await t.launchToml()).toEqual({ processes: declared });
    expect(t.logger.text("detail")).toEqual(expect.arrayContaining([expect.stringContaining("group.toml is not readable"), "Processes from Procfile"]));
    expect(await t.helpers()).toEqual(expect.arrayContaining(["reloadable-exec", "reloadable-helper", "reloadable-init", "reloadable-shell"]));
    const lines = assigned(t.logger);
    expect(lines).toEqual([
      `web (default): ${formatCommand(declared[0]!.command)}`,
      "web-no-reload: python3 app.py",
      "worker: reloadable-shell worker 'celery worker --concurrency=$N'",
      "tar: reloadable-tar",
    ]);
  });

  it("a Procfile web with shell syntax: reloadable-shell web '<cmd>' in web and web-no-reload, an executable profile shell", async () => {
    const t = await setup({ "app/Procfile": "web: node server.js --port $PORT\n" });
    const declared = await t.run();
    expect(declared).toEqual([
      { type: "web", command: t.wrap(["reloadable-shell", "web", "node server.js --port $PORT"]), args: [], default: true },
      { type: "web-no-reload", command: ["reloadable-shell", "web", "node server.js --port $PORT"], args: [], default: false },
      TAR_PROCESS,
    ]);
    const shell = join(t.layersDir, "helpers", "bin", "reloadable-shell");
    expect((await stat(shell)).mode & 0o111).toBe(0o111);
    expect(await readFile(shell, "utf8")).toMatch(/^#!\/bin\/bash\n/);
    expect(t.logger.text("detail")).toContain("Processes declared with direct = false keep the app's .profile and the profile scripts (through reloadable-shell)");
  });

  // A Procfile process that is not made reloadable but needs a shell is declared as
  // `reloadable-shell worker '...'`: the image must have reloadable-shell even when no process
  // was made reloadable, or that process fails at launch ("reloadable-shell: not found").
  it("a shell process declared while nothing was made reloadable still gets reloadable-shell", async () => {
    const t = await setup({ "app/Procfile": "worker: ./w --n=$N\nclock: ./c\n" });
    const declared = await t.run();
    expect(declared.map((p) => p.command[0])).toEqual(["reloadable-shell", "./c"]);
    expect(await t.helpers()).toContain("reloadable-shell");
  });

  it("earlier buildpacks that declared nothing fall back to the Procfile", async () => {
    const t = await setup({ "layers/group.toml": GROUP, "app/Procfile": "worker: ./run\n" });
    const declared = await t.run();
    expect(t.logger.text("detail")).toEqual(expect.arrayContaining(["No earlier buildpack declared processes", "Processes from Procfile"]));
    expect(declared.map((p) => [p.type, p.default])).toEqual([
      ["worker", true],
      ["worker-no-reload", false],
      ["tar", false],
    ]);
  });

  it.each<[string, Record<string, TreeEntry>]>([
    ["no group.toml and no Procfile", {}],
    ["earlier buildpacks without processes and no Procfile", { "layers/group.toml": GROUP }],
  ])("with nothing (%s): warns and writes no launch.toml", async (_name, tree) => {
    const t = await setup(tree);
    expect(await t.run()).toEqual([]);
    const warnings = t.logger.text("warn");
    expect(warnings).toHaveLength(1);
    for (const part of ["nothing was made reloadable", "LAST", "Procfile", PROCESSES]) expect(warnings[0]).toContain(part);
    await expect(access(join(t.layersDir, "launch.toml"))).rejects.toMatchObject({ code: "ENOENT" });
    expect(await t.helpers()).toEqual([]);
    expect(t.logger.text("header")).not.toContain("Assigning launch processes:");
  });

  it("with nothing and named processes: a ConfigurationError naming the unknown types", async () => {
    const t = await setup({}, { [PROCESSES]: "web" });
    await expect(t.run()).rejects.toThrow(ConfigurationError);
    await expect(t.run()).rejects.toThrow(/known types: none/);
  });

  it("no process matched: warns, still writes launch.toml with the Procfile's processes", async () => {
    const t = await setup({ "app/Procfile": "worker: ./w\nclock: ./c\n" });
    const declared = await t.run();
    expect(declared.map((p) => p.type)).toEqual(["worker", "clock"]);
    expect(t.logger.text("warn")).toEqual([expect.stringMatching(/^no process matched .*known types: worker, clock$/)]);
    expect(await t.launchToml()).toEqual({ processes: declared });
  });

  it("signal mode and named processes", async () => {
    const t = await setup(
      { "layers/group.toml": GROUP, "layers/a_one/launch.toml": A_LAUNCH, "layers/b_two/launch.toml": B_LAUNCH },
      { [PROCESSES]: "worker", BP_LIVE_RELOAD_MODE: "signal:hup" },
    );
    const declared = await t.run();
    expect(declared.map((p) => p.type)).toEqual(["worker", "worker-no-reload", "tar"]);
    const lines = assigned(t.logger);
    expect(lines[0]).toBe("web (default): node server.js --port 8080");
    expect(lines[1]).toMatch(/^worker: reloadable-init watchexec --on-busy-update=signal --signal=SIGHUP /);
  });

  // Sync tools run `tar` (Tilt, kubectl cp) and, in trigger mode, `reloadable-trigger` by bare
  // name through docker/kubectl exec; a type of that name that the app already has stays its own.
  it.each<[string, Record<string, TreeEntry>, RawReloadSettings, (layersDir: string) => Process[]]>([
    ["a Procfile: tar runs reloadable-tar", { "app/Procfile": "web: ./server\n" }, {}, () => [TAR_PROCESS]],
    ["a Procfile that has its own tar keeps it", { "app/Procfile": "web: ./server\ntar: ./my-tar\n" }, {}, () => [{ type: "tar", command: ["./my-tar"], args: [], default: false }]],
    [
      "trigger mode: reloadable-trigger writes into the trigger dir",
      { "app/Procfile": "web: ./server\n" },
      { [TRIGGER]: "true" },
      (layersDir) => [TAR_PROCESS, { type: "reloadable-trigger", command: ["reloadable-trigger", join(layersDir, "trigger")], args: [], default: false }],
    ],
    [
      "trigger mode, a Procfile that has its own reloadable-trigger keeps it",
      { "app/Procfile": "web: ./server\nreloadable-trigger: ./mine\n" },
      { [TRIGGER]: "true" },
      () => [{ type: "reloadable-trigger", command: ["./mine"], args: [], default: false }, TAR_PROCESS],
    ],
    ["nothing reloadable (no process matched): no utilities", { "app/Procfile": "worker: ./w\nclock: ./c\n" }, {}, () => []],
    ["nothing reloadable in trigger mode: no utilities", { "app/Procfile": "worker: ./w\nclock: ./c\n" }, { [TRIGGER]: "true" }, () => []],
  ])("utility processes: %s", async (_name, tree, raw, expected) => {
    const t = await setup(tree, raw);
    const declared = await t.run();
    expect(declared.filter((p) => p.type === "tar" || p.type === "reloadable-trigger")).toEqual(expected(t.layersDir));
    expect(await t.launchToml()).toEqual({ processes: declared });
    const utilities = expected(t.layersDir).filter((p) => p.command[0]!.startsWith("reloadable-"));
    for (const p of utilities) expect(await t.helpers()).toContain(p.command[0]);
  });

  it("an earlier buildpack's tar process is kept: not declared again, the image runs it", async () => {
    const t = await setup({ "layers/group.toml": GROUP, "layers/a_one/launch.toml": `${A_LAUNCH}[[processes]]\ntype = "tar"\ncommand = ["/opt/tar"]\n` });
    const declared = await t.run();
    expect(declared.map((p) => p.type)).toEqual(["web", "web-no-reload"]);
    expect(assigned(t.logger).filter((line) => line.startsWith("tar"))).toEqual(["tar: /opt/tar"]);
  });

  it("a native binary of the app dir runs through reloadable-exec in the reloadable process only", async () => {
    const elf = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
    const t = await setup({ "app/Procfile": "web: ./bin/server --port 8080\n", "app/bin/server": elf });
    const declared = await t.run();
    expect(runs(declared[0]!.command)).toEqual(["reloadable-exec", "./bin/server", "--port", "8080"]);
    expect(declared[1]).toEqual({ type: "web-no-reload", command: ["./bin/server", "--port", "8080"], args: [], default: false });
    expect(t.logger.text("detail")).toContain("Native binaries run from a memory copy through reloadable-exec, so syncs can overwrite them: web");
  });

  it("the env that earlier buildpacks set for web alone is kept for web-no-reload", async () => {
    const t = await setup({
      "layers/group.toml": GROUP,
      "layers/a_one/launch.toml": A_LAUNCH,
      "layers/a_one/runtime.toml": "[types]\nlaunch = true\n",
      "layers/a_one/runtime/env.launch/web/NODE_ENV.override": "development",
    });
    await t.run();
    expect(await readFile(join(t.layersDir, "no-reload-env-01", "env.launch", "web-no-reload", "NODE_ENV.override"), "utf8")).toBe("development");
    expect(t.logger.text("detail")).toContain("Process-specific env kept for web-no-reload");
  });

  it.each<[string, string]>([
    ["an unknown watchexec option", '[[processes]]\ntype = "web"\ncommand = "watchexec"\nargs = ["--frobnicate", "--", "node"]\ndirect = true\ndefault = true\n'],
    ["a shell wrapper with shell syntax", '[[processes]]\ntype = "web"\ncommand = "watchexec -r -- sh -c \\"$CMD\\""\ndirect = false\ndefault = true\n'],
  ])("an earlier wrapper it cannot take apart (%s): a ProcessError, nothing written", async (_name, launch) => {
    const t = await setup({ "layers/group.toml": NODE_START_GROUP, "layers/paketo-buildpacks_node-start/launch.toml": launch });
    await expect(t.run()).rejects.toThrow(ProcessError);
    await expect(t.run()).rejects.toThrow(/^Process "web" of paketo-buildpacks\/node-start already runs watchexec/);
    expect(await readdir(t.layersDir)).toEqual([]);
  });

  describe("dev commands", () => {
    it("Procfile.dev: web runs the dev command, restarted only by the manifests; the build log says so", async () => {
      const t = await setup({ "app/Procfile": "web: node server.js\nworker: node worker.js\n", "app/Procfile.dev": "web: node_modules/.bin/nodemon server.js\n" });
      const declared = await t.run();
      expect(declared.map((p) => p.type)).toEqual(["web", "web-no-reload", "worker", "tar"]);
      expect(runs(declared[0]!.command)).toEqual(["node_modules/.bin/nodemon", "server.js"]);
      expect(declared[0]!.command).toContain(`--project-origin=${t.appDir}`);
      expect(declared[1]).toEqual({ type: "web-no-reload", command: ["node", "server.js"], args: [], default: false });
      expect(t.logger.lines).toEqual(
        expect.arrayContaining([
          ["detail", "Dev commands from Procfile.dev: web"],
          ["subDetail", "web runs: node_modules/.bin/nodemon server.js (the original stays as web-no-reload)"],
          ["detail", `Restart by path (${RESTART_ON}): web restarts only on changes to ${DEPENDENCY_MANIFESTS.join(", ")}; other changes are left to the app`],
        ]),
      );
      expect(assigned(t.logger).slice(0, 2)).toEqual([`web (default): ${formatCommand(declared[0]!.command)}`, "web-no-reload: node server.js"]);
    });

    it("Paketo node-start: web runs the dev command, Paketo's no-reload keeps node server.js", async () => {
      const t = await setup({ "layers/group.toml": NODE_START_GROUP, "layers/paketo-buildpacks_node-start/launch.toml": NODE_START_LAUNCH, "app/Procfile.dev": "web: npx nodemon server.js\n" });
      const declared = await t.run();
      expect(declared.map((p) => p.type)).toEqual(["web", "tar"]);
      expect(runs(declared[0]!.command)).toEqual(["npx", "nodemon", "server.js"]);
      expect(t.logger.text("subDetail")).toContain("web runs: npx nodemon server.js (the original stays as no-reload)");
      expect(assigned(t.logger)).toContain("no-reload: node server.js");
    });

    it("BP_LIVE_RELOAD_PROCFILE names another file; a native dev binary runs through reloadable-exec", async () => {
      const elf = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
      const t = await setup({ "app/Procfile": "web: ./server\n", "app/server": elf, "app/dev/server": elf, "app/dev/Procfile": "web: ./dev/server --hot\n" }, { [DEV_PROCFILE]: "dev/Procfile" });
      const declared = await t.run();
      expect(runs(declared[0]!.command)).toEqual(["reloadable-exec", "./dev/server", "--hot"]);
      expect(declared[1]!.command).toEqual(["./server"]);
      expect(t.logger.text("detail")).toContain("Dev commands from dev/Procfile: web");
    });

    it("trigger mode: the dev command runs, the trigger restarts it, and the log says how to leave sources to it", async () => {
      const t = await setup({ "app/Procfile": "web: node server.js\n", "app/Procfile.dev": "web: nodemon server.js\n" }, { [TRIGGER]: "true" });
      const declared = await t.run();
      expect(runs(declared[0]!.command)).toEqual(["nodemon", "server.js"]);
      expect(declared[0]!.command.some((w) => w.startsWith("--project-origin") || w === "--filter")).toBe(false);
      expect(t.logger.text("subDetail")).toContain("Trigger mode: each trigger restarts the dev command; to leave sources to it, write the trigger only when a dependency manifest changes");
      expect(t.logger.text("detail").some((line) => line.startsWith("Restart by path"))).toBe(false);
    });

    it("BP_LIVE_RELOAD_RESTART_ON without a dev command: the app's own command, restarted by those paths only", async () => {
      const t = await setup({ "app/Procfile": "web: ./server\n" }, { [RESTART_ON]: "server" });
      const declared = await t.run();
      expect(runs(declared[0]!.command)).toEqual(["./server"]);
      expect(t.logger.text("detail")).toContain(`Restart by path (${RESTART_ON}): web restarts only on changes to server; other changes are left to the app`);
    });

    it.each<[string, Record<string, TreeEntry>, RegExp]>([
      ["a type only Procfile.dev names", { "app/Procfile": "web: node server.js\n", "app/Procfile.dev": "web: nodemon server.js\napi: nodemon api.js\n" }, /^Procfile\.dev names "api", which is not a process type of this build; known types: web$/],
      ["no process anywhere", { "app/Procfile.dev": "web: nodemon server.js\n" }, /^Procfile\.dev names "web", which is not a process type of this build; known types: none/],
    ])("%s: a DevProcfileError, nothing written", async (_name, tree, message) => {
      const t = await setup(tree);
      const error = await t.run().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DevProcfileError);
      expect((error as Error).message).toMatch(message);
      expect(await readdir(t.layersDir)).toEqual([]);
    });
  });

  it("a malformed Procfile is a ContractError", async () => {
    const t = await setup({ "app/Procfile": "web python3 app.py\n" });
    await expect(t.run()).rejects.toThrow(/Procfile line 1/);
  });
});

describe("formatCommand", () => {
  it.each<[string[], string]>([
    [[], ""],
    [["node", "server.js"], "node server.js"],
    [["--watch=/workspace/src", "a@b%c+d:e,f.g/h-i_j"], "--watch=/workspace/src a@b%c+d:e,f.g/h-i_j"],
    [["echo", "hello world"], "echo 'hello world'"],
    [["echo", ""], "echo ''"],
    [["echo", "it's"], "echo 'it'\\''s'"],
    [["--ignore", "**/*.log"], "--ignore '**/*.log'"],
    [["bash", "-c", "node s.js --port $PORT"], "bash -c 'node s.js --port $PORT'"],
    [["sh", "-c", 'make && exec "$@"'], `sh -c 'make && exec "$@"'`],
    [["a\tb"], "'a\tb'"],
    [["~"], "'~'"],
  ])("%j -> %s", (command, expected) => {
    expect(formatCommand(command)).toBe(expected);
  });
});
