import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../errors.ts";
import {
  DEBOUNCE,
  DEFAULT_IGNORES,
  IGNORE,
  MODE,
  parseDuration,
  parseMode,
  parseProcessSelection,
  parseReloadConfig,
  parseSignal,
  POLL,
  PRE_COMMAND,
  PROCESSES,
  QUIET_PERIOD,
  STOP_SIGNAL,
  STOP_TIMEOUT,
  TRIGGER,
  WATCH,
  type RawReloadSettings,
} from "./config.ts";

const ALL_SIGNALS = ["SIGHUP", "SIGINT", "SIGQUIT", "SIGKILL", "SIGUSR1", "SIGUSR2", "SIGTERM", "SIGWINCH"];

/** Runs `fn`, expects a ConfigurationError and returns it. */
function configurationError(fn: () => unknown): ConfigurationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error("expected a ConfigurationError, nothing was thrown");
}

describe("parseSignal", () => {
  it.each([
    ["SIGHUP", "SIGHUP"],
    ["hup", "SIGHUP"],
    ["Sighup", "SIGHUP"],
    ["sighup", "SIGHUP"],
    ["USR2", "SIGUSR2"],
    ["usr1", "SIGUSR1"],
    ["SIGTERM", "SIGTERM"],
    ["  SIGINT  ", "SIGINT"],
    ["quit", "SIGQUIT"],
    ["KILL", "SIGKILL"],
    ["winch", "SIGWINCH"],
  ])("%j -> %s", (value, expected) => {
    expect(parseSignal(STOP_SIGNAL, value)).toBe(expected);
  });

  it.each(["SIGFOO", "9", "", "   ", "SIG", "SIGSIGHUP", "HUP USR1", "SIGSTOP"])("%j -> ConfigurationError naming variable, value and the accepted signals", (value) => {
    const error = configurationError(() => parseSignal(STOP_SIGNAL, value));
    expect(error.variable).toBe(STOP_SIGNAL);
    expect(error.value).toBe(value);
    expect(error.message).toContain(STOP_SIGNAL);
    expect(error.message).toContain(JSON.stringify(value));
    for (const signal of ALL_SIGNALS) expect(error.message).toContain(signal);
    expect(error.fix).toContain(STOP_SIGNAL);
  });
});

describe("parseDuration", () => {
  it.each<[string, "ms" | "s", string]>([
    ["100", "ms", "100ms"],
    ["5", "s", "5s"],
    ["0", "ms", "0ms"],
    ["250ms", "s", "250ms"],
    ["2s", "ms", "2s"],
    ["1m", "ms", "1m"],
    ["1m", "s", "1m"],
    [" 300ms ", "ms", "300ms"],
    ["007", "s", "007s"],
  ])("%j (bare unit %s) -> %s", (value, bareUnit, expected) => {
    expect(parseDuration(DEBOUNCE, value, bareUnit)).toBe(expected);
  });

  it.each(["fast", "1.5s", "-1", "10h", "", "ms", "5 s", "5S", "1d", "+5", "1e3"])("%j -> ConfigurationError", (value) => {
    const error = configurationError(() => parseDuration(STOP_TIMEOUT, value, "s"));
    expect(error.variable).toBe(STOP_TIMEOUT);
    expect(error.value).toBe(value);
    expect(error.message).toContain(`${STOP_TIMEOUT}=${JSON.stringify(value)}`);
    expect(error.fix).toMatch(/ms, s or m/);
  });
});

