import { describe, expect, it } from "vitest";
import type { Process } from "../cnb/types.ts";
import { ConfigurationError } from "../errors.ts";
import { DEFAULT_IGNORES, parseReloadConfig, PROCESSES, type ProcessSelection, type ReloadConfig } from "./config.ts";
import { NO_RELOAD_SUFFIX, PRE_COMMAND_SCRIPT_NAME, rewriteProcesses, selectProcesses, unwrapWatchexec, watchexecCommand } from "./processes.ts";

const APP = "/workspace";

/** The parsed defaults, with one ignore glob to keep commands short. */
function config(overrides: Partial<ReloadConfig> = {}): ReloadConfig {
  return { ...parseReloadConfig({}, APP, { debounce: "50ms", stopTimeout: "5s" }), ignore: ["**/*.log"], ...overrides };
}

function proc(type: string, command: string[], extra: Partial<Process> = {}): Process {
  return { type, command, args: [], default: false, ...extra };
}

/** The value following `flag` (`--flag value`) for every occurrence, up to `--`. */
function flagValues(command: readonly string[], flag: string): string[] {
  const end = command.indexOf("--");
  const flags = command.slice(0, end < 0 ? command.length : end);
  return flags.flatMap((word, i) => (word === flag ? [flags[i + 1]!] : []));
}

function afterSeparator(command: readonly string[]): string[] {
  return command.slice(command.indexOf("--") + 1);
}

describe("selectProcesses", () => {
  const web = proc("web", ["node", "a.js"]);
  const worker = proc("worker", ["node", "w.js"]);
  const defaultWorker = proc("worker", ["node", "w.js"], { default: true });
  const defaultWeb = proc("web", ["node", "a.js"], { default: true });
  const task = proc("task", ["node", "t.js"]);
  const noReload = proc("no-reload", ["node", "a.js"]);
  const webNoReload = proc("web-no-reload", ["node", "a.js"]);

  it.each<[string, Process[], ProcessSelection, string[]]>([
    ["default: web", [web, worker], { kind: "default" }, ["web"]],
    ["default: web and the default process", [web, task, defaultWorker], { kind: "default" }, ["web", "worker"]],
    ["default: web that is the default, once", [defaultWeb, worker], { kind: "default" }, ["web"]],
    ["default: only the default process when there is no web", [task, defaultWorker], { kind: "default" }, ["worker"]],
    ["default: nothing without web or default", [task, worker], { kind: "default" }, []],
    ["default: no processes", [], { kind: "default" }, []],
    ["all: every type in order", [worker, web, task], { kind: "all" }, ["worker", "web", "task"]],
    ["all: excludes no-reload and *-no-reload", [web, noReload, webNoReload, proc("worker-no-reload", ["x"]), worker], { kind: "all" }, ["web", "worker"]],
    ["all: a type merely containing no-reload is kept", [proc("no-reloader", ["x"])], { kind: "all" }, ["no-reloader"]],
    ["named: in the order named", [web, worker, task], { kind: "named", names: ["task", "web"] }, ["task", "web"]],
    ["named: duplicates once", [web, worker], { kind: "named", names: ["web", "web"] }, ["web"]],
    ["named: a no-reload type when asked for", [web, webNoReload], { kind: "named", names: ["web-no-reload"] }, ["web-no-reload"]],
  ])("%s", (_name, processes, selection, expected) => {
    expect(selectProcesses(processes, selection)).toEqual(expected);
  });

  it.each<[string, Process[], string[], RegExp]>([
    ["one unknown", [web, worker], ["api"], /names "api", which is not a process type of this build; known types: web, worker$/],
    ["two unknown", [web, worker], ["web", "api", "jobs"], /names "api", "jobs", which are not a process type of this build; known types: web, worker$/],
    ["no processes at all", [], ["web"], /known types: none$/],
  ])("named: %s -> ConfigurationError listing the known types", (_name, processes, names, message) => {
    let error: unknown;
    try {
      selectProcesses(processes, { kind: "named", names });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).variable).toBe(PROCESSES);
    expect((error as ConfigurationError).value).toBe(names.join(","));
    expect((error as ConfigurationError).message).toMatch(message);
  });
});

