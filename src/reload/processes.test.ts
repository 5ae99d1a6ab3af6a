import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { launchOf } from "../cnb/launch.ts";
import type { Launch, Process, ProcessSpec } from "../cnb/types.ts";
import { ConfigurationError } from "../errors.ts";
import { DEFAULT_IGNORES, parseReloadConfig, PROCESSES, type ProcessSelection, type ReloadConfig } from "./config.ts";
import { launchArgv, PROFILE_SHELL } from "./launch-form.ts";
import {
  EXEC_HELPER,
  INIT,
  NO_RELOAD_SUFFIX,
  PRE_COMMAND_SCRIPT_NAME,
  preCommandArgv,
  SETTLE,
  ProcessError,
  rewriteProcesses,
  selectProcesses,
  watchexecCommand,
  workingIgnore,
  type WrapOptions,
} from "./processes.ts";
import { parseWatchexec, type WatchexecInvocation } from "./watchexec-argv.ts";
import { DevProcfileError, type DevProcfile } from "./dev-procfile.ts";
import { parseProcfile, procfileProcesses } from "./procfile.ts";
import { DEPENDENCY_MANIFESTS, restartFilters } from "./restart-on.ts";

const APP = "/workspace";

/** The parsed defaults, with one ignore glob to keep commands short. */
function config(overrides: Partial<ReloadConfig> = {}): ReloadConfig {
  return { ...parseReloadConfig({}, APP, { debounce: "50ms", stopTimeout: "5s", quietPeriod: "1500ms" }), ignore: ["**/*.log"], ...overrides };
}

function options(overrides: Partial<ReloadConfig> = {}, extra: Partial<WrapOptions> = {}): WrapOptions {
  return { config: config(overrides), appDir: APP, ...extra };
}

const exec = (argv: string[], args: string[] = []): Launch => ({ kind: "exec", argv, args });
const shell = (command: string, args: string[] = []): Launch => ({ kind: "shell", command, args });

function spec(type: string, launch: Launch, extra: Partial<ProcessSpec> = {}): ProcessSpec {
  return { type, launch, default: false, ...extra };
}

/** A process of an API 0.7 buildpack, read as the lifecycle reads it. */
function paketo(buildpackId: string, table: { type: string; command: string; args?: string[]; direct: boolean; default?: boolean }): ProcessSpec {
  return { type: table.type, launch: launchOf(table, "0.7"), default: table.default === true, buildpackId };
}

function wrapperOf(argv: string[]): WatchexecInvocation {
  const parsed = parseWatchexec(argv);
  if (!("invocation" in parsed)) throw new Error(`not a wrapper: ${argv.join(" ")}`);
  return parsed.invocation;
}

/** The value following `flag` (`--flag value`) for every occurrence, up to `--`. */
function flagValues(command: readonly string[], flag: string): string[] {
  const end = command.indexOf("--");
  const flags = command.slice(0, end < 0 ? command.length : end);
  return flags.flatMap((word, i) => (word === flag ? [flags[i + 1]!] : []));
}

function beforeSeparator(command: readonly string[]): string[] {
  return command.slice(0, command.indexOf("--"));
}

function afterSeparator(command: readonly string[]): string[] {
  return command.slice(command.indexOf("--") + 1);
}

/** What watchexec runs, past reloadable-settle and its quiet period (restart mode). */
function appOf(command: readonly string[]): string[] {
  const run = afterSeparator(command);
  return run[0] === SETTLE ? run.slice(2) : run;
}

/** How many words of a command run watchexec. */
function watchers(command: readonly string[]): number {
  return command.filter((w) => w === "watchexec" || w.endsWith("/watchexec")).length;
}

