import { realpath, stat } from "node:fs/promises";
import { isAbsolute, join, normalize, relative, sep } from "node:path";
import { ConfigurationError } from "../errors.ts";
import { parseFlag } from "../config.ts";
import { DEPENDENCY_MANIFESTS, RESTART_ON, restartGlob } from "./restart-on.ts";

export { RESTART_ON };

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
/** A Procfile of dev commands (dev-procfile.ts), relative to the app dir. */
export const DEV_PROCFILE = "BP_LIVE_RELOAD_PROCFILE";

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
  // What reloadable-tar and reloadable-settle leave when they replace what docker cp made root's.
  ...[".reloadable-copy-*", ".reloadable-replaced-*"].flatMap((dir) => [`**/${dir}`, `**/${dir}/**`]),
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
  /** Whether BP_LIVE_RELOAD_MODE was set (else an earlier wrapper's signal mode is kept). */
  modeSet: boolean;
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
  /**
   * BP_LIVE_RELOAD_RESTART_ON as set: globs relative to the app dir (restart-on.ts); undefined
   * when unset (then a dev command restarts on the dependency manifests, anything else on every
   * change).
   */
  restartOn: string[] | undefined;
}

/** Raw values as the user set them (undefined = unset, so the default applies). */
export type RawReloadSettings = Partial<Record<string, string | undefined>>;