describe("unwrapWatchexec", () => {
  it.each<[string, string[], string[]]>([
    ["plain", ["node", "server.js"], ["node", "server.js"]],
    ["empty", [], []],
    ["wrapped once", ["watchexec", "--restart", "--watch", "/workspace", "--", "node", "server.js"], ["node", "server.js"]],
    ["wrapped twice", ["watchexec", "--restart", "--", "watchexec", "--poll=1s", "--", "node", "server.js", "--", "x"], ["node", "server.js", "--", "x"]],
    ["absolute path", ["/layers/x/bin/watchexec", "--restart", "--", "python3", "app.py"], ["python3", "app.py"]],
    ["without -- left alone", ["watchexec", "--restart", "node", "server.js"], ["watchexec", "--restart", "node", "server.js"]],
    ["nothing after --", ["watchexec", "--restart", "--"], []],
    ["another program with a -- arg", ["node", "--", "watchexec", "--", "x"], ["node", "--", "watchexec", "--", "x"]],
    ["a program merely named like watchexec", ["watchexec-wrapper", "--", "x"], ["watchexec-wrapper", "--", "x"]],
  ])("%s", (_name, command, expected) => {
    expect(unwrapWatchexec(command)).toEqual(expected);
  });

  it("returns a copy", () => {
    const command = ["node", "server.js"];
    const result = unwrapWatchexec(command);
    expect(result).not.toBe(command);
  });
});