describe("parseMode", () => {
  it.each<[string | undefined, unknown]>([
    [undefined, { kind: "restart" }],
    ["", { kind: "restart" }],
    ["   ", { kind: "restart" }],
    ["restart", { kind: "restart" }],
    ["RESTART", { kind: "restart" }],
    [" Restart ", { kind: "restart" }],
    ["signal:SIGHUP", { kind: "signal", signal: "SIGHUP" }],
    ["signal:usr1", { kind: "signal", signal: "SIGUSR1" }],
    ["SIGNAL:hup", { kind: "signal", signal: "SIGHUP" }],
    ["signal: SIGUSR2", { kind: "signal", signal: "SIGUSR2" }],
  ])("%j -> %j", (value, expected) => {
    expect(parseMode(value)).toEqual(expected);
  });

  it.each(["signal", "signal:", "signal: ", "reload", "restart:SIGHUP", "SIGHUP", "signal SIGHUP"])("%j -> ConfigurationError naming the mode variable", (value) => {
    const error = configurationError(() => parseMode(value));
    expect(error.variable).toBe(MODE);
    expect(error.value).toBe(value);
    expect(error.message).toContain("restart or signal:<SIGNAL>");
  });

  it.each(["signal:FOO", "signal:9", "signal:SIGSTOP"])("%j -> ConfigurationError about the signal", (value) => {
    const error = configurationError(() => parseMode(value));
    expect(error.variable).toBe(MODE);
    expect(error.value).toBe(value);
    expect(error.message).toContain("names a signal watchexec can't send");
    expect(error.message).toContain("SIGHUP");
  });
});

describe("parseProcessSelection", () => {
  it.each<[string | undefined, unknown]>([
    [undefined, { kind: "default" }],
    ["", { kind: "default" }],
    ["  ", { kind: "default" }],
    ["*", { kind: "all" }],
    [" * ", { kind: "all" }],
    ["web", { kind: "named", names: ["web"] }],
    ["web, worker", { kind: "named", names: ["web", "worker"] }],
    ["web,,worker,", { kind: "named", names: ["web", "worker"] }],
    ["web-no-reload,my.proc_2", { kind: "named", names: ["web-no-reload", "my.proc_2"] }],
  ])("%j -> %j", (value, expected) => {
    expect(parseProcessSelection(value)).toEqual(expected);
  });

  it.each([
    ["web,bad name", "bad name"],
    ["web:1", "web:1"],
    ["*,web", "*"],
    ["web;worker", "web;worker"],
  ])("%j -> ConfigurationError naming %j", (value, bad) => {
    const error = configurationError(() => parseProcessSelection(value));
    expect(error.variable).toBe(PROCESSES);
    expect(error.value).toBe(value);
    expect(error.message).toContain(`"${bad}"`);
  });
});

describe("DEFAULT_IGNORES", () => {
  it.each(["**/*.log", "**/__pycache__", "**/__pycache__/**", "**/.git", "**/.git/**", "**/node_modules/.cache/**", "**/*.py[co]"])("contains %s", (glob) => {
    expect(DEFAULT_IGNORES).toContain(glob);
  });

  it("has no duplicates", () => {
    expect(new Set(DEFAULT_IGNORES).size).toBe(DEFAULT_IGNORES.length);
  });
});