const SIGNALS = ["HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "TERM", "WINCH"];

/**
 * A comma-separated list. Set but naming nothing (" , ") or with an empty item ("web,,worker")
 * is an error: a silent "nothing" would turn the setting off without a word.
 */
function list(variable: string, value: string | undefined, what: string, fix: string, split = (v: string) => v.split(",")): string[] {
  if (blank(value)) return [];
  const items = split(value!).map((s) => s.trim());
  if (items.every((s) => s === "")) {
    throw new ConfigurationError(variable, value!, `names no ${what}: it holds only commas and spaces`, fix);
  }
  // One trailing comma is a harmless habit; an empty item elsewhere hides a missing name.
  const named = items.at(-1) === "" ? items.slice(0, -1) : items;
  if (named.includes("")) {
    throw new ConfigurationError(variable, value!, `has an empty item between two commas`, fix);
  }
  return named;
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

export interface DurationRange {
  minMs: number;
  maxMs: number;
  /** Why the limits are what they are, for the error. */
  why: string;
}

/**
 * Every duration is bounded so that no accepted value fails or misbehaves at launch: watchexec
 * exits on a number it cannot hold (99999999999999999999999), a 0 poll spends a core stat-ing
 * files, and a window or timeout of hours only looks like a hang.
 */
export const DURATION_RANGES: Readonly<Record<string, DurationRange>> = {
  [DEBOUNCE]: { minMs: 1, maxMs: 10_000, why: "a longer window delays every reload by its length; for long syncs use BP_LIVE_RELOAD_TRIGGER=true" },
  [STOP_TIMEOUT]: { minMs: 0, maxMs: 300_000, why: "0s kills at once; 5 minutes is past any graceful shutdown" },
  [QUIET_PERIOD]: { minMs: 0, maxMs: 60_000, why: "the app starts this long after a sync ends; reloadable-settle takes at most a minute" },
  [POLL]: { minMs: 100, maxMs: 60_000, why: "each poll stats every watched file: below 100ms that costs a core, above a minute nobody waits" },
};

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000 } as const;

function formatMs(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1_000 && ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/**
 * A duration in watchexec's syntax. A bare number takes `bareUnit`, so `BP_LIVE_RELOAD_DEBOUNCE=
 * 100` means 100ms and `BP_LIVE_RELOAD_STOP_TIMEOUT=5` means 5s, as watchexec reads them. The
 * variable's range (DURATION_RANGES) is checked; the result is what watchexec is given.
 */
export function parseDuration(variable: string, value: string, bareUnit: "ms" | "s"): string {
  const range = DURATION_RANGES[variable];
  const rangeText = range === undefined ? "" : ` from ${formatMs(range.minMs)} to ${formatMs(range.maxMs)}`;
  const match = /^(\d{1,12})(ms|s|m)?$/.exec(value.trim());
  if (match === null) {
    const tooLong = /^\d{13,}(ms|s|m)?$/.test(value.trim());
    throw new ConfigurationError(
      variable,
      value,
      tooLong ? `is out of range: a duration must be${rangeText || " a reasonable number"}` : "is not a duration",
      `Set ${variable} to a whole number with a unit: ms, s or m (e.g. 100ms, 5s)${rangeText}; a bare number means ${bareUnit}.`,
    );
  }
  const unit = (match[2] ?? bareUnit) as keyof typeof UNIT_MS;
  const amount = Number(match[1]);
  const ms = amount * UNIT_MS[unit];
  if (range !== undefined && (ms < range.minMs || ms > range.maxMs)) {
    throw new ConfigurationError(
      variable,
      value,
      `is out of range: it must be${rangeText} (${range.why})`,
      `Set ${variable} to a duration${rangeText} with a unit: ms, s or m (a bare number means ${bareUnit}), or unset it for the default.`,
    );
  }
  return `${amount}${unit}`;
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
  const fix = `Set ${PROCESSES} to a comma-separated list of process types (e.g. web,worker), * for all, or unset it for web and the default process.`;
  const names = list(PROCESSES, value, "process type", fix);
  const bad = names.find((n) => !/^[A-Za-z0-9._-]+$/.test(n));
  if (bad !== undefined) {
    throw new ConfigurationError(PROCESSES, value!, `names "${bad}", which is not a process type (letters, digits, ".", "_", "-")`, fix);
  }
  return { kind: "named", names };
}

/**
 * Why watchexec would refuse an --ignore glob (and exit at launch), or undefined. Follows the
 * gitignore line rules of the `ignore` crate and the parser of `globset` that watchexec 2.x
 * uses: an unclosed "{", an unopened "}", a dangling "\\" and a range such as [z-a] are errors
 * there; an unclosed "[" is a literal. A line starting with "#" is a comment: it ignores nothing.
 */
export function globProblem(glob: string): string | undefined {
  if (glob.startsWith("#")) return `"${glob}" starts with "#", which makes it a comment that ignores nothing (write \\# for a literal #)`;
  const chars = Array.from(glob);
  let depth = 0;
  let unclosedClassSeen = false;
  for (let i = 0; i < chars.length; ) {
    const c = chars[i++]!;
    if (c === "[" && !unclosedClassSeen) {
      let j = i;
      if (chars[j] === "!" || chars[j] === "^") j++;
      let first = true;
      let inRange = false;
      let start = "";
      let closed = false;
      while (j < chars.length) {
        const d = chars[j++]!;
        if (d === "]" && !first) {
          closed = true;
          break;
        }
        if (d === "-" && !first && !inRange) {
          inRange = true;
        } else {
          if (inRange) {
            if (d.codePointAt(0)! < start.codePointAt(0)!) return `"${glob}" has the range ${start}-${d}, which runs backwards`;
            inRange = false;
          } else {
            start = d;
          }
        }
        first = false;
      }
      if (closed) i = j;
      else unclosedClassSeen = true; // a literal "["; parsing goes on after it
    } else if (c === "{") {
      depth++;
    } else if (c === "}") {
      if (depth === 0) return `"${glob}" closes a "}" group that was never opened (write [}] for a literal })`;
      depth--;
    } else if (c === "\\") {
      if (i >= chars.length) return `"${glob}" ends with a lone "\\"`;
      i++;
    }
  }
  if (depth > 0) return `"${glob}" opens a "{" group that is never closed (write [{] for a literal {)`;
  return undefined;
}

/** Where a "[" class that starts at `open` closes (globset's rules), or -1 for a literal "[". */
function classEnd(chars: readonly string[], open: number): number {
  let j = open + 1;
  if (chars[j] === "!" || chars[j] === "^") j++;
  for (let first = true; j < chars.length; j++, first = false) {
    if (chars[j] === "]" && !first) return j;
  }
  return -1;
}

/**
 * Splits a list of globs at the commas that separate them, not at those of a `{a,b}` group
 * (`*.tmp,dist/{a,b}` is two globs) or inside a `[...]` class or after a `\`.
 */
export function splitGlobList(value: string): string[] {
  const chars = Array.from(value);
  const items: string[] = [];
  let current = "";
  let depth = 0;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === "\\") {
      current += c + (chars[i + 1] ?? "");
      i++;
      continue;
    }
    if (c === "[") {
      const end = classEnd(chars, i);
      if (end > 0) {
        current += chars.slice(i, end + 1).join("");
        i = end;
        continue;
      }
    }
    if (c === "{") depth++;
    else if (c === "}" && depth > 0) depth--;
    else if (c === "," && depth === 0) {
      items.push(current);
      current = "";
      continue;
    }
    current += c;
  }
  items.push(current);
  return items;
}

export function parseIgnores(value: string | undefined): string[] {
  const fix = `Set ${IGNORE} to comma-separated globs such as *.tmp,**/dist/** (a glob with a "/" is anchored at the app dir: start it with **/ to match at any depth), or unset it.`;
  const globs = list(IGNORE, value, "glob", fix, splitGlobList);
  for (const glob of globs) {
    const problem = globProblem(glob);
    if (problem !== undefined) throw new ConfigurationError(IGNORE, value!, `is not accepted by watchexec: ${problem}`, fix);
  }
  return globs;
}

