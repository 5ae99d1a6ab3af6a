import { isAbsolute, join, normalize } from "node:path";
import { ConfigurationError } from "../errors.ts";
import { parseFlag } from "../config.ts";

export const PROCESSES = "BP_LIVE_RELOAD_PROCESSES";
export const WATCH = "BP_LIVE_RELOAD_WATCH";
export const IGNORE = "BP_LIVE_RELOAD_IGNORE";
export const MODE = "BP_LIVE_RELOAD_MODE";
export const DEBOUNCE = "BP_LIVE_RELOAD_DEBOUNCE";
export const STOP_SIGNAL = "BP_LIVE_RELOAD_STOP_SIGNAL";
export const STOP_TIMEOUT = "BP_LIVE_RELOAD_STOP_TIMEOUT";
export const POLL = "BP_LIVE_RELOAD_POLL";
export const PRE_COMMAND = "BP_LIVE_RELOAD_PRE_COMMAND";
export const TRIGGER = "BP_LIVE_RELOAD_TRIGGER";
export const QUIET_PERIOD = "BP_LIVE_RELOAD_QUIET_PERIOD";

/** The window in trigger mode: one trigger write is a create and a modify microseconds apart. */
export const TRIGGER_DEBOUNCE = "10ms";

/**
 * Files that apps and their runtimes write into their own dir while running. Watching them makes
 * an app restart itself, forever. A dir needs two globs: `dir/**` for the files inside it (`-i dir`
 * does not match them) and `dir` for the dir itself, whose creation is an event too.
 */
export const DEFAULT_IGNORES: readonly string[] = [
  "**/*.log",
  "**/*.pid",
  "**/*.py[co]",
  "**/*.swp",
  "**/*~",
  ...["logs", "__pycache__", "node_modules/.cache", ".git", "tmp"].flatMap((dir) => [`**/${dir}`, `**/${dir}/**`]),
];
export type ProcessSelection = { kind: "default" } | { kind: "all" } | { kind: "named"; names: string[] };
export type ReloadMode = { kind: "restart" } | { kind: "signal"; signal: string };

export interface ReloadConfig {
  processes: ProcessSelection;
  /** Absolute paths; empty means each process's working dir, else the app dir. */
  watch: string[];
  /** The built-in ignores plus the user's. */
  ignore: string[];
  mode: ReloadMode;
  debounce: string;
  stopSignal: string;
  stopTimeout: string;
  /** A poll interval, or undefined for inotify. */
  poll: string | undefined;
  preCommand: string | undefined;
  /** Trigger mode: watch only the trigger dir, which a sync tool writes after each sync. */
  trigger: boolean;
  /**
   * App-dir mode: how long no new window may open before the app starts again (reloadable-settle),
   * so that a sync of any length starts it once; 0 starts it at each window.
   */
  quietPeriodMs: number;
}

/** Raw values as the user set them (undefined = unset, so the default applies). */
export type RawReloadSettings = Partial<Record<string, string | undefined>>;