describe("watchexecCommand", () => {
  const web = proc("web", ["node", "server.js"], { default: true });

  it("restart mode: the full command", () => {
    expect(watchexecCommand(config(), web, APP)).toEqual([
      "watchexec",
      "--restart",
      "--shell=none",
      "--watch",
      "/workspace",
      "--ignore",
      "**/*.log",
      "--debounce=50ms",
      "--stop-signal=SIGTERM",
      "--stop-timeout=5s",
      "--",
      "node",
      "server.js",
    ]);
  });

  it.each<[string, ReloadConfig, string[], string[]]>([
    ["restart", config(), ["--restart", "--stop-signal=SIGTERM"], ["--on-busy-update=signal"]],
    ["restart with SIGINT", config({ stopSignal: "SIGINT" }), ["--restart", "--stop-signal=SIGINT"], ["--stop-signal=SIGTERM"]],
    [
      "signal",
      config({ mode: { kind: "signal", signal: "SIGHUP" } }),
      ["--on-busy-update=signal", "--signal=SIGHUP"],
      ["--restart", "--stop-signal=SIGTERM"],
    ],
    [
      "signal ignores the stop signal",
      config({ mode: { kind: "signal", signal: "SIGUSR1" }, stopSignal: "SIGINT" }),
      ["--on-busy-update=signal", "--signal=SIGUSR1", "--stop-timeout=5s"],
      ["--restart", "--stop-signal=SIGINT"],
    ],
  ])("mode %s: flags", (_name, cfg, present, absent) => {
    const command = watchexecCommand(cfg, web, APP);
    const flags = command.slice(0, command.indexOf("--"));
    for (const flag of present) expect(flags).toContain(flag);
    for (const flag of absent) expect(flags).not.toContain(flag);
    expect(flags.some((f) => f.startsWith("--stop-signal"))).toBe(cfg.mode.kind === "restart");
  });

  it.each<[string, string[], Partial<Process>, string[]]>([
    ["app dir by default", [], {}, ["/workspace"]],
    ["the working dir when set", [], { "working-dir": "/workspace/api" }, ["/workspace/api"]],
    ["the explicit list over the working dir", ["/workspace/src", "/etc/conf"], { "working-dir": "/workspace/api" }, ["/workspace/src", "/etc/conf"]],
    ["the explicit list", ["/workspace/src"], {}, ["/workspace/src"]],
  ])("watch: %s", (_name, watch, extra, expected) => {
    expect(flagValues(watchexecCommand(config({ watch }), { ...web, ...extra }, APP), "--watch")).toEqual(expected);
  });

  it("an --ignore per glob, in order", () => {
    const command = watchexecCommand(config({ ignore: [...DEFAULT_IGNORES, "*.tmp"] }), web, APP);
    expect(flagValues(command, "--ignore")).toEqual([...DEFAULT_IGNORES, "*.tmp"]);
  });

  it.each<[string | undefined, string[]]>([
    [undefined, []],
    ["500ms", ["--poll=500ms"]],
  ])("poll %j -> %j", (poll, expected) => {
    const command = watchexecCommand(config({ poll }), web, APP);
    expect(command.filter((w) => w.startsWith("--poll"))).toEqual(expected);
  });

  it("debounce and stop timeout", () => {
    const command = watchexecCommand(config({ debounce: "200ms", stopTimeout: "1m" }), web, APP);
    expect(command).toContain("--debounce=200ms");
    expect(command).toContain("--stop-timeout=1m");
  });

  it("runs the command without a shell", () => {
    expect(watchexecCommand(config(), web, APP)).toContain("--shell=none");
  });

  it("a pre-command wraps the command in sh -c", () => {
    const command = watchexecCommand(config({ preCommand: "npm run build" }), web, APP);
    expect(afterSeparator(command)).toEqual(["sh", "-c", 'npm run build && exec "$@"', PRE_COMMAND_SCRIPT_NAME, "node", "server.js"]);
    expect(PRE_COMMAND_SCRIPT_NAME).toBe("reloadable-pre-command");
  });

  it("the args of the process are not part of the command", () => {
    const command = watchexecCommand(config(), { ...web, args: ["--port", "8080"] }, APP);
    expect(afterSeparator(command)).toEqual(["node", "server.js"]);
  });

  it.each<[string, string[]]>([
    ["once", ["watchexec", "--poll=1s", "--", "node", "server.js"]],
    ["twice", ["/layers/a/bin/watchexec", "--restart", "--", "watchexec", "--", "node", "server.js"]],
  ])("a command wrapped %s is re-wrapped, not wrapped twice", (_name, wrapped) => {
    const command = watchexecCommand(config(), { ...web, command: wrapped }, APP);
    expect(command.filter((w) => w === "watchexec" || w.endsWith("/watchexec"))).toEqual(["watchexec"]);
    expect(command).toEqual(watchexecCommand(config(), web, APP));
  });

  // Regression test (the bug is fixed): re-wrapping a process that was wrapped WITH a pre-command only strips watchexec, so the
  // `sh -c '<pre> && exec "$@"' reloadable-pre-command` wrapper stays and a second one is added:
  // the pre-command then runs twice on every (re)start.
  it("a command wrapped with a pre-command is re-wrapped, not wrapped twice", () => {
    const cfg = config({ preCommand: "make" });
    const once = watchexecCommand(cfg, web, APP);
    expect(watchexecCommand(cfg, { ...web, command: once }, APP)).toEqual(once);
  });
});