/**
 * The watch paths as the user wrote them, made absolute: relative ones under the app dir, which
 * they must not leave (`../../etc`). An absolute path is taken as meant, inside the app dir or not.
 */
export function parseWatchPaths(value: string | undefined, appDir: string): string[] {
  const fix = `Set ${WATCH} to comma-separated paths inside the app dir (relative, e.g. src,templates), an absolute path on purpose, or unset it for the process working dir.`;
  return list(WATCH, value, "path", fix).map((p) => {
    if (isAbsolute(p)) return normalize(p);
    const path = normalize(join(appDir, p));
    if (!isInside(path, appDir)) {
      throw new ConfigurationError(
        WATCH,
        value!,
        `names "${p}", which leaves the app dir (it is ${path})`,
        `Watch paths inside the app dir (${appDir}); to watch ${path} on purpose, give it as an absolute path.`,
      );
    }
    return path;
  });
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Defaults that depend on the app (e.g. a JVM app's class dirs); the user's settings win. */
export interface ReloadDefaults {
  debounce: string;
  quietPeriod: string;
  stopTimeout: string;
  watch?: string[];
  ignore?: string[];
}

/** Parses and checks every BP_LIVE_RELOAD_* setting; each bad value is a named error. */
export function parseReloadConfig(raw: RawReloadSettings, appDir: string, defaults: ReloadDefaults): ReloadConfig {
  const watch = blank(raw[WATCH]) ? (defaults.watch ?? []) : parseWatchPaths(raw[WATCH], appDir);
  const userIgnores = parseIgnores(raw[IGNORE]);
  const trigger = parseFlag(TRIGGER, raw[TRIGGER]);
  const debounce = blank(raw[DEBOUNCE]) ? (trigger ? TRIGGER_DEBOUNCE : defaults.debounce) : raw[DEBOUNCE]!;
  return {
    processes: parseProcessSelection(raw[PROCESSES]),
    watch,
    ignore: [...new Set([...DEFAULT_IGNORES, ...(defaults.ignore ?? []), ...userIgnores])],
    mode: parseMode(raw[MODE]),
    modeSet: !blank(raw[MODE]),
    debounce: parseDuration(DEBOUNCE, debounce, "ms"),
    stopSignal: parseSignal(STOP_SIGNAL, blank(raw[STOP_SIGNAL]) ? "SIGTERM" : raw[STOP_SIGNAL]!),
    stopTimeout: parseDuration(STOP_TIMEOUT, blank(raw[STOP_TIMEOUT]) ? defaults.stopTimeout : raw[STOP_TIMEOUT]!, "s"),
    poll: blank(raw[POLL]) ? undefined : parseDuration(POLL, raw[POLL]!, "ms"),
    preCommand: blank(raw[PRE_COMMAND]) ? undefined : raw[PRE_COMMAND]!.trim(),
    trigger,
    quietPeriodMs: quietPeriodMs(raw, defaults, trigger, blank(raw[POLL]) ? undefined : durationMs(parseDuration(POLL, raw[POLL]!, "ms"))),
    restartOn: parseRestartOn(raw[RESTART_ON], appDir, trigger),
  };
}

/**
 * BP_LIVE_RELOAD_RESTART_ON: globs relative to the app dir, each checked as watchexec would
 * check it. In trigger mode every trigger restarts and the app dir is not watched, so a value
 * there would change nothing: an error rather than a setting that silently does nothing.
 */
export function parseRestartOn(value: string | undefined, appDir: string, trigger: boolean): string[] | undefined {
  if (blank(value)) return undefined;
  const fix = `Set ${RESTART_ON} to comma-separated globs relative to the app dir, such as package.json,src/config/** (* stays within a dir, ** crosses dirs), or unset it.`;
  if (trigger) {
    throw new ConfigurationError(
      RESTART_ON,
      value!,
      `is set in trigger mode (${TRIGGER}=true), where the app dir is not watched and every trigger restarts the process`,
      `Unset ${RESTART_ON}, and write the trigger only when those paths change (Tilt: run('date > <trigger dir>/sync', trigger=['package.json'])); or turn trigger mode off to restart by path.`,
    );
  }
  return list(RESTART_ON, value, "glob", fix, splitGlobList).map((written) => {
    const problem = globProblem(written);
    if (problem !== undefined) throw new ConfigurationError(RESTART_ON, value!, `is not accepted by watchexec: ${problem}`, fix);
    const checked = restartGlob(written, appDir);
    if ("problem" in checked) throw new ConfigurationError(RESTART_ON, value!, checked.problem, checked.fix ?? fix);
    return checked.glob;
  });
}

/** Checked in every mode; trigger mode needs none: the trigger is written once, after the sync. */
function quietPeriodMs(raw: RawReloadSettings, defaults: ReloadDefaults, trigger: boolean, pollMs: number | undefined): number {
  const ms = durationMs(parseDuration(QUIET_PERIOD, blank(raw[QUIET_PERIOD]) ? defaults.quietPeriod : raw[QUIET_PERIOD]!, "ms"));
  if (trigger) return 0;
  // Polling reports a sync's changes one scan at a time: by default the quiet period outlasts a
  // scan interval, or each scan of a long sync would start the app.
  return blank(raw[QUIET_PERIOD]) && pollMs !== undefined ? ms + pollMs : ms;
}

/** A duration parseDuration accepted, in milliseconds. */
export function durationMs(duration: string): number {
  const match = /^(\d+)(ms|s|m)$/.exec(duration);
  if (match === null) throw new Error(`not a parsed duration: ${duration}`);
  return Number(match[1]) * (match[2] === "ms" ? 1 : match[2] === "s" ? 1000 : 60_000);
}

/**
 * Checks the watch paths on disk, where parseReloadConfig cannot: watchexec exits at launch on
 * a path that does not exist, without naming it. The user's paths must exist now; one inside
 * the app dir must not lead out of it through a link. Defaults (a JVM app's class dirs) that do
 * not exist are dropped. Returns the config to use.
 *
 * A path that appears only later (a dir the first sync creates) must exist in the app already:
 * an empty dir holding a `.keep` file does. An absolute path outside the app dir is checked in
 * the build container, the only file system the build sees.
 */
export async function checkWatchPaths(config: ReloadConfig, raw: RawReloadSettings, appDir: string): Promise<ReloadConfig> {
  if (blank(raw[WATCH])) {
    const present = [];
    for (const path of config.watch) if (await stat(path).then(() => true, () => false)) present.push(path);
    return present.length === config.watch.length ? config : { ...config, watch: present };
  }
  const value = raw[WATCH]!;
  const realApp = await realpath(appDir).catch(() => appDir);
  for (const path of config.watch) {
    const inApp = isInside(path, appDir);
    const real = await realpath(path).catch((error: NodeJS.ErrnoException) => error);
    if (real instanceof Error) {
      const missing = real.code === "ENOENT" || real.code === "ENOTDIR";
      throw new ConfigurationError(
        WATCH,
        value,
        missing
          ? `names ${path}, which does not exist${inApp ? " in the app dir" : " at build time"}: watchexec would exit when the app starts`
          : `names ${path}, which the build cannot check (${real.code ?? real.message})`,
        inApp
          ? `Create it in the app (an empty dir with a .keep file, if a sync fills it later), or remove it from ${WATCH}.`
          : `Watch a path inside the app dir (${appDir}), or one that exists at build time; remove it from ${WATCH} otherwise.`,
        { cause: real },
      );
    }
    if (inApp && !isInside(real, realApp)) {
      throw new ConfigurationError(
        WATCH,
        value,
        `names ${path}, which is a link leading out of the app dir (to ${real})`,
        `Watch ${real} by its absolute path if that is meant, or a dir inside the app.`,
      );
    }
  }
  return config;
}

/**
 * The reload settings as the build uses them, for the configuration table: what `config` holds
 * after defaults (trigger mode's window, a JVM app's stop timeout and watch paths), written as
 * a user would set them. Watch paths inside the app dir are shown relative to it. `devProcfile`
 * names the Procfile of dev commands in use, if any.
 */
export function settingsInEffect(config: ReloadConfig, appDir: string, devProcfile?: string): Record<string, string> {
  const processes = config.processes.kind === "all" ? "*" : config.processes.kind === "named" ? config.processes.names.join(",") : "";
  return {
    [PROCESSES]: processes,
    [WATCH]: config.watch.map((p) => (isInside(p, appDir) ? relative(appDir, p) || "." : p)).join(","),
    [MODE]: config.mode.kind === "restart" ? "restart" : `signal:${config.mode.signal}`,
    [TRIGGER]: String(config.trigger),
    [DEBOUNCE]: config.debounce,
    [QUIET_PERIOD]: `${config.quietPeriodMs}ms`,
    [STOP_SIGNAL]: config.stopSignal,
    [STOP_TIMEOUT]: config.stopTimeout,
    [POLL]: config.poll ?? "",
    [PRE_COMMAND]: config.preCommand ?? "",
    [DEV_PROCFILE]: devProcfile ?? "",
    // The manifests apply to the dev commands only, and trigger mode watches no app dir.
    [RESTART_ON]: config.restartOn?.join(",") ?? (devProcfile !== undefined && !config.trigger ? DEPENDENCY_MANIFESTS.join(",") : ""),
  };
}