describe("parseReloadConfig", () => {
  const APP = "/workspace";
  const DEFAULTS = { debounce: "50ms", stopTimeout: "5s", quietPeriod: "80ms" };

  it("uses the defaults when nothing is set", () => {
    expect(parseReloadConfig({}, APP, DEFAULTS)).toMatchObject({
      processes: { kind: "default" },
      watch: [],
      ignore: [...DEFAULT_IGNORES],
      mode: { kind: "restart" },
      debounce: "50ms",
      quietPeriodMs: 80,
      stopSignal: "SIGTERM",
      stopTimeout: "5s",
      poll: undefined,
      preCommand: undefined,
    });
  });

  it.each<[string, string[]]>([
    ["src", ["/workspace/src"]],
    ["src, lib/", ["/workspace/src", "/workspace/lib/"]],
    ["./src/../templates", ["/workspace/templates"]],
    ["/etc/app, config", ["/etc/app", "/workspace/config"]],
    ["/abs//path/", ["/abs/path/"]],
    [" , ", []],
  ])("watch %j -> %j", (value, expected) => {
    expect(parseReloadConfig({ [WATCH]: value }, APP, DEFAULTS).watch).toEqual(expected);
  });

  it.each<[string, string[]]>([
    ["", []],
    ["*.tmp", ["*.tmp"]],
    ["*.tmp, dist/**", ["*.tmp", "dist/**"]],
    ["**/*.log, *.tmp", ["*.tmp"]],
    ["**/__pycache__/**,**/__pycache__", []],
  ])("ignore %j appends %j to DEFAULT_IGNORES", (value, added) => {
    expect(parseReloadConfig({ [IGNORE]: value }, APP, DEFAULTS).ignore).toEqual([...DEFAULT_IGNORES, ...added]);
  });

  // Regression test (the bug is fixed): a glob the user repeats is appended twice; only the built-in ones are deduplicated.
  it("ignore lists a glob the user repeats once", () => {
    expect(parseReloadConfig({ [IGNORE]: "*.tmp,*.tmp" }, APP, DEFAULTS).ignore).toEqual([...DEFAULT_IGNORES, "*.tmp"]);
  });

  it.each<[string, RawReloadSettings, Partial<ReturnType<typeof parseReloadConfig>>]>([
    ["blank debounce takes the default", { [DEBOUNCE]: " " }, { debounce: "50ms" }],
    ["bare debounce is ms", { [DEBOUNCE]: "200" }, { debounce: "200ms" }],
    ["blank stop timeout takes the default", { [STOP_TIMEOUT]: "" }, { stopTimeout: "5s" }],
    ["bare stop timeout is s", { [STOP_TIMEOUT]: "10" }, { stopTimeout: "10s" }],
    ["blank stop signal is SIGTERM", { [STOP_SIGNAL]: "" }, { stopSignal: "SIGTERM" }],
    ["stop signal normalised", { [STOP_SIGNAL]: "int" }, { stopSignal: "SIGINT" }],
    ["blank poll is inotify", { [POLL]: "  " }, { poll: undefined }],
    ["bare poll is ms", { [POLL]: "500" }, { poll: "500ms" }],
    ["pre-command trimmed", { [PRE_COMMAND]: "  make build  " }, { preCommand: "make build" }],
    ["blank pre-command is none", { [PRE_COMMAND]: " " }, { preCommand: undefined }],
    ["mode", { [MODE]: "signal:hup" }, { mode: { kind: "signal", signal: "SIGHUP" } }],
    ["processes", { [PROCESSES]: "*" }, { processes: { kind: "all" } }],
  ])("%s", (_name, raw, expected) => {
    expect(parseReloadConfig(raw, APP, DEFAULTS)).toMatchObject(expected);
  });

  it("the defaults argument applies only to blank values", () => {
    const config = parseReloadConfig({}, APP, { debounce: "75", stopTimeout: "1m", quietPeriod: "120" });
    expect(config.debounce).toBe("75ms");
    expect(config.stopTimeout).toBe("1m");
    expect(config.quietPeriodMs).toBe(120);
  });

  it.each<[string, RawReloadSettings, number]>([
    ["blank quiet period takes the default", { [QUIET_PERIOD]: " " }, 80],
    ["bare quiet period is ms", { [QUIET_PERIOD]: "200" }, 200],
    ["0 turns it off", { [QUIET_PERIOD]: "0" }, 0],
    ["seconds", { [QUIET_PERIOD]: "1s" }, 1000],
    ["the longest reloadable-settle waits", { [QUIET_PERIOD]: "60s" }, 60_000],
    ["trigger mode has none, whatever is set", { [TRIGGER]: "true", [QUIET_PERIOD]: "500ms" }, 0],
  ])("quiet period: %s", (_name, raw, ms) => {
    expect(parseReloadConfig(raw, APP, DEFAULTS).quietPeriodMs).toBe(ms);
  });

  it.each(["soon", "1.5s", "-1", "61s", "2m"])("a bad quiet period (%j) fails the build, naming the variable and the fix", (value) => {
    const error = configurationError(() => parseReloadConfig({ [QUIET_PERIOD]: value }, APP, DEFAULTS));
    expect(error.variable).toBe(QUIET_PERIOD);
    expect(error.value).toBe(value);
    expect(error.fix).toContain(QUIET_PERIOD);
  });

  it.each<[string, string]>([
    [DEBOUNCE, "fast"],
    [STOP_TIMEOUT, "1.5s"],
    [STOP_SIGNAL, "SIGFOO"],
    [POLL, "-1"],
    [MODE, "reload"],
    [PROCESSES, "web,bad name"],
  ])("a bad %s (%j) is a ConfigurationError naming it", (variable, value) => {
    const error = configurationError(() => parseReloadConfig({ [variable]: value }, APP, DEFAULTS));
    expect(error.variable).toBe(variable);
  });
});
