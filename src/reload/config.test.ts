import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../errors.ts";
import { testdirsRemovedAfterEach } from "../testing/testdir.ts";
import { DEPENDENCY_MANIFESTS } from "./restart-on.ts";
import {
  checkWatchPaths,
  globProblem,
  settingsInEffect,
  splitGlobList,
  DEBOUNCE,
  DEFAULT_IGNORES,
  DEV_PROCFILE,
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
  parseRestartOn,
  QUIET_PERIOD,
  RESTART_ON,
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
  it.each<[string, string, "ms" | "s", string]>([
    [DEBOUNCE, "100", "ms", "100ms"],
    [STOP_TIMEOUT, "5", "s", "5s"],
    [STOP_TIMEOUT, "0", "s", "0s"],
    [DEBOUNCE, "1", "ms", "1ms"],
    [DEBOUNCE, "10s", "ms", "10s"],
    [STOP_TIMEOUT, "250ms", "s", "250ms"],
    [DEBOUNCE, "2s", "ms", "2s"],
    [STOP_TIMEOUT, "1m", "s", "1m"],
    [STOP_TIMEOUT, "5m", "s", "5m"],
    [POLL, "100", "ms", "100ms"],
    [POLL, "1m", "ms", "1m"],
    [DEBOUNCE, " 300ms ", "ms", "300ms"],
    [STOP_TIMEOUT, "007", "s", "7s"],
  ])("%s=%j (bare unit %s) -> %s", (variable, value, bareUnit, expected) => {
    expect(parseDuration(variable, value, bareUnit)).toBe(expected);
  });

  it.each(["fast", "1.5s", "-1", "10h", "", "ms", "5 s", "5S", "1d", "+5", "1e3"])("%j -> ConfigurationError", (value) => {
    const error = configurationError(() => parseDuration(STOP_TIMEOUT, value, "s"));
    expect(error.variable).toBe(STOP_TIMEOUT);
    expect(error.value).toBe(value);
    expect(error.message).toBe(`${STOP_TIMEOUT}=${JSON.stringify(value)} is not a duration`);
    expect(error.fix).toBe(`Set ${STOP_TIMEOUT} to a whole number with a unit: ms, s or m (e.g. 100ms, 5s) from 0ms to 5m; a bare number means s.`);
  });

  // Each was accepted at build and failed, or spent a core, at launch (issue 11).
  it.each<[string, string, "ms" | "s", string]>([
    [DEBOUNCE, "99999999999999999999999", "ms", `${DEBOUNCE}="99999999999999999999999" is out of range: a duration must be from 1ms to 10s`],
    [DEBOUNCE, "0", "ms", `${DEBOUNCE}="0" is out of range: it must be from 1ms to 10s (a longer window delays every reload by its length; for long syncs use BP_LIVE_RELOAD_TRIGGER=true)`],
    [DEBOUNCE, "1m", "ms", `${DEBOUNCE}="1m" is out of range: it must be from 1ms to 10s (a longer window delays every reload by its length; for long syncs use BP_LIVE_RELOAD_TRIGGER=true)`],
    [DEBOUNCE, "10001", "ms", `${DEBOUNCE}="10001" is out of range: it must be from 1ms to 10s (a longer window delays every reload by its length; for long syncs use BP_LIVE_RELOAD_TRIGGER=true)`],
    [POLL, "0", "ms", `${POLL}="0" is out of range: it must be from 100ms to 1m (each poll stats every watched file: below 100ms that costs a core, above a minute nobody waits)`],
    [POLL, "99ms", "ms", `${POLL}="99ms" is out of range: it must be from 100ms to 1m (each poll stats every watched file: below 100ms that costs a core, above a minute nobody waits)`],
    [POLL, "2m", "ms", `${POLL}="2m" is out of range: it must be from 100ms to 1m (each poll stats every watched file: below 100ms that costs a core, above a minute nobody waits)`],
    [STOP_TIMEOUT, "301", "s", `${STOP_TIMEOUT}="301" is out of range: it must be from 0ms to 5m (0s kills at once; 5 minutes is past any graceful shutdown)`],
    [STOP_TIMEOUT, "999999999999", "s", `${STOP_TIMEOUT}="999999999999" is out of range: it must be from 0ms to 5m (0s kills at once; 5 minutes is past any graceful shutdown)`],
  ])("%s=%j is out of range", (variable, value, bareUnit, message) => {
    const error = configurationError(() => parseDuration(variable, value, bareUnit));
    expect(error.message).toBe(message);
    expect(error.fix).toMatch(new RegExp(`^Set ${variable} to a (duration|whole number)`));
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
    ["web,worker,", { kind: "named", names: ["web", "worker"] }],
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

  // " , " silently turned reload off (issue 11).
  it.each<[string, string]>([
    [" , ", `${PROCESSES}=" , " names no process type: it holds only commas and spaces`],
    [",", `${PROCESSES}="," names no process type: it holds only commas and spaces`],
    ["web,,worker", `${PROCESSES}="web,,worker" has an empty item between two commas`],
    [",web", `${PROCESSES}=",web" has an empty item between two commas`],
  ])("%j -> %s", (value, message) => {
    const error = configurationError(() => parseProcessSelection(value));
    expect(error.message).toBe(message);
    expect(error.fix).toBe(`Set ${PROCESSES} to a comma-separated list of process types (e.g. web,worker), * for all, or unset it for web and the default process.`);
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
  const DEFAULTS = { debounce: "50ms", stopTimeout: "5s", quietPeriod: "1500ms" };

  it("uses the defaults when nothing is set", () => {
    expect(parseReloadConfig({}, APP, DEFAULTS)).toMatchObject({
      processes: { kind: "default" },
      watch: [],
      ignore: [...DEFAULT_IGNORES],
      mode: { kind: "restart" },
      debounce: "50ms",
      stopSignal: "SIGTERM",
      stopTimeout: "5s",
      poll: undefined,
      preCommand: undefined,
      quietPeriodMs: 1500,
    });
  });

  it.each<[string, string[]]>([
    ["src", ["/workspace/src"]],
    ["src, lib/", ["/workspace/src", "/workspace/lib/"]],
    ["./src/../templates", ["/workspace/templates"]],
    ["/etc/app, config", ["/etc/app", "/workspace/config"]],
    ["/abs//path/", ["/abs/path/"]],
    [".", ["/workspace"]],
    ["src,", ["/workspace/src"]],
    ["/workspace/../etc", ["/etc"]],
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
    ["blank quiet period takes the default", { [QUIET_PERIOD]: " " }, { quietPeriodMs: 1500 }],
    ["bare quiet period is ms", { [QUIET_PERIOD]: "300" }, { quietPeriodMs: 300 }],
    ["quiet period in s", { [QUIET_PERIOD]: "2s" }, { quietPeriodMs: 2000 }],
    ["quiet period 0 starts the app at each window", { [QUIET_PERIOD]: "0" }, { quietPeriodMs: 0 }],
    ["trigger mode needs no quiet period", { [TRIGGER]: "true", [QUIET_PERIOD]: "2s" }, { quietPeriodMs: 0, trigger: true }],
  ])("%s", (_name, raw, expected) => {
    expect(parseReloadConfig(raw, APP, DEFAULTS)).toMatchObject(expected);
  });

  it.each<[string, RawReloadSettings, number]>([
    ["polling, no quiet period set: the default plus one scan interval", { [POLL]: "500ms" }, 1500 + 500],
    ["polling with a quiet period set: as set", { [POLL]: "500ms", [QUIET_PERIOD]: "100ms" }, 100],
    ["polling in trigger mode: none", { [POLL]: "500ms", [TRIGGER]: "true" }, 0],
  ])("quiet period with polling: %s", (_name, raw, ms) => {
    expect(parseReloadConfig(raw, APP, DEFAULTS).quietPeriodMs).toBe(ms);
  });

  it("the defaults argument applies only to blank values", () => {
    const config = parseReloadConfig({}, APP, { debounce: "75", stopTimeout: "1m", quietPeriod: "1m" });
    expect(config.debounce).toBe("75ms");
    expect(config.stopTimeout).toBe("1m");
    expect(config.quietPeriodMs).toBe(60_000);
  });

  it.each<[string, string]>([
    [DEBOUNCE, "fast"],
    [STOP_TIMEOUT, "1.5s"],
    [STOP_SIGNAL, "SIGFOO"],
    [POLL, "-1"],
    [MODE, "reload"],
    [PROCESSES, "web,bad name"],
    [QUIET_PERIOD, "soon"],
  ])("a bad %s (%j) is a ConfigurationError naming it", (variable, value) => {
    const error = configurationError(() => parseReloadConfig({ [variable]: value }, APP, DEFAULTS));
    expect(error.variable).toBe(variable);
  });

  // Trigger mode uses no quiet period, but a malformed value is still a build error, not ignored.
  it("a bad quiet period in trigger mode is a ConfigurationError too", () => {
    const error = configurationError(() => parseReloadConfig({ [TRIGGER]: "true", [QUIET_PERIOD]: "soon" }, APP, DEFAULTS));
    expect(error.variable).toBe(QUIET_PERIOD);
  });
});

describe("watch paths that leave the app dir or name nothing", () => {
  const APP = "/workspace";
  const DEFAULTS = { debounce: "50ms", stopTimeout: "5s", quietPeriod: "80ms" };
  it.each<[string, string, string]>([
    ["../../etc", `${WATCH}="../../etc" names "../../etc", which leaves the app dir (it is /etc)`, "Watch paths inside the app dir (/workspace); to watch /etc on purpose, give it as an absolute path."],
    ["src, ../secrets", `${WATCH}="src, ../secrets" names "../secrets", which leaves the app dir (it is /secrets)`, "Watch paths inside the app dir (/workspace); to watch /secrets on purpose, give it as an absolute path."],
    ["src/../..", `${WATCH}="src/../.." names "src/../..", which leaves the app dir (it is /)`, "Watch paths inside the app dir (/workspace); to watch / on purpose, give it as an absolute path."],
    [" , ", `${WATCH}=" , " names no path: it holds only commas and spaces`, `Set ${WATCH} to comma-separated paths inside the app dir (relative, e.g. src,templates), an absolute path on purpose, or unset it for the process working dir.`],
    ["src,,lib", `${WATCH}="src,,lib" has an empty item between two commas`, `Set ${WATCH} to comma-separated paths inside the app dir (relative, e.g. src,templates), an absolute path on purpose, or unset it for the process working dir.`],
  ])("%j", (value, message, fix) => {
    const error = configurationError(() => parseReloadConfig({ [WATCH]: value }, APP, DEFAULTS));
    expect(error.message).toBe(message);
    expect(error.fix).toBe(fix);
  });

  it("a sibling whose name starts like the app dir is outside it", () => {
    const error = configurationError(() => parseReloadConfig({ [WATCH]: "../workspace-other" }, APP, DEFAULTS));
    expect(error.message).toContain("leaves the app dir (it is /workspace-other)");
  });
});

describe("checkWatchPaths (on disk)", () => {
  const testdir = testdirsRemovedAfterEach();
  const DEFAULTS = { debounce: "50ms", stopTimeout: "5s", quietPeriod: "80ms" };

  async function app() {
    const dir = await testdir({ "app/src/main.py": "x", "app/empty/.keep": "", "outside/x": "x" });
    await symlink("../outside", dir.join("app", "out"));
    await symlink("src", dir.join("app", "alias"));
    return { dir, appDir: dir.join("app") };
  }

  it("accepts paths that exist in the app dir, links that stay inside, and absolute paths that exist", async () => {
    const { dir, appDir } = await app();
    const raw = { [WATCH]: `src,empty,alias,${dir.join("outside")}` };
    const config = parseReloadConfig(raw, appDir, DEFAULTS);
    expect((await checkWatchPaths(config, raw, appDir)).watch).toEqual([join(appDir, "src"), join(appDir, "empty"), join(appDir, "alias"), dir.join("outside")]);
  });

  it.each<{ value: (dir: string) => string; message: (dir: string) => string; fix: (dir: string) => string }>([
    {
      value: () => "does/not/exist",
      message: (d) => `${WATCH}="does/not/exist" names ${d}/app/does/not/exist, which does not exist in the app dir: watchexec would exit when the app starts`,
      fix: () => `Create it in the app (an empty dir with a .keep file, if a sync fills it later), or remove it from ${WATCH}.`,
    },
    {
      value: () => "src/main.py/x",
      message: (d) => `${WATCH}="src/main.py/x" names ${d}/app/src/main.py/x, which does not exist in the app dir: watchexec would exit when the app starts`,
      fix: () => `Create it in the app (an empty dir with a .keep file, if a sync fills it later), or remove it from ${WATCH}.`,
    },
    {
      value: (d) => `${d}/nowhere`,
      message: (d) => `${WATCH}="${d}/nowhere" names ${d}/nowhere, which does not exist at build time: watchexec would exit when the app starts`,
      fix: (d) => `Watch a path inside the app dir (${d}/app), or one that exists at build time; remove it from ${WATCH} otherwise.`,
    },
    {
      value: () => "out",
      message: (d) => `${WATCH}="out" names ${d}/app/out, which is a link leading out of the app dir (to ${d}/outside)`,
      fix: (d) => `Watch ${d}/outside by its absolute path if that is meant, or a dir inside the app.`,
    },
  ])("refuses $value", async ({ value, message, fix }) => {
    const { dir, appDir } = await app();
    const raw = { [WATCH]: value(dir.path) };
    const config = parseReloadConfig(raw, appDir, DEFAULTS);
    const error: unknown = await checkWatchPaths(config, raw, appDir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).message).toBe(message(dir.path));
    expect((error as ConfigurationError).fix).toBe(fix(dir.path));
  });

  it("drops default paths that do not exist (a JVM app without META-INF, say) and keeps the rest", async () => {
    const { appDir } = await app();
    const config = parseReloadConfig({}, appDir, { ...DEFAULTS, watch: [join(appDir, "src"), join(appDir, "META-INF")] });
    expect((await checkWatchPaths(config, {}, appDir)).watch).toEqual([join(appDir, "src")]);
  });
});

describe("BP_LIVE_RELOAD_IGNORE globs watchexec would refuse at launch", () => {
  // Each row was run through watchexec 2.5.1 (--ignore GLOB): exit 1 for the refused ones.
  it.each<[string, string | undefined]>([
    ["*.tmp", undefined],
    ["**/dist/**", undefined],
    ["[abc", undefined],
    ["[", undefined],
    ["[]", undefined],
    ["[!]", undefined],
    ["[a-]", undefined],
    ["{a,{b,c}}", undefined],
    ["{}", undefined],
    ["a\\b", undefined],
    ["\\{", undefined],
    ["[{]", undefined],
    ["a**b", undefined],
    ["a/{b,c}/d", undefined],
    ["a{b", '"a{b" opens a "{" group that is never closed (write [{] for a literal {)'],
    ["{a,b", '"{a,b" opens a "{" group that is never closed (write [{] for a literal {)'],
    ["a}b", '"a}b" closes a "}" group that was never opened (write [}] for a literal })'],
    ["x{a}}", '"x{a}}" closes a "}" group that was never opened (write [}] for a literal })'],
    ["a\\", '"a\\" ends with a lone "\\"'],
    ["[\\", '"[\\" ends with a lone "\\"'],
    ["[z-a]", '"[z-a]" has the range z-a, which runs backwards'],
    ["[b-a", '"[b-a" has the range b-a, which runs backwards'],
    ["{a,[b}]", '"{a,[b}]" opens a "{" group that is never closed (write [{] for a literal {)'],
    ["#notes", '"#notes" starts with "#", which makes it a comment that ignores nothing (write \\# for a literal #)'],
  ])("%j -> %j", (glob, problem) => {
    expect(globProblem(glob)).toBe(problem);
  });

  it("parseReloadConfig refuses such a glob naming the variable, the value and the fix", () => {
    const error = configurationError(() => parseReloadConfig({ [IGNORE]: "*.tmp, a{b" }, "/workspace", { debounce: "50ms", stopTimeout: "5s", quietPeriod: "80ms" }));
    expect(error.message).toBe(`${IGNORE}="*.tmp, a{b" is not accepted by watchexec: "a{b" opens a "{" group that is never closed (write [{] for a literal {)`);
    expect(error.fix).toMatch(/^Set BP_LIVE_RELOAD_IGNORE to comma-separated globs/);
  });

  it.each<[string, string[]]>([
    ["*.tmp,dist/{a,b}", ["*.tmp", "dist/{a,b}"]],
    ["{a,b},{c,{d,e}}", ["{a,b}", "{c,{d,e}}"]],
    ["a[,]b,c", ["a[,]b", "c"]],
    ["a\\,b,c", ["a\\,b", "c"]],
    ["[]],x", ["[]]", "x"]],
    ["[,x", ["[", "x"]],
    ["a}b,c", ["a}b", "c"]],
  ])("the list %j splits into %j (commas of a {} group or a [] class belong to the glob)", (value, globs) => {
    expect(splitGlobList(value)).toEqual(globs);
  });

  it("a {a,b} group in a glob reaches watchexec whole", () => {
    expect(parseReloadConfig({ [IGNORE]: "*.tmp, dist/{a,b}/**" }, "/workspace", { debounce: "50ms", stopTimeout: "5s", quietPeriod: "80ms" }).ignore.slice(-2)).toEqual(["*.tmp", "dist/{a,b}/**"]);
  });

  it("an ignore list of only commas is an error", () => {
    const error = configurationError(() => parseReloadConfig({ [IGNORE]: " ,, " }, "/workspace", { debounce: "50ms", stopTimeout: "5s", quietPeriod: "80ms" }));
    expect(error.message).toBe(`${IGNORE}=" ,, " names no glob: it holds only commas and spaces`);
  });
});

describe("settingsInEffect (the configuration table's values)", () => {
  const APP = "/workspace";
  it("trigger mode's window, not the declared 50ms", () => {
    const config = parseReloadConfig({ [TRIGGER]: "true" }, APP, { debounce: "50ms", stopTimeout: "5s", quietPeriod: "80ms" });
    expect(settingsInEffect(config, APP)).toMatchObject({ [DEBOUNCE]: "10ms", [TRIGGER]: "true" });
  });

  it("a JVM app's 20s stop timeout and watch paths, relative to the app dir", () => {
    const config = parseReloadConfig({}, APP, { debounce: "50ms", stopTimeout: "20s", quietPeriod: "80ms", watch: ["/workspace/BOOT-INF/classes", "/workspace"] });
    expect(settingsInEffect(config, APP)).toMatchObject({ [STOP_TIMEOUT]: "20s", [WATCH]: "BOOT-INF/classes,." });
  });

  it("normalised user values", () => {
    const raw = { [PROCESSES]: "web, worker", [MODE]: "signal:hup", [STOP_SIGNAL]: "int", [POLL]: "500", [WATCH]: "/data,src", [PRE_COMMAND]: " make " };
    expect(settingsInEffect(parseReloadConfig(raw, APP, { debounce: "50ms", stopTimeout: "5s", quietPeriod: "80ms" }), APP)).toEqual({
      [PROCESSES]: "web,worker",
      [WATCH]: "/data,src",
      [MODE]: "signal:SIGHUP",
      [TRIGGER]: "false",
      [DEBOUNCE]: "50ms",
      [STOP_SIGNAL]: "SIGINT",
      [STOP_TIMEOUT]: "5s",
      [POLL]: "500ms",
      [QUIET_PERIOD]: "580ms", // the default plus one poll interval
      [PRE_COMMAND]: "make",
      [DEV_PROCFILE]: "",
      [RESTART_ON]: "",
    });
  });

  it.each<[string, RawReloadSettings, string | undefined, string, string]>([
    ["no dev command, unset: every change restarts", {}, undefined, "", ""],
    ["a dev command, unset: the dependency manifests", {}, "Procfile.dev", "Procfile.dev", DEPENDENCY_MANIFESTS.join(",")],
    ["a dev command, set: the user's globs", { [RESTART_ON]: "package.json, ./src/deps/" }, "config/Procfile.dev", "config/Procfile.dev", "package.json,src/deps"],
    ["no dev command, set", { [RESTART_ON]: "server" }, undefined, "", "server"],
    ["a dev command in trigger mode: the trigger restarts, no app-dir watch", { [TRIGGER]: "true" }, "Procfile.dev", "Procfile.dev", ""],
  ])("%s", (_, raw, devProcfile, procfile, restartOn) => {
    const config = parseReloadConfig(raw, APP, { debounce: "50ms", stopTimeout: "5s", quietPeriod: "80ms" });
    expect(settingsInEffect(config, APP, devProcfile)).toMatchObject({ [DEV_PROCFILE]: procfile, [RESTART_ON]: restartOn });
  });
});

describe("BP_LIVE_RELOAD_RESTART_ON", () => {
  const APP = "/workspace";

  it.each<[string, string[]]>([
    ["package.json", ["package.json"]],
    [" package.json , yarn.lock ", ["package.json", "yarn.lock"]],
    ["package.json,", ["package.json"]],
    ["./Gemfile", ["Gemfile"]],
    ["src/", ["src"]],
    ["/workspace/go.mod", ["go.mod"]],
    ["/workspace/src/**/*.h", ["src/**/*.h"]],
    ["**/package.json", ["**/package.json"]],
    ["**", ["**"]],
    ["config/{a,b}.yml,server", ["config/{a,b}.yml", "server"]],
    ["requirements[-_]dev.txt", ["requirements[-_]dev.txt"]],
    ["src//deps/./x", ["src/deps/x"]],
  ])("%j -> %j", (value, globs) => {
    expect(parseRestartOn(value, APP, false)).toEqual(globs);
  });

  it.each([undefined, "", "   "])("unset (%j) is undefined: no filter", (value) => {
    expect(parseRestartOn(value, APP, false)).toBeUndefined();
  });

  it.each<[string, string]>([
    [" , ", `${RESTART_ON}=" , " names no glob: it holds only commas and spaces`],
    ["a,,b", `${RESTART_ON}="a,,b" has an empty item between two commas`],
    ["src/{a,b", `${RESTART_ON}="src/{a,b" is not accepted by watchexec: "src/{a,b" opens a "{" group that is never closed (write [{] for a literal {)`],
    ["[z-a].txt", `${RESTART_ON}="[z-a].txt" is not accepted by watchexec: "[z-a].txt" has the range z-a, which runs backwards`],
    ["#deps", `${RESTART_ON}="#deps" is not accepted by watchexec: "#deps" starts with "#", which makes it a comment that ignores nothing (write \\# for a literal #)`],
    ["!src/**", `${RESTART_ON}="!src/**" has "!src/**": a leading "!" makes watchexec let through what an earlier glob matched, and a list of only such globs would restart on every change`],
    ["/etc/passwd", `${RESTART_ON}="/etc/passwd" has "/etc/passwd", an absolute path outside the app dir (/workspace): the globs are relative to the app dir`],
    ["/workspace", `${RESTART_ON}="/workspace" has "/workspace", an absolute path naming the app dir itself: the globs are relative to the app dir`],
    ["/workspace-old/package.json", `${RESTART_ON}="/workspace-old/package.json" has "/workspace-old/package.json", an absolute path outside the app dir (/workspace): the globs are relative to the app dir`],
    ["../package.json", `${RESTART_ON}="../package.json" has "../package.json", which leaves the app dir ("..")`],
    ["src/../../x", `${RESTART_ON}="src/../../x" has "src/../../x", which leaves the app dir ("..")`],
    ["./", `${RESTART_ON}="./" has "./", which names the app dir itself, not the paths in it`],
    [".", `${RESTART_ON}="." has ".", which names the app dir itself, not the paths in it`],
  ])("%j is an error naming the variable, the value and the problem", (value, message) => {
    const error = configurationError(() => parseReloadConfig({ [RESTART_ON]: value }, APP, { debounce: "50ms", stopTimeout: "5s", quietPeriod: "80ms" }));
    expect(error.message).toBe(message);
    expect(error.fix).toMatch(/relative to the app dir|BP_LIVE_RELOAD_IGNORE|\*\* matches every path/);
  });

  it("is an error in trigger mode, where it could change nothing, and says what to do instead", () => {
    const error = configurationError(() => parseReloadConfig({ [RESTART_ON]: "package.json", [TRIGGER]: "true" }, APP, { debounce: "50ms", stopTimeout: "5s", quietPeriod: "80ms" }));
    expect(error.message).toBe(`${RESTART_ON}="package.json" is set in trigger mode (${TRIGGER}=true), where the app dir is not watched and every trigger restarts the process`);
    expect(error.fix).toContain("trigger=['package.json']");
  });

  it("parseReloadConfig keeps it as restartOn", () => {
    expect(parseReloadConfig({ [RESTART_ON]: "server" }, APP, { debounce: "50ms", stopTimeout: "5s", quietPeriod: "80ms" }).restartOn).toEqual(["server"]);
    expect(parseReloadConfig({}, APP, { debounce: "50ms", stopTimeout: "5s", quietPeriod: "80ms" }).restartOn).toBeUndefined();
  });
});