const SIGNALS = ["HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "TERM", "WINCH"];

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function blank(value: string | undefined): boolean {
  return value === undefined || value.trim() === "";
}

export function parseSignal(variable: string, value: string): string {
  const name = value.trim().toUpperCase().replace(/^SIG/, "");
  if (!SIGNALS.includes(name)) {
    throw new ConfigurationError(variable, value, `is not a signal watchexec can send; use one of ${SIGNALS.map((s) => `SIG${s}`).join(", ")}`, `Set ${variable} to a signal name such as SIGTERM.`);
  }
  return `SIG${name}`;
}

/**
 * A duration in watchexec's syntax. A bare number takes `bareUnit`, so `BP_LIVE_RELOAD_DEBOUNCE=
 * 100` means 100ms and `BP_LIVE_RELOAD_STOP_TIMEOUT=5` means 5s, as watchexec reads them.
 */
export function parseDuration(variable: string, value: string, bareUnit: "ms" | "s"): string {
  const match = /^(\d+)(ms|s|m)?$/.exec(value.trim());
  if (match === null) {
    throw new ConfigurationError(variable, value, "is not a duration", `Set ${variable} to a whole number with a unit: ms, s or m (e.g. 100ms, 5s).`);
  }
  return `${match[1]}${match[2] ?? bareUnit}`;
}

export function parseMode(value: string | undefined): ReloadMode {
  if (blank(value) || value!.trim().toLowerCase() === "restart") return { kind: "restart" };
  const match = /^signal:(.+)$/i.exec(value!.trim());
  if (match === null) {
    throw new ConfigurationError(MODE, value!, "is not a reload mode: use restart or signal:<SIGNAL>", `Set ${MODE} to restart (the default) or e.g. signal:SIGHUP for an app that reloads itself.`);
  }
  try {
    return { kind: "signal", signal: parseSignal(MODE, match[1] ?? "") };
  } catch (cause) {
    throw new ConfigurationError(MODE, value!, `names a signal watchexec can't send; use one of ${SIGNALS.map((s) => `SIG${s}`).join(", ")}`, `Set ${MODE} to e.g. signal:SIGHUP.`, { cause });
  }
}

export function parseProcessSelection(value: string | undefined): ProcessSelection {
  if (blank(value)) return { kind: "default" };
  if (value!.trim() === "*") return { kind: "all" };
  const names = list(value);
  const bad = names.find((n) => !/^[A-Za-z0-9._-]+$/.test(n));
  if (bad !== undefined) {
    throw new ConfigurationError(PROCESSES, value!, `names "${bad}", which is not a process type (letters, digits, ".", "_", "-")`, `Set ${PROCESSES} to a comma-separated list of process types, or * for all.`);
  }
  return { kind: "named", names };
}

/** Parses and checks every BP_LIVE_RELOAD_* setting; each bad value is a named error. */
/** Defaults that depend on the app (e.g. a JVM app's class dirs); the user's settings win. */
export interface ReloadDefaults {
  debounce: string;
  quietPeriod: string;
  stopTimeout: string;
  watch?: string[];
  ignore?: string[];
}

export function parseReloadConfig(raw: RawReloadSettings, appDir: string, defaults: ReloadDefaults): ReloadConfig {
  const watch = blank(raw[WATCH]) ? (defaults.watch ?? []) : list(raw[WATCH]).map((p) => normalize(isAbsolute(p) ? p : join(appDir, p)));
  const userIgnores = list(raw[IGNORE]);
  const trigger = parseFlag(TRIGGER, raw[TRIGGER]);
  const debounce = blank(raw[DEBOUNCE]) ? (trigger ? TRIGGER_DEBOUNCE : defaults.debounce) : raw[DEBOUNCE]!;
  return {
    processes: parseProcessSelection(raw[PROCESSES]),
    watch,
    ignore: [...new Set([...DEFAULT_IGNORES, ...(defaults.ignore ?? []), ...userIgnores])],
    mode: parseMode(raw[MODE]),
    debounce: parseDuration(DEBOUNCE, debounce, "ms"),
    stopSignal: parseSignal(STOP_SIGNAL, blank(raw[STOP_SIGNAL]) ? "SIGTERM" : raw[STOP_SIGNAL]!),
    stopTimeout: parseDuration(STOP_TIMEOUT, blank(raw[STOP_TIMEOUT]) ? defaults.stopTimeout : raw[STOP_TIMEOUT]!, "s"),
    poll: blank(raw[POLL]) ? undefined : parseDuration(POLL, raw[POLL]!, "ms"),
    preCommand: blank(raw[PRE_COMMAND]) ? undefined : raw[PRE_COMMAND]!.trim(),
    trigger,
    // Trigger mode needs no quiet period: the trigger is written once, after the sync.
    quietPeriodMs: trigger ? 0 : parseQuietPeriod(blank(raw[QUIET_PERIOD]) ? defaults.quietPeriod : raw[QUIET_PERIOD]!),
  };
}

/** reloadable-settle's limit (src/native/settle.c): a longer wait is refused when the app starts. */
export const MAX_QUIET_PERIOD_MS = 60_000;

/** The quiet period in ms, checked here so that a value the waiter refuses fails the build, not the app. */
export function parseQuietPeriod(value: string): number {
  const ms = durationMs(parseDuration(QUIET_PERIOD, value, "ms"));
  if (ms > MAX_QUIET_PERIOD_MS) {
    throw new ConfigurationError(QUIET_PERIOD, value, "is longer than 60s, the longest quiet period reloadable-settle waits", `Set ${QUIET_PERIOD} to at most 60s (e.g. 60ms); 0 starts the app at every window.`);
  }
  return ms;
}

/** A duration parseDuration accepted, in milliseconds. */
export function durationMs(duration: string): number {
  const match = /^(\d+)(ms|s|m)$/.exec(duration);
  if (match === null) throw new Error(`not a parsed duration: ${duration}`);
  return Number(match[1]) * (match[2] === "ms" ? 1 : match[2] === "s" ? 1000 : 60_000);
}