describe("selectProcesses", () => {
  const p = (type: string, isDefault = false) => ({ type, default: isDefault });
  const web = p("web");
  const worker = p("worker");

  it.each<[string, { type: string; default: boolean }[], ProcessSelection, string[]]>([
    ["default: web", [web, worker], { kind: "default" }, ["web"]],
    ["default: web and the default process", [web, p("task"), p("worker", true)], { kind: "default" }, ["web", "worker"]],
    ["default: web that is the default, once", [p("web", true), worker], { kind: "default" }, ["web"]],
    ["default: only the default process when there is no web", [p("task"), p("worker", true)], { kind: "default" }, ["worker"]],
    ["default: Paketo executable-jar's reload and web", [p("executable-jar"), p("task"), web, p("reload", true)], { kind: "default" }, ["web", "reload"]],
    ["default: nothing without web or default", [p("task"), worker], { kind: "default" }, []],
    ["default: no processes", [], { kind: "default" }, []],
    ["all: every type in order", [worker, web, p("task")], { kind: "all" }, ["worker", "web", "task"]],
    ["all: excludes no-reload and *-no-reload", [web, p("no-reload"), p("web-no-reload"), p("worker-no-reload"), worker], { kind: "all" }, ["web", "worker"]],
    ["all: a type merely containing no-reload is kept", [p("no-reloader")], { kind: "all" }, ["no-reloader"]],
    ["named: in the order named", [web, worker, p("task")], { kind: "named", names: ["task", "web"] }, ["task", "web"]],
    ["named: duplicates once", [web, worker], { kind: "named", names: ["web", "web"] }, ["web"]],
    ["named: a no-reload type when asked for", [web, p("web-no-reload")], { kind: "named", names: ["web-no-reload"] }, ["web-no-reload"]],
  ])("%s", (_name, processes, selection, expected) => {
    expect(selectProcesses(processes, selection)).toEqual(expected);
  });

  it.each<[string, { type: string; default: boolean }[], string[], RegExp]>([
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

describe("preCommandArgv (run by a real sh)", () => {
  /** Runs `<pre-command argv> sh -c 'echo app "$@"' app-name a b` and returns its output. */
  function run(preCommand: string): { status: number | null; stdout: string } {
    const result = spawnSync(preCommandArgv(preCommand)[0]!, [...preCommandArgv(preCommand).slice(1), "sh", "-c", 'echo "app $0 $*"', "app-name", "a b", "c"], { encoding: "utf8" });
    return { status: result.status, stdout: result.stdout };
  }

  it.each<[string, string, number, string]>([
    ["a plain command", "echo pre", 0, "pre\napp app-name a b c\n"],
    ["; and a comment", "echo one; echo two # not three", 0, "one\ntwo\napp app-name a b c\n"],
    ["quotes", `echo "it's" 'a "b"'`, 0, `it's a "b"\napp app-name a b c\n`],
    ["newlines", "echo one\necho two", 0, "one\ntwo\napp app-name a b c\n"],
    ["$0 is its script name", "echo $0", 0, `${PRE_COMMAND_SCRIPT_NAME}\napp app-name a b c\n`],
    ["a failing pre-command stops the app, with its status", "echo pre; exit 3", 3, "pre\n"],
    ["a background job does not stop it", "true &", 0, "app app-name a b c\n"],
  ])("%s", (_name, preCommand, status, stdout) => {
    expect(run(preCommand)).toEqual({ status, stdout });
  });

  it("is a shell program and its script name before the pre-command", () => {
    expect(preCommandArgv("make")).toEqual(["sh", "-c", expect.any(String), PRE_COMMAND_SCRIPT_NAME, "make"]);
  });
});

describe("workingIgnore", () => {
  it.each<[string, string, string[]]>([
    ["**/*.log", APP, ["**/*.log"]],
    ["node_modules", APP, ["node_modules"]],
    ["/workspace/package.json", APP, ["package.json", "package.json/**"]],
    ["/workspace/node_modules", APP, ["node_modules", "node_modules/**"]],
    ["/workspace/api/tmp", "/workspace/api", ["tmp", "tmp/**"]],
    ["/workspace", APP, ["/workspace"]],
    ["/etc/conf", APP, ["/etc/conf"]],
    ["/workspace-other/x", APP, ["/workspace-other/x"]],
    ["/workspace/..cache", APP, ["..cache", "..cache/**"]],
  ])("%s in %s -> %j", (glob, base, expected) => {
    expect(workingIgnore(glob, base)).toEqual(expected);
  });
});

describe("watchexecCommand", () => {
  const node = ["node", "server.js"];

  it("restart mode: the full command", () => {
    expect(watchexecCommand(options(), node, undefined)).toEqual([
      INIT,
      "watchexec",
      "--restart",
      "--quiet",
      "--emit-events-to=file",
      "--shell=none",
      "--watch",
      "/workspace",
      "--ignore",
      "**/*.log",
      "--debounce=50ms",
      "--stop-signal=SIGTERM",
      "--stop-timeout=5s",
      "--",
      SETTLE,
      "1500",
      "node",
      "server.js",
    ]);
    expect([INIT, SETTLE]).toEqual(["reloadable-init", "reloadable-settle"]);
  });

  it.each<[string, Partial<ReloadConfig>, string[], string[]]>([
    ["restart", {}, ["--restart", "--stop-signal=SIGTERM"], ["--on-busy-update=signal"]],
    ["restart with SIGINT", { stopSignal: "SIGINT" }, ["--restart", "--stop-signal=SIGINT"], ["--stop-signal=SIGTERM"]],
    ["signal", { mode: { kind: "signal", signal: "SIGHUP" } }, ["--on-busy-update=signal", "--signal=SIGHUP"], ["--restart", "--stop-signal=SIGTERM"]],
    ["signal ignores the stop signal", { mode: { kind: "signal", signal: "SIGUSR1" }, stopSignal: "SIGINT" }, ["--on-busy-update=signal", "--signal=SIGUSR1", "--stop-timeout=5s"], ["--restart", "--stop-signal=SIGINT"]],
  ])("mode %s: flags", (_name, overrides, present, absent) => {
    const flags = beforeSeparator(watchexecCommand(options(overrides), node, undefined));
    for (const flag of present) expect(flags).toContain(flag);
    for (const flag of absent) expect(flags).not.toContain(flag);
    expect(flags.some((f) => f.startsWith("--stop-signal"))).toBe(overrides.mode?.kind !== "signal");
  });

  it.each<[string, string[], string | undefined, WatchexecInvocation | undefined, string | undefined, string[]]>([
    ["the app dir by default", [], undefined, undefined, undefined, ["/workspace"]],
    ["the working dir when set", [], "/workspace/api", undefined, undefined, ["/workspace/api"]],
    ["the configured list over the working dir", ["/workspace/src", "/etc/conf"], "/workspace/api", undefined, undefined, ["/workspace/src", "/etc/conf"]],
    ["the earlier wrapper's when none is configured", [], undefined, wrapperOf(["watchexec", "-w", "/workspace/src", "--watch=/workspace/lib", "x"]), undefined, ["/workspace/src", "/workspace/lib"]],
    ["the earlier wrapper's relative paths, from the working dir", [], "/workspace/api", wrapperOf(["watchexec", "-w", "src", "-w", "../shared/", "x"]), undefined, ["/workspace/api/src", "/workspace/shared/"]],
    ["the configured list over the earlier wrapper's", ["/workspace/src"], undefined, wrapperOf(["watchexec", "-w", "/workspace", "x"]), undefined, ["/workspace/src"]],
    ["a wrapper without watch paths: the working dir", [], "/workspace/api", wrapperOf(["watchexec", "-r", "x"]), undefined, ["/workspace/api"]],
    ["trigger mode: the trigger dir alone", ["/workspace/src"], "/workspace/api", wrapperOf(["watchexec", "-w", "/workspace", "x"]), "/layers/t/trigger", ["/layers/t/trigger"]],
  ])("watch: %s", (_name, watch, workingDir, wrapper, triggerDir, expected) => {
    expect(flagValues(watchexecCommand(options({ watch }, { triggerDir }), node, workingDir, wrapper), "--watch")).toEqual(expected);
  });

  it.each<[string, Partial<ReloadConfig>, string | undefined, string[], string[]]>([
    ["app-dir mode", {}, undefined, ["/workspace/BOOT-INF/classes", "/layers/r/hotswap/restart"], ["--on-busy-update=queue", "--quiet", "--emit-events-to=file", "--stop-signal=SIGTERM"]],
    ["trigger mode", {}, "/layers/r/trigger", ["/layers/r/trigger", "/layers/r/hotswap/restart"], ["--on-busy-update=queue", "--stop-signal=SIGTERM"]],
  ])("JVM hot swap, %s: watchexec queues a start instead of restarting, and watches the agent's restart requests", (_name, overrides, triggerDir, watch, flags) => {
    const command = watchexecCommand(options({ watch: ["/workspace/BOOT-INF/classes"], ...overrides }, { triggerDir, hotswapRestartDir: "/layers/r/hotswap/restart" }), ["java", "Main"], undefined);
    expect(flagValues(command, "--watch")).toEqual(watch);
    for (const flag of flags) expect(beforeSeparator(command)).toContain(flag);
    expect(command).not.toContain("--restart");
    expect(afterSeparator(command)).toEqual([SETTLE, "1500", "java", "Main"]);
  });

  it("JVM hot swap does not apply in signal mode: the app reloads itself", () => {
    const command = watchexecCommand(options({ mode: { kind: "signal", signal: "SIGHUP" } }, { hotswapRestartDir: "/layers/r/hotswap/restart" }), ["java", "Main"], undefined);
    expect(flagValues(command, "--watch")).toEqual(["/workspace"]);
    expect(beforeSeparator(command)).toContain("--on-busy-update=signal");
    expect(command).not.toContain("--on-busy-update=queue");
  });

  it.each<[string, string[], WatchexecInvocation | undefined, string | undefined, string[], string[]]>([
    ["the configured globs, in order", [...DEFAULT_IGNORES, "*.tmp"], undefined, undefined, [...DEFAULT_IGNORES, "*.tmp"], []],
    [
      "npm-start's ignores kept, made relative to the watch base",
      ["**/*.log"],
      wrapperOf(["watchexec", "--restart", "--watch", "/workspace", "--ignore", "/workspace/package.json", "--ignore", "/workspace/node_modules", "--shell", "none", "--", "x"]),
      undefined,
      ["**/*.log", "package.json", "package.json/**", "node_modules", "node_modules/**"],
      [],
    ],
    ["-i and --ignore alike, duplicates once", ["**/*.log"], wrapperOf(["watchexec", "-i", "**/*.log", "--ignore=dist/**", "x"]), undefined, ["**/*.log", "dist/**"], []],
    ["the wrapper's ignore files", ["**/*.log"], wrapperOf(["watchexec", "--ignore-file", ".dockerignore", "--ignore-file=/etc/ignores", "x"]), undefined, ["**/*.log"], [".dockerignore", "/etc/ignores"]],
    ["trigger mode: none at all", ["**/*.log"], wrapperOf(["watchexec", "-i", "a", "--ignore-file", "f", "x"]), "/layers/t/trigger", [], []],
  ])("ignore: %s", (_name, ignore, wrapper, triggerDir, expectedIgnores, expectedFiles) => {
    const command = watchexecCommand(options({ ignore }, { triggerDir }), node, undefined, wrapper);
    expect(flagValues(command, "--ignore")).toEqual(expectedIgnores);
    expect(flagValues(command, "--ignore-file")).toEqual(expectedFiles);
  });

  it.each<[string, readonly string[] | undefined, Partial<ReloadConfig>, string | undefined, string[], string[]]>([
    ["no restart paths: no filter, watchexec's own origin", undefined, {}, undefined, [], []],
    ["restart paths: anchored filters, the app dir as origin", ["package.json", "src/**"], {}, undefined, ["/package.json", "/package.json/**", "/src/**"], ["--project-origin=/workspace"]],
    ["the origin is the app dir whatever the working dir", ["server"], {}, undefined, ["/server", "/server/**"], ["--project-origin=/workspace"]],
    ["trigger mode: none (the trigger restarts)", ["package.json"], { trigger: true }, "/layers/t/trigger", [], []],
    ["trigger mode with DevTools watching the app dir: still none", ["package.json"], { trigger: true }, undefined, [], []],
    ["signal mode: the filters apply to the signal", ["*.conf"], { mode: { kind: "signal", signal: "SIGHUP" } }, undefined, ["/*.conf", "/*.conf/**"], ["--project-origin=/workspace"]],
  ])("restart by path: %s", (_name, restartOn, overrides, triggerDir, filters, origin) => {
    const command = watchexecCommand(options(overrides, { restartOn, triggerDir }), node, "/workspace/api");
    expect(flagValues(command, "--filter")).toEqual(filters);
    expect(beforeSeparator(command).filter((w) => w.startsWith("--project-origin"))).toEqual(origin);
    // The ignores still apply (watchexec checks them first).
    if (filters.length > 0) expect(flagValues(command, "--ignore")).toEqual(["**/*.log"]);
  });

  it.each<[string | undefined, string[]]>([
    [undefined, []],
    ["500ms", ["--poll=500ms"]],
  ])("poll %j -> %j", (poll, expected) => {
    expect(watchexecCommand(options({ poll }), node, undefined).filter((w) => w.startsWith("--poll"))).toEqual(expected);
  });

  it("debounce and stop timeout", () => {
    const command = watchexecCommand(options({ debounce: "200ms", stopTimeout: "1m" }), node, undefined);
    expect(command).toContain("--debounce=200ms");
    expect(command).toContain("--stop-timeout=1m");
  });

  it.each<[string, Partial<ReloadConfig>, string | undefined, string[]]>([
    ["plain", {}, undefined, [SETTLE, "1500", ...node]],
    ["no quiet period", { quietPeriodMs: 0 }, undefined, [SETTLE, "0", ...node]],
    ["signal mode: the app itself, no settle", { mode: { kind: "signal", signal: "SIGHUP" } }, undefined, node],
    ["a runner", {}, EXEC_HELPER, [SETTLE, "1500", EXEC_HELPER, ...node]],
    ["a pre-command", { preCommand: "npm run build" }, undefined, [SETTLE, "1500", ...preCommandArgv("npm run build"), ...node]],
    ["a pre-command, then the runner", { preCommand: "make" }, EXEC_HELPER, [SETTLE, "1500", ...preCommandArgv("make"), EXEC_HELPER, ...node]],
    ["signal mode with a pre-command and a runner", { mode: { kind: "signal", signal: "SIGHUP" }, preCommand: "make" }, EXEC_HELPER, [...preCommandArgv("make"), EXEC_HELPER, ...node]],
  ])("what runs: %s", (_name, overrides, runner, expected) => {
    expect(afterSeparator(watchexecCommand(options(overrides, { runner }), node, undefined))).toEqual(expected);
  });

  it.each<[string, Partial<ReloadConfig>, string | undefined]>([
    ["plain", {}, undefined],
    ["with a runner", {}, EXEC_HELPER],
    ["with a pre-command", { preCommand: "make" }, undefined],
    ["with both", { preCommand: "make" }, EXEC_HELPER],
    ["signal mode with both", { preCommand: "make", mode: { kind: "signal", signal: "SIGHUP" } }, EXEC_HELPER],
  ])("its own runners are not stacked when given back the command it runs (%s)", (_name, overrides, runner) => {
    const opts = options(overrides, { runner });
    const once = watchexecCommand(opts, node, undefined);
    expect(watchexecCommand(opts, afterSeparator(once), undefined)).toEqual(once);
  });
});

describe("rewriteProcesses", () => {
  const wrapped = (declared: Process[], type: string): Process => {
    const process = declared.find((p) => p.type === type);
    if (process === undefined) throw new Error(`${type} is not declared: ${declared.map((p) => p.type).join(", ")}`);
    expect(process.command[0]).toBe(INIT);
    expect(watchers(process.command)).toBe(1);
    return process;
  };

  describe("the original stays available under one name", () => {
    const NODE_START = "paketo-buildpacks/node-start";
    const nodeStart = [
      paketo(NODE_START, { type: "web", command: "watchexec", args: ["--restart", "--watch", "/workspace", "--shell", "none", "--", "node", "server.js"], direct: true, default: true }),
      paketo(NODE_START, { type: "no-reload", command: "node", args: ["server.js"], direct: true }),
    ];
    const npmStart = [
      paketo("paketo-buildpacks/npm-start", {
        type: "web",
        command: "watchexec",
        args: ["--restart", "--watch", "/workspace", "--ignore", "/workspace/package.json", "--ignore", "/workspace/package-lock.json", "--ignore", "/workspace/node_modules", "--shell", "none", "--", "bash", "/workspace/start.sh"],
        direct: true,
        default: true,
      }),
      paketo("paketo-buildpacks/npm-start", { type: "no-reload", command: "bash", args: ["/workspace/start.sh"], direct: true }),
    ];
    const EXECUTABLE_JAR = "paketo-buildpacks/executable-jar";
    const executableJar = [
      paketo(EXECUTABLE_JAR, { type: "executable-jar", command: "java", args: ["app.Main"], direct: true }),
      paketo(EXECUTABLE_JAR, { type: "task", command: "java", args: ["app.Main"], direct: true }),
      paketo(EXECUTABLE_JAR, { type: "web", command: "java", args: ["app.Main"], direct: true }),
      paketo(EXECUTABLE_JAR, { type: "reload", command: "watchexec", args: ["-r", "--shell=none", "--", "java", "app.Main"], direct: true, default: true }),
    ];
    const DIST_ZIP = "paketo-buildpacks/dist-zip";
    const distZip = [
      paketo(DIST_ZIP, { type: "dist-zip", command: "/workspace/app/bin/app", direct: false }),
      paketo(DIST_ZIP, { type: "task", command: "/workspace/app/bin/app", direct: false }),
      paketo(DIST_ZIP, { type: "web", command: "/workspace/app/bin/app", direct: false }),
      paketo(DIST_ZIP, { type: "reload", command: "watchexec -r /workspace/app/bin/app", direct: false, default: true }),
    ];
    const api010Web = [spec("web", exec(["node", "server.js"]), { default: true, buildpackId: "a/node" }), spec("worker", exec(["node", "worker.js"]), { buildpackId: "a/node" })];

    it.each<[string, ProcessSpec[], ProcessSelection, string[], Record<string, string>]>([
      ["node-start: web reloadable, Paketo's no-reload is its original", nodeStart, { kind: "default" }, ["web"], { web: "no-reload" }],
      ["node-start with *: no-reload is not made reloadable", nodeStart, { kind: "all" }, ["web"], { web: "no-reload" }],
      ["npm-start: web reloadable, no-reload its original", npmStart, { kind: "default" }, ["web"], { web: "no-reload" }],
      ["executable-jar: reload (default) and web, executable-jar their original", executableJar, { kind: "default" }, ["web", "reload"], { web: "executable-jar", reload: "executable-jar" }],
      ["dist-zip: reload and web, dist-zip their original", distZip, { kind: "default" }, ["web", "reload"], { web: "dist-zip", reload: "dist-zip" }],
      ["a plain API 0.10 web: web-no-reload", api010Web, { kind: "default" }, ["web", "web-no-reload"], { web: "web-no-reload" }],
      [
        "executable-jar with *: every type is chosen, so each keeps its own -no-reload",
        executableJar,
        { kind: "all" },
        ["executable-jar", "executable-jar-no-reload", "task", "task-no-reload", "web", "web-no-reload", "reload", "reload-no-reload"],
        { "executable-jar": "executable-jar-no-reload", task: "task-no-reload", web: "web-no-reload", reload: "reload-no-reload" },
      ],
      ["* over plain processes", api010Web, { kind: "all" }, ["web", "web-no-reload", "worker", "worker-no-reload"], { web: "web-no-reload", worker: "worker-no-reload" }],
      ["named: a wrapped type", nodeStart, { kind: "named", names: ["web"] }, ["web"], { web: "no-reload" }],
    ])("%s", (_name, processes, selection, declaredTypes, originals) => {
      const result = rewriteProcesses(processes, options({ processes: selection }), false);
      expect(result.declared.map((p) => p.type)).toEqual(declaredTypes);
      expect(result.originals).toEqual(originals);
      for (const type of result.reloadable) wrapped(result.declared, type);
      // Every original runs without a watcher what the reloadable type runs under one.
      for (const [type, original] of Object.entries(result.originals)) {
        const declared = result.declared.find((p) => p.type === original);
        const earlier = processes.find((p) => p.type === original);
        const command = declared?.command ?? launchArgv(earlier!.launch, type).argv;
        expect(watchers(command), `${original}, the original of ${type}`).toBe(0);
        expect(appOf(wrapped(result.declared, type).command), `${type} runs what ${original} runs`).toEqual(command);
      }
      expect(new Set(result.declared.map((p) => p.type)).size).toBe(result.declared.length);
    });

    it("node-start: web runs node server.js under one watcher, watching what node-start watched", () => {
      const result = rewriteProcesses(nodeStart, options(), false);
      expect(result.declared).toEqual([{ type: "web", command: watchexecCommand(options(), ["node", "server.js"], undefined), args: [], default: true }]);
      expect(flagValues(result.declared[0]!.command, "--watch")).toEqual(["/workspace"]);
      expect(appOf(result.declared[0]!.command)).toEqual(["node", "server.js"]);
      expect(result.notes).toEqual([expect.stringMatching(/^web: replaced the watchexec wrapper of paketo-buildpacks\/node-start/)]);
      expect(result.usesProfileShell).toBe(false);
    });

    it("npm-start: web keeps npm-start's ignores", () => {
      const web = wrapped(rewriteProcesses(npmStart, options(), false).declared, "web");
      expect(flagValues(web.command, "--ignore")).toEqual(["**/*.log", "package.json", "package.json/**", "package-lock.json", "package-lock.json/**", "node_modules", "node_modules/**"]);
      expect(appOf(web.command)).toEqual(["bash", "/workspace/start.sh"]);
    });

    it("executable-jar: reload stays the default and runs java under one watcher; web is not the default", () => {
      const { declared } = rewriteProcesses(executableJar, options(), false);
      expect(declared.map((p) => [p.type, p.default, appOf(p.command)])).toEqual([
        ["web", false, ["java", "app.Main"]],
        ["reload", true, ["java", "app.Main"]],
      ]);
    });

    it("dist-zip: reload keeps the shell (profile scripts) through reloadable-shell", () => {
      const result = rewriteProcesses(distZip, options(), false);
      expect(appOf(wrapped(result.declared, "reload").command)).toEqual([PROFILE_SHELL, "reload", "/workspace/app/bin/app"]);
      expect(appOf(wrapped(result.declared, "web").command)).toEqual([PROFILE_SHELL, "web", "/workspace/app/bin/app"]);
      expect(result.usesProfileShell).toBe(true);
    });

    it.each<[string, Partial<ProcessSpec>]>([
      ["its working dir differs", { workingDir: "/workspace/other" }],
      ["its args differ", { launch: exec(["node", "server.js", "--inspect"]) }],
      ["it is a shell process", { launch: shell("node server.js") }],
    ])("a type is no original when %s: web-no-reload", (_name, change) => {
      const processes = [nodeStart[0]!, { ...nodeStart[1]!, ...change }];
      const result = rewriteProcesses(processes, options(), false);
      expect(result.declared.map((p) => p.type)).toEqual(["web", "web-no-reload"]);
      expect(result.declared[1]).toEqual({ type: "web-no-reload", command: ["node", "server.js"], args: [], default: false });
    });

    it("a wrapper inside a wrapper: one watcher, the outer wrapper's settings", () => {
      const nested = paketo("x/y", { type: "web", command: "watchexec", args: ["-r", "-n", "-w", "/workspace/src", "-i", "outer.txt", "--", "/layers/z/bin/watchexec", "-rn", "-i", "inner.txt", "--", "node", "a.js"], direct: true, default: true });
      const web = wrapped(rewriteProcesses([nested], options(), false).declared, "web");
      expect(appOf(web.command)).toEqual(["node", "a.js"]);
      expect(flagValues(web.command, "--watch")).toEqual(["/workspace/src"]);
      expect(flagValues(web.command, "--ignore")).toEqual(["**/*.log", "outer.txt"]);
    });

    // watchexec's --workdir and --env change how the command itself runs: dropped with the
    // wrapper, the app would start in another dir or without its variables, in both web and its
    // original. Either their effect is kept or the build says it cannot.
    it.each<[string, string[], (declared: Process) => boolean]>([
      ["--workdir", ["--workdir", "/workspace/api"], (p) => p["working-dir"] === "/workspace/api" || p.command.includes("/workspace/api")],
      ["--workdir=", ["--workdir=/workspace/api"], (p) => p["working-dir"] === "/workspace/api" || p.command.includes("/workspace/api")],
      ["-E", ["-E", "APP_MODE=dev"], (p) => p.command.some((w) => w.includes("APP_MODE=dev"))],
      ["--env=", ["--env=APP_MODE=dev"], (p) => p.command.some((w) => w.includes("APP_MODE=dev"))],
    ])("an earlier wrapper's %s is kept, or the build fails", (_name, option, kept) => {
      const web = paketo("x/y", { type: "web", command: "watchexec", args: ["-r", "-n", ...option, "--", "node", "server.js"], direct: true, default: true });
      let declared: Process[];
      try {
        declared = rewriteProcesses([web], options(), false).declared;
      } catch (error) {
        expect(error).toBeInstanceOf(ProcessError);
        return;
      }
      expect(declared.map((p) => p.type)).toEqual(["web", "web-no-reload"]);
      for (const process of declared) expect(kept(process), `${process.type}: ${process.command.join(" ")}`).toBe(true);
    });

    it("the first matching type in order is the original", () => {
      const { originals } = rewriteProcesses([executableJar[1]!, ...executableJar], options(), false);
      expect(originals).toEqual({ web: "task", reload: "task" });
    });
  });

  describe("a Procfile (declareOthers)", () => {
    const web = spec("web", shell("node server.js --port $PORT"), { default: true });
    const worker = spec("worker", shell("celery worker --concurrency=$N"));
    const clock = spec("clock", exec(["./clock"]));

    it("shell syntax: reloadable-shell web '<cmd>' in both web and web-no-reload; worker through it too", () => {
      const result = rewriteProcesses([web, worker, clock], options(), true);
      expect(result.declared.map((p) => p.type)).toEqual(["web", "web-no-reload", "worker", "clock"]);
      expect(appOf(wrapped(result.declared, "web").command)).toEqual([PROFILE_SHELL, "web", "node server.js --port $PORT"]);
      expect(result.declared.slice(1)).toEqual([
        { type: "web-no-reload", command: [PROFILE_SHELL, "web", "node server.js --port $PORT"], args: [], default: false },
        { type: "worker", command: [PROFILE_SHELL, "worker", "celery worker --concurrency=$N"], args: [], default: false },
        { type: "clock", command: ["./clock"], args: [], default: false },
      ]);
      expect(result.usesProfileShell).toBe(true);
      expect(result.notes).toEqual([]);
    });

    it.each<[string, ProcessSpec[], boolean]>([
      ["plain commands", [spec("web", exec(["node", "a.js"]), { default: true }), clock], false],
      ["a shell process that is not chosen", [spec("web", exec(["node", "a.js"]), { default: true }), worker], true],
      ["a chosen shell process", [web], true],
    ])("usesProfileShell with %s -> %j", (_name, processes, expected) => {
      expect(rewriteProcesses(processes, options(), true).usesProfileShell).toBe(expected);
    });

    it.each<[string, ProcessSpec[], ProcessSelection, string[]]>([
      ["worker untouched by default", [web, worker], { kind: "default" }, ["web", "web-no-reload", "worker"]],
      ["keeps the order", [worker, web], { kind: "default" }, ["worker", "web", "web-no-reload"]],
      ["named worker", [web, worker], { kind: "named", names: ["worker"] }, ["web", "worker", "worker-no-reload"]],
      ["nothing chosen", [worker, clock], { kind: "default" }, ["worker", "clock"]],
      ["an existing web-no-reload is not duplicated", [web, spec("web-no-reload", exec(["other"])), worker], { kind: "default" }, ["web", "web-no-reload", "worker"]],
      ["an existing web-no-reload before web is not duplicated", [spec("web-no-reload", exec(["other"])), web], { kind: "all" }, ["web", "web-no-reload"]],
      ["an unrelated -no-reload type is declared unchanged", [web, spec("worker-no-reload", exec(["w"]))], { kind: "all" }, ["web", "web-no-reload", "worker-no-reload"]],
    ])("%s", (_name, processes, selection, expectedTypes) => {
      const { declared } = rewriteProcesses(processes, options({ processes: selection }), true);
      expect(declared.map((p) => p.type)).toEqual(expectedTypes);
      expect(new Set(declared.map((p) => p.type)).size).toBe(declared.length);
    });

    // Naming both web and web-no-reload makes web's generated original collide with the
    // reloadable web-no-reload: launch.toml must not declare a type twice (a clear error would do).
    it("naming web and an existing web-no-reload declares each type once, or is a ConfigurationError", () => {
      const processes = [web, spec("web-no-reload", exec(["node", "other.js"]))];
      let declared: Process[];
      try {
        declared = rewriteProcesses(processes, options({ processes: { kind: "named", names: ["web", "web-no-reload"] } }), true).declared;
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigurationError);
        return;
      }
      const types = declared.map((p) => p.type);
      expect(types).toEqual([...new Set(types)]);
    });

    it("the generated web-no-reload wins over the Procfile's", () => {
      const { declared } = rewriteProcesses([web, spec("web-no-reload", exec(["node", "server.js", "--no-watch"]))], options(), true);
      expect(declared.find((p) => p.type === "web-no-reload")?.command).toEqual([PROFILE_SHELL, "web", "node server.js --port $PORT"]);
    });

    it("without declareOthers only the rewritten types are declared", () => {
      expect(rewriteProcesses([web, worker, clock], options(), false).declared.map((p) => p.type)).toEqual(["web", "web-no-reload"]);
    });
  });

  it("keeps the default, working dir and args; T-no-reload is never the default", () => {
    const web = spec("web", exec(["node", "server.js"], ["--port", "8080"]), { default: true, workingDir: "/workspace/api" });
    const { declared } = rewriteProcesses([web], options(), false);
    expect(declared[0]).toMatchObject({ type: "web", default: true, args: ["--port", "8080"], "working-dir": "/workspace/api" });
    expect(appOf(declared[0]!.command)).toEqual(["node", "server.js"]);
    expect(flagValues(declared[0]!.command, "--watch")).toEqual(["/workspace/api"]);
    expect(declared[1]).toEqual({ type: "web-no-reload", command: ["node", "server.js"], args: ["--port", "8080"], default: false, "working-dir": "/workspace/api" });
  });

  it.each<[string, ProcessSpec, boolean]>([
    ["default web", spec("web", exec(["a"]), { default: true }), true],
    ["non-default web", spec("web", exec(["a"])), false],
    ["default worker", spec("worker", exec(["a"]), { default: true }), true],
  ])("the default of %s is preserved", (_name, process, isDefault) => {
    const { declared } = rewriteProcesses([process], options(), false);
    expect(declared.map((p) => [p.type, p.default])).toEqual([
      [process.type, isDefault],
      [`${process.type}${NO_RELOAD_SUFFIX}`, false],
    ]);
  });

  it("a runner applies to its type's reloadable process only", () => {
    const processes = [spec("web", exec(["./bin/server"]), { default: true }), spec("worker", exec(["./bin/worker"]), { default: true })];
    const { declared } = rewriteProcesses(processes, options({ processes: { kind: "all" } }), false, new Map([["web", EXEC_HELPER]]));
    expect(declared.map((p) => p.type)).toEqual(["web", "web-no-reload", "worker", "worker-no-reload"]);
    expect(appOf(declared[0]!.command)).toEqual([EXEC_HELPER, "./bin/server"]);
    expect(declared[1]!.command).toEqual(["./bin/server"]);
    expect(appOf(declared[2]!.command)).toEqual(["./bin/worker"]);
    expect(declared[3]!.command).toEqual(["./bin/worker"]);
  });

  it("trigger mode watches the trigger dir", () => {
    const { declared } = rewriteProcesses([spec("web", exec(["node"]), { default: true })], { config: config(), appDir: APP, triggerDir: "/layers/r/trigger" }, false);
    expect(flagValues(declared[0]!.command, "--watch")).toEqual(["/layers/r/trigger"]);
  });

  it("JVM hot swap: its own output re-wrapped is unchanged, one watcher", () => {
    const hotswap = { config: config({ watch: ["/workspace/BOOT-INF/classes"] }), appDir: APP, hotswapRestartDir: "/layers/r/hotswap/restart" };
    const first = rewriteProcesses([spec("web", exec(["java", "Main"]), { default: true })], hotswap, false).declared;
    const again = rewriteProcesses([spec("web", exec(first[0]!.command), { default: true })], hotswap, false).declared;
    expect(again).toEqual(first);
    expect(again.map((p) => watchers(p.command))).toEqual([1, 0]);
  });

  // Reloadable's own output, met again as an earlier process (say a group with Reloadable in it
  // twice): re-wrapping it must give the same command, not a second watcher.
  it.each<[string, Partial<ReloadConfig>, ReadonlyMap<string, string>]>([
    ["plain", {}, new Map()],
    ["signal mode", { mode: { kind: "signal", signal: "SIGHUP" } }, new Map()],
    ["with a pre-command", { preCommand: "make" }, new Map()],
    ["with a runner", {}, new Map([["web", EXEC_HELPER]])],
    ["restart by path", { restartOn: ["package.json", "src/deps"] }, new Map()],
  ])("its own output re-wrapped is unchanged (%s)", (_name, overrides, runners) => {
    const web = spec("web", exec(["node", "server.js"]), { default: true });
    const first = rewriteProcesses([web], options(overrides), false, runners).declared;
    const again = rewriteProcesses([spec("web", exec(first[0]!.command), { default: true })], options(overrides), false, runners).declared;
    expect(again).toEqual(first);
    expect(again.map((p) => watchers(p.command))).toEqual([1, 0]);
  });

  describe("dev commands (Procfile.dev)", () => {
    /** A Procfile.dev as readDevProcfile returns it. */
    const devProcfile = (text: string, name = "Procfile.dev"): DevProcfile => {
      const entries = parseProcfile(text, name);
      const launches = procfileProcesses(entries);
      return { name, commands: entries.map((e, i) => ({ type: e.type, command: e.command, launch: launches[i]!.launch })) };
    };
    const procfile = [spec("web", exec(["node", "server.js"]), { default: true }), spec("worker", exec(["node", "worker.js"]))];
    const NODE_START = "paketo-buildpacks/node-start";
    const nodeStart = [
      paketo(NODE_START, { type: "web", command: "watchexec", args: ["--restart", "--watch", "/workspace/src", "--ignore", "/workspace/package.json", "--shell", "none", "--", "node", "server.js"], direct: true, default: true }),
      paketo(NODE_START, { type: "no-reload", command: "node", args: ["server.js"], direct: true }),
    ];

    it.each<[string, ProcessSpec[], string, ProcessSelection, Partial<ReloadConfig>, Record<string, string[]>, Record<string, string>, Record<string, readonly string[]>]>([
      [
        "web runs the dev command, web-no-reload the original; restarts only on the manifests",
        procfile,
        "web: node_modules/.bin/nodemon server.js",
        { kind: "default" },
        {},
        { web: ["node_modules/.bin/nodemon", "server.js"], "web-no-reload": ["node", "server.js"] },
        { web: "web-no-reload" },
        { web: DEPENDENCY_MANIFESTS },
      ],
      [
        "a type the default selection leaves out is made reloadable",
        procfile,
        "worker: node_modules/.bin/nodemon worker.js",
        { kind: "default" },
        {},
        {
          web: ["node", "server.js"],
          "web-no-reload": ["node", "server.js"],
          worker: ["node_modules/.bin/nodemon", "worker.js"],
          "worker-no-reload": ["node", "worker.js"],
        },
        { web: "web-no-reload", worker: "worker-no-reload" },
        { worker: DEPENDENCY_MANIFESTS },
      ],
      [
        "and one an explicit list leaves out",
        procfile,
        "worker: nodemon worker.js",
        { kind: "named", names: ["web"] },
        {},
        { web: ["node", "server.js"], "web-no-reload": ["node", "server.js"], worker: ["nodemon", "worker.js"], "worker-no-reload": ["node", "worker.js"] },
        { web: "web-no-reload", worker: "worker-no-reload" },
        { worker: DEPENDENCY_MANIFESTS },
      ],
      [
        "BP_LIVE_RELOAD_RESTART_ON set: every reloadable type, dev command or not",
        procfile,
        "web: nodemon server.js",
        { kind: "all" },
        { restartOn: ["package.json"] },
        { web: ["nodemon", "server.js"], "web-no-reload": ["node", "server.js"], worker: ["node", "worker.js"], "worker-no-reload": ["node", "worker.js"] },
        { web: "web-no-reload", worker: "worker-no-reload" },
        { web: ["package.json"], worker: ["package.json"] },
      ],
      [
        "shell syntax runs through reloadable-shell; the original stays direct",
        procfile,
        "web: npm run dev -- --port $PORT",
        { kind: "default" },
        {},
        { web: [PROFILE_SHELL, "web", "npm run dev -- --port $PORT"], "web-no-reload": ["node", "server.js"] },
        { web: "web-no-reload" },
        { web: DEPENDENCY_MANIFESTS },
      ],
      [
        "Paketo node-start: its no-reload stays the original; the wrapper's watch paths and ignores are not carried",
        nodeStart,
        "web: nodemon server.js",
        { kind: "default" },
        {},
        { web: ["nodemon", "server.js"] },
        { web: "no-reload" },
        { web: DEPENDENCY_MANIFESTS },
      ],
      [
        "trigger mode: the dev command runs, the trigger restarts it, no filter",
        procfile,
        "web: nodemon server.js",
        { kind: "default" },
        { trigger: true },
        { web: ["nodemon", "server.js"], "web-no-reload": ["node", "server.js"] },
        { web: "web-no-reload" },
        {},
      ],
    ])("%s", (_name, processes, text, selection, overrides, commands, originals, restartOn) => {
      const triggerDir = overrides.trigger === true ? "/layers/t/trigger" : undefined;
      const result = rewriteProcesses(processes, options({ processes: selection, ...overrides }, { triggerDir }), false, new Map(), devProcfile(text));
      const runs = Object.fromEntries(result.declared.map((p) => [p.type, p.command[0] === INIT ? appOf(p.command) : [...p.command, ...p.args]]));
      expect(runs).toEqual(commands);
      expect(result.originals).toEqual(originals);
      expect(result.restartOn).toEqual(restartOn);
      expect(result.devCommands).toEqual(parseProcfile(text).map((e) => e.type));
      for (const process of result.declared) {
        if (process.command[0] !== INIT) continue;
        const filters = flagValues(process.command, "--filter");
        expect(filters).toEqual(restartOn[process.type] === undefined ? [] : restartFilters(restartOn[process.type]!));
        // The dev command's wrapper is Reloadable's alone: node-start's /workspace/src and ignore are gone.
        expect(flagValues(process.command, "--watch")).toEqual([triggerDir ?? APP]);
        expect(flagValues(process.command, "--ignore")).toEqual(triggerDir === undefined ? ["**/*.log"] : []);
      }
    });

    it("keeps the type's default, working dir and the wrapper's --workdir; the dev command gets no original args", () => {
      const processes = [
        paketo("a/b", { type: "web", command: "watchexec", args: ["-r", "--shell=none", "--workdir", "api", "--", "node", "server.js", "--port", "8080"], direct: true, default: true }),
      ];
      const { declared } = rewriteProcesses(processes, options(), false, new Map(), devProcfile("web: nodemon server.js"));
      expect(declared.map((p) => ({ type: p.type, default: p.default, dir: p["working-dir"], args: p.args }))).toEqual([
        { type: "web", default: true, dir: "/workspace/api", args: [] },
        { type: "web-no-reload", default: false, dir: "/workspace/api", args: [] },
      ]);
      expect(declared[1]!.command).toEqual(["node", "server.js", "--port", "8080"]);
    });

    it("an earlier wrapper's signal mode is not carried to a dev command", () => {
      const processes = [paketo("p/php", { type: "web", command: "watchexec", args: ["--on-busy-update", "signal", "--signal", "SIGHUP", "--", "php-fpm"], direct: true, default: true })];
      const { declared, notes } = rewriteProcesses(processes, options(), false, new Map(), devProcfile("web: php -S 0.0.0.0:8080"));
      expect(declared[0]!.command).toContain("--restart");
      expect(declared[0]!.command).not.toContain("--signal=SIGHUP");
      expect(notes).toEqual(["web: replaced the watchexec wrapper of p/php (its settings were for the original command, which Procfile.dev replaces)"]);
    });

    it("a runner (reloadable-exec for a native dev command) goes in front of the dev command only", () => {
      const { declared } = rewriteProcesses(procfile, options(), false, new Map([["web", EXEC_HELPER]]), devProcfile("web: ./bin/dev-server"));
      expect(appOf(declared[0]!.command)).toEqual([EXEC_HELPER, "./bin/dev-server"]);
      expect(declared[1]!.command).toEqual(["node", "server.js"]);
    });

    it("with declareOthers (a Procfile app), the other types are declared unchanged", () => {
      const { declared } = rewriteProcesses(procfile, options(), true, new Map(), devProcfile("web: nodemon server.js"));
      expect(declared.map((p) => p.type)).toEqual(["web", "web-no-reload", "worker"]);
      expect(declared[2]!.command).toEqual(["node", "worker.js"]);
    });

    it.each<[string, ProcessSpec[], string, string, RegExp]>([
      [
        "a type that exists nowhere else",
        procfile,
        "web: nodemon server.js\napi: nodemon api.js",
        'Procfile.dev names "api", which is not a process type of this build; known types: web, worker',
        /name one of web, worker in Procfile\.dev, or declare the type in the Procfile \(e\.g\. "api: <original command>"\)/,
      ],
      [
        "several, named by the file BP_LIVE_RELOAD_PROCFILE named",
        procfile,
        "api: a\nadmin: b",
        'Procfile.dev names "api", "admin", which are not a process type of this build; known types: web, worker',
        /name one of web, worker/,
      ],
      [
        "no process at all",
        [],
        "web: nodemon server.js",
        'Procfile.dev names "web", which is not a process type of this build; known types: none (no buildpack before reloadable/watchexec declared a process, and the app has no Procfile)',
        /declare the type in the Procfile/,
      ],
      ["Paketo's no-reload", [...nodeStart], "no-reload: nodemon server.js", 'Procfile.dev names "no-reload", a type that exists to run without reload', /e\.g\. web/],
      ["a *-no-reload type", [...procfile, spec("worker-no-reload", exec(["x"]))], "worker-no-reload: nodemon", 'Procfile.dev names "worker-no-reload", a type that exists to run without reload', /Name the reloadable type instead \(worker\)/],
    ])("%s is a DevProcfileError", (_name, processes, text, message, fix) => {
      let error: unknown;
      try {
        rewriteProcesses(processes, options(), false, new Map(), devProcfile(text));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DevProcfileError);
      expect((error as DevProcfileError).message).toBe(message);
      expect((error as DevProcfileError).fix).toMatch(fix);
    });

    it("a type named twice by way of BP_LIVE_RELOAD_PROCESSES and Procfile.dev is declared once", () => {
      const { declared } = rewriteProcesses(procfile, options({ processes: { kind: "named", names: ["web", "worker"] } }), false, new Map(), devProcfile("worker: nodemon worker.js"));
      expect(declared.map((p) => p.type)).toEqual(["web", "web-no-reload", "worker", "worker-no-reload"]);
    });
  });

  describe("errors", () => {
    const error = (processes: ProcessSpec[], selection: ProcessSelection = { kind: "default" }): ProcessError => {
      try {
        rewriteProcesses(processes, options({ processes: selection }), false);
      } catch (e) {
        expect(e).toBeInstanceOf(ProcessError);
        return e as ProcessError;
      }
      throw new Error("no error");
    };

    it.each<[string, ProcessSpec[], RegExp, RegExp]>([
      ["an empty command", [spec("web", exec([]), { default: true, buildpackId: "a/b" })], /^Process "web" of a\/b has an empty command: watchexec would have nothing to run$/, /BP_LIVE_RELOAD_PROCESSES \(current: web\)/],
      ["a blank shell script", [spec("web", shell("  "), { default: true })], /^Process "web" has an empty command/, /Fix the process/],
      [
        "a wrapper with an unknown option",
        [paketo("x/y", { type: "web", command: "watchexec", args: ["--restart", "--frobnicate", "--", "node"], direct: true, default: true }), paketo("x/y", { type: "no-reload", command: "node", direct: true }), spec("worker", exec(["w"]))],
        /^Process "web" of x\/y already runs watchexec, and unknown watchexec option "--frobnicate"$/,
        /^Leave "web" out of BP_LIVE_RELOAD_PROCESSES \(e\.g\. BP_LIVE_RELOAD_PROCESSES=worker\), or turn off that buildpack's own live reload\.$/,
      ],
      ["a wrapper with no command", [paketo("x/y", { type: "web", command: "watchexec", args: ["-r", "--"], direct: true, default: true })], /already runs watchexec, and watchexec runs no command$/, /BP_LIVE_RELOAD_PROCESSES=<other types>/],
      ["a shell wrapper it cannot take apart", [paketo("x/y", { type: "web", command: 'watchexec -r -- sh -c "$CMD"', direct: false, default: true })], /already runs watchexec, and its shell command runs watchexec with shell syntax/, /Leave "web" out/],
      ["a wrapper around a blank command", [paketo("x/y", { type: "web", command: "watchexec -r -- '  '", direct: false, default: true })], /^Process "web" of x\/y runs watchexec with an empty command$/, /Fix the process/],
    ])("%s -> ProcessError", (_name, processes, message, fix) => {
      const e = error(processes);
      expect(e.message).toMatch(message);
      expect(e.fix).toMatch(fix);
    });

    it("a process that is not chosen is not checked", () => {
      expect(rewriteProcesses([spec("web", exec(["node"]), { default: true }), spec("broken", exec([]))], options(), false).declared.map((p) => p.type)).toEqual(["web", "web-no-reload"]);
    });

    it("a named unknown type is a ConfigurationError", () => {
      expect(() => rewriteProcesses([spec("web", exec(["a"]))], options({ processes: { kind: "named", names: ["api"] } }), false)).toThrow(ConfigurationError);
    });
  });
});

// The wrapped command is a real watchexec command line: what parseWatchexec reads back from it is
// what was meant (catches a flag that takes the next word as its value).
describe("watchexecCommand read back by parseWatchexec", () => {
  it.each<[string, Partial<ReloadConfig>, string[] | undefined]>([
    ["restart", {}, undefined],
    ["signal with poll", { mode: { kind: "signal", signal: "SIGUSR1" }, poll: "1s" }, undefined],
    ["pre-command", { preCommand: "make build" }, undefined],
    ["restart by path", {}, ["package.json", "**"]],
  ])("%s", (_name, overrides, restartOn) => {
    const command = watchexecCommand(options(overrides, { restartOn }), ["node", "server.js"], undefined);
    const parsed = parseWatchexec(command.slice(1));
    expect(parsed).toMatchObject({ watchexec: true, invocation: { shell: "none", command: afterSeparator(command) } });
  });
});