describe("rewriteProcesses", () => {
  const web = proc("web", ["node", "server.js"], { default: true, args: ["--port", "8080"], "working-dir": "/workspace/api" });
  const worker = proc("worker", ["node", "worker.js"]);

  it("wraps web and keeps the original as web-no-reload, never the default", () => {
    const result = rewriteProcesses([web, worker], config(), APP, false);
    expect(result.reloadable).toEqual(["web"]);
    expect(result.declared).toEqual([
      { ...web, command: watchexecCommand(config(), web, APP) },
      { ...web, type: `web${NO_RELOAD_SUFFIX}`, default: false },
    ]);
    expect(result.declared[0]).toMatchObject({ type: "web", default: true, args: ["--port", "8080"], "working-dir": "/workspace/api" });
    expect(result.declared[1]).toEqual({ type: "web-no-reload", command: ["node", "server.js"], args: ["--port", "8080"], default: false, "working-dir": "/workspace/api" });
  });

  it.each<[string, Process[], ProcessSelection, boolean, string[]]>([
    ["worker untouched by default", [web, worker], { kind: "default" }, false, ["web", "web-no-reload"]],
    ["declareOthers includes the untouched", [web, worker], { kind: "default" }, true, ["web", "web-no-reload", "worker"]],
    ["declareOthers keeps the order", [worker, web], { kind: "default" }, true, ["worker", "web", "web-no-reload"]],
    ["all", [web, worker], { kind: "all" }, false, ["web", "web-no-reload", "worker", "worker-no-reload"]],
    ["named worker", [web, worker], { kind: "named", names: ["worker"] }, false, ["worker", "worker-no-reload"]],
    ["named worker, declareOthers", [web, worker], { kind: "named", names: ["worker"] }, true, ["web", "worker", "worker-no-reload"]],
    ["nothing chosen", [worker], { kind: "default" }, false, []],
    ["nothing chosen, declareOthers", [worker], { kind: "default" }, true, ["worker"]],
    [
      "an existing web-no-reload is not duplicated",
      [web, proc("web-no-reload", ["node", "server.js", "--no-watch"]), worker],
      { kind: "default" },
      true,
      ["web", "web-no-reload", "worker"],
    ],
    [
      "an existing web-no-reload before web is not duplicated",
      [proc("web-no-reload", ["other"]), web],
      { kind: "all" },
      true,
      ["web", "web-no-reload"],
    ],
    [
      "an unrelated -no-reload type is declared unchanged",
      [web, proc("worker-no-reload", ["w"])],
      { kind: "all" },
      true,
      ["web", "web-no-reload", "worker-no-reload"],
    ],
  ])("%s", (_name, processes, selection, declareOthers, expectedTypes) => {
    const { declared } = rewriteProcesses(processes, config({ processes: selection }), APP, declareOthers);
    expect(declared.map((p) => p.type)).toEqual(expectedTypes);
    expect(new Set(declared.map((p) => p.type)).size).toBe(declared.length);
  });

  it("the generated web-no-reload wins over the Procfile's", () => {
    const { declared } = rewriteProcesses([web, proc("web-no-reload", ["node", "server.js", "--no-watch"])], config(), APP, true);
    expect(declared.find((p) => p.type === "web-no-reload")?.command).toEqual(["node", "server.js"]);
  });

  it("untouched processes are declared as they were", () => {
    const { declared } = rewriteProcesses([web, worker], config(), APP, true);
    expect(declared[2]).toBe(worker);
  });

  it.each<[string, Process, boolean]>([
    ["default web", proc("web", ["a"], { default: true }), true],
    ["non-default web", proc("web", ["a"]), false],
    ["default worker", proc("worker", ["a"], { default: true }), true],
  ])("the default of %s is preserved", (_name, process, isDefault) => {
    const { declared } = rewriteProcesses([process], config(), APP, false);
    expect(declared.map((p) => [p.type, p.default])).toEqual([
      [process.type, isDefault],
      [`${process.type}-no-reload`, false],
    ]);
  });

  it("an already-wrapped command is re-wrapped, and its -no-reload is the bare command", () => {
    const wrapped = proc("web", ["/layers/other/bin/watchexec", "--restart", "--", "node", "server.js"], { default: true });
    const { declared } = rewriteProcesses([wrapped], config(), APP, false);
    expect(declared[0]?.command).toEqual(watchexecCommand(config(), proc("web", ["node", "server.js"]), APP));
    expect(declared[0]?.command.filter((w) => w.endsWith("watchexec"))).toEqual(["watchexec"]);
    expect(declared[1]).toEqual({ type: "web-no-reload", command: ["node", "server.js"], args: [], default: false });
  });

  it("a named unknown type is a ConfigurationError", () => {
    expect(() => rewriteProcesses([web], config({ processes: { kind: "named", names: ["api"] } }), APP, false)).toThrow(ConfigurationError);
  });
});
