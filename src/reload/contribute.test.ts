import { access, lstat, readFile } from "node:fs/promises";
import TOML from "@iarna/toml";
import { afterEach, describe, expect, it } from "vitest";
import type { Process } from "../cnb/types.ts";
import { ConfigurationError } from "../errors.ts";
import type { Logger } from "../output.ts";
import { testdir, type TestDir, type TreeEntry, testdirsRemovedAfterEach } from "../testing/testdir.ts";
import { parseReloadConfig, PROCESSES, type RawReloadSettings } from "./config.ts";
import { contributeReloadableProcesses, planReloadableProcesses, formatCommand } from "./contribute.ts";
import { watchexecCommand } from "./processes.ts";

const ID = "reloadable/watchexec";
const DEFAULTS = { debounce: "50ms", stopTimeout: "5s" };

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

async function setup(tree: Record<string, TreeEntry>, raw: RawReloadSettings = {}) {
  const dir = await tempdir({ "app/": "", "layers/reloadable_watchexec/": "", ...tree });
  const appDir = dir.join("app");
  const layersDir = dir.join("layers", "reloadable_watchexec");
  const logger = recordingLogger();
  const config = parseReloadConfig(raw, appDir, DEFAULTS);
  const buildpackDir = dir.join("buildpack");
  const input = { appDir, buildpackDir, layersDir, buildpackId: ID, config, logger };
  const run = async () => contributeReloadableProcesses(await planReloadableProcesses(input), input);
  const launchToml = async () => JSON.parse(JSON.stringify(TOML.parse(await readFile(dir.join("layers", "reloadable_watchexec", "launch.toml"), "utf8")))) as { processes: Process[] };
  return { dir, appDir, layersDir, logger, config, run, launchToml };
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
    const web: Process = { type: "web", command: ["node", "server.js"], args: ["--port", "8080"], default: true };
    expect(declared).toEqual([
      { ...web, command: watchexecCommand(t.config, web, t.appDir) },
      { ...web, type: "web-no-reload", default: false },
    ]);
    expect(await t.launchToml()).toEqual({ processes: declared });
    expect(t.logger.text("header")[0]).toBe("Reloadable processes");
    expect(t.logger.text("detail")).toContain("Processes declared by a/one, b/two");
    expect(t.logger.text("warn")).toEqual([]);
    expect(((await lstat(t.dir.join("app", "server.js"))).mode & 0o777).toString(8)).toBe("664");

    const lines = assigned(t.logger);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^web \(default\): watchexec --restart --shell=none --watch \S+\/app --ignore /);
    expect(lines[0]).toMatch(/ -- node server\.js --port 8080$/);
    expect(lines[1]).toBe("worker: node worker.js");
    expect(lines[2]).toBe("web-no-reload: node server.js --port 8080");
  });

  it("with only a Procfile: declares every process, plain ones split", async () => {
    const t = await setup({ "app/Procfile": "web: python3 app.py\nworker: celery worker --concurrency=$N\n" });
    const declared = await t.run();
    expect(declared.map((p) => [p.type, p.default])).toEqual([
      ["web", true],
      ["web-no-reload", false],
      ["worker", false],
    ]);
    expect(declared[1]?.command).toEqual(["python3", "app.py"]);
    expect(declared[2]?.command).toEqual(["bash", "-c", "celery worker --concurrency=$N"]);
    expect(await t.launchToml()).toEqual({ processes: declared });
    expect(t.logger.text("detail")).toEqual(expect.arrayContaining([expect.stringContaining("group.toml is not readable"), "Processes from Procfile"]));
    const lines = assigned(t.logger);
    expect(lines[0]).toMatch(/^web \(default\): watchexec --restart .* -- python3 app\.py$/);
    expect(lines).toEqual([lines[0], "web-no-reload: python3 app.py", "worker: bash -c 'celery worker --concurrency=$N'"]);
  });

  it("earlier buildpacks that declared nothing fall back to the Procfile", async () => {
    const t = await setup({ "layers/group.toml": GROUP, "app/Procfile": "worker: ./run\n" });
    const declared = await t.run();
    expect(t.logger.text("detail")).toEqual(expect.arrayContaining(["No earlier buildpack declared processes", "Processes from Procfile"]));
    expect(declared.map((p) => [p.type, p.default])).toEqual([
      ["worker", true],
      ["worker-no-reload", false],
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
    await expect(access(t.dir.join("layers", "reloadable_watchexec", "launch.toml"))).rejects.toMatchObject({ code: "ENOENT" });
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
    expect(declared.map((p) => p.type)).toEqual(["worker", "worker-no-reload"]);
    const lines = assigned(t.logger);
    expect(lines[0]).toBe("web (default): node server.js --port 8080");
    expect(lines[1]).toMatch(/^worker: watchexec --on-busy-update=signal --signal=SIGHUP /);
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
