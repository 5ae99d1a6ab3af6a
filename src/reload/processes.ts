import { isAbsolute, join, normalize, relative } from "node:path";
import { BuildpackError, ConfigurationError } from "../errors.ts";
import type { Process, ProcessSpec } from "../cnb/types.ts";
import { PROCESSES, type ProcessSelection, type ReloadConfig } from "./config.ts";
import { isEmptyLaunch, launchArgv, PROFILE_SHELL, sameLaunch, unwrapLaunch } from "./launch-form.ts";
import { optionValues, type WatchexecInvocation } from "./watchexec-argv.ts";

export const NO_RELOAD_SUFFIX = "-no-reload";

/** Processes that exist to run WITHOUT reload (ours and Paketo's) are never wrapped by `*`. */
function isNoReloadVariant(type: string): boolean {
  return type === "no-reload" || type.endsWith(NO_RELOAD_SUFFIX);
}

/** The process types to make reloadable. By default: `web` and the default process. */
export function selectProcesses(processes: readonly { type: string; default: boolean }[], selection: ProcessSelection): string[] {
  const types = processes.map((p) => p.type);
  switch (selection.kind) {
    case "default":
      return processes.filter((p) => p.type === "web" || p.default).map((p) => p.type);
    case "all":
      return types.filter((t) => !isNoReloadVariant(t));
    case "named": {
      const unknown = selection.names.filter((n) => !types.includes(n));
      if (unknown.length > 0) {
        throw new ConfigurationError(
          PROCESSES,
          selection.names.join(","),
          `names ${unknown.map((u) => `"${u}"`).join(", ")}, which ${unknown.length === 1 ? "is" : "are"} not a process type of this build; known types: ${types.length > 0 ? types.join(", ") : "none"}`,
          `Set ${PROCESSES} to some of: ${types.join(", ")} (or * for all).`,
        );
      }
      return [...new Set(selection.names)];
    }
  }
}

/** A process of an earlier buildpack that this buildpack cannot make reloadable. */
export class ProcessError extends BuildpackError {}

/**
 * Stays PID 1 in a container so that watchexec is not: watchexec's own PID 1 mode gives the app
 * a fixed 2 s to stop on `docker stop`, whatever the stop timeout (see src/native/).
 */
export const INIT = "reloadable-init";
/** Runs a native binary of the app dir from a memory copy (see src/native/). */
export const EXEC_HELPER = "reloadable-exec";
/** Starts the app only once a sync has ended, and says what changed (see src/native/). */
export const SETTLE = "reloadable-settle";
/** $0 of the shell that runs the pre-command before the app. */
export const PRE_COMMAND_SCRIPT_NAME = "reloadable-pre-command";

/**
 * The pre-command runs as its own shell program (an argument, never pasted into a script), so
 * comments, `;`, `&`, newlines and quotes mean what they mean in `sh -c`; then the shell is
 * replaced by the app.
 */
export function preCommandArgv(preCommand: string): string[] {
  return ["sh", "-c", 'sh -c "$1" "$0" || exit; shift; exec "$@"', PRE_COMMAND_SCRIPT_NAME, preCommand];
}

/** What this buildpack puts between watchexec and the app, removed when it sees its own output. */
function unwrapOwnRunners(argv: readonly string[]): string[] {
  if (argv[0] === "sh" && argv[1] === "-c" && argv[3] === PRE_COMMAND_SCRIPT_NAME) return unwrapOwnRunners(argv.slice(5));
  if (argv[0] === EXEC_HELPER || argv[0] === INIT) return unwrapOwnRunners(argv.slice(1));
  if (argv[0] === SETTLE) return unwrapOwnRunners(argv.slice(2));
  return [...argv];
}

export interface WrapOptions {
  config: ReloadConfig;
  appDir: string;
  /** A program that runs the command (reloadable-exec, for native binaries). */
  runner?: string | undefined;
  /** Trigger mode: the dir watched instead of the app dir. */
  triggerDir?: string | undefined;
}

/**
 * `reloadable-init watchexec [flags] -- [reloadable-settle] [pre-command] [runner] <argv>`.
 * In restart mode watchexec restarts reloadable-settle, which waits the quiet period and prints
 * the one line per reload (watchexec's own banners are off). The watch paths are, in
 * order: the trigger dir (trigger mode), BP_LIVE_RELOAD_WATCH or the app's own defaults, the
 * earlier wrapper's, else the process's working dir or the app dir. The earlier wrapper's ignores
 * are kept beside this buildpack's (npm-start's package.json and node_modules, say).
 */
export function watchexecCommand(
  options: WrapOptions,
  argv: readonly string[],
  workingDir: string | undefined,
  wrapper?: WatchexecInvocation,
): string[] {
  const { config, triggerDir } = options;
  const base = workingDir ?? options.appDir;
  const wrapperWatch = wrapper === undefined ? [] : optionValues(wrapper, "watch").map((p) => normalize(isAbsolute(p) ? p : join(base, p)));
  const watch = triggerDir !== undefined ? [triggerDir] : config.watch.length > 0 ? config.watch : wrapperWatch.length > 0 ? wrapperWatch : [base];
  const carried = wrapper === undefined ? [] : optionValues(wrapper, "ignore").flatMap((glob) => workingIgnore(glob, base));
  const ignore = triggerDir !== undefined ? [] : [...new Set([...config.ignore, ...carried])];
  const ignoreFiles = triggerDir !== undefined || wrapper === undefined ? [] : optionValues(wrapper, "ignore-file");
  const inner = unwrapOwnRunners(argv);
  const { mode } = config;
  const restart = mode.kind === "restart";
  const run = [
    ...(restart ? [SETTLE, String(config.quietPeriodMs)] : []),
    ...(config.preCommand === undefined ? [] : preCommandArgv(config.preCommand)),
    ...(options.runner === undefined ? [] : [options.runner]),
    ...inner,
  ];
  return [
    INIT,
    "watchexec",
    ...(mode.kind === "restart" ? ["--restart", "--quiet", "--emit-events-to=file"] : ["--on-busy-update=signal", `--signal=${mode.signal}`]),
    "--shell=none",
    ...watch.flatMap((path) => ["--watch", path]),
    ...ignore.flatMap((glob) => ["--ignore", glob]),
    ...ignoreFiles.flatMap((file) => ["--ignore-file", file]),
    `--debounce=${config.debounce}`,
    // watchexec 2.5.1 sends the --stop-signal instead of --signal on a busy update when both
    // are given, so signal mode leaves the stop signal at watchexec's default.
    ...(restart ? [`--stop-signal=${config.stopSignal}`] : []),
    `--stop-timeout=${config.stopTimeout}`,
    ...(config.poll !== undefined ? [`--poll=${config.poll}`] : []),
    "--",
    ...run,
  ];
}

/**
 * An ignore glob of an earlier wrapper, in a form watchexec 2.x applies. It never matches an
 * ABSOLUTE pattern (Paketo npm-start's `--ignore /workspace/package.json` and `.../node_modules`
 * restart the app on every change to them), so a path inside the watch base becomes relative to
 * it, with `/**` for what is inside a dir.
 */
export function workingIgnore(glob: string, base: string): string[] {
  if (!isAbsolute(glob)) return [glob];
  const inside = relative(base, glob);
  if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) return [glob];
  return [inside, `${inside}/**`];
}

export interface RewriteResult {
  /** What this buildpack declares in its launch.toml. */
  declared: Process[];
  /** The types made reloadable. */
  reloadable: string[];
  /** For each reloadable type, the type that runs its original command. */
  originals: Record<string, string>;
  /** Whether a declared process runs through the profile shell (reloadable-shell). */
  usesProfileShell: boolean;
  /** One line per earlier watchexec wrapper replaced, for the build log. */
  notes: string[];
}

function declare(spec: ProcessSpec, type: string, command: string[], args: string[], isDefault: boolean): Process {
  return { type, command, args, default: isDefault, ...(spec.workingDir !== undefined ? { "working-dir": spec.workingDir } : {}) };
}

function describeOrigin(spec: ProcessSpec): string {
  return spec.buildpackId === undefined ? `"${spec.type}"` : `"${spec.type}" of ${spec.buildpackId}`;
}

/**
 * Each chosen type T is redeclared around watchexec, with the same default, working dir and
 * args. Its original command stays available under one name: a type that already runs it (a
 * Paketo buildpack's `no-reload`, executable-jar's `executable-jar` for its `reload`), else
 * `T-no-reload`, which is never the default. A process that already runs watchexec (Paketo's
 * reloadable processes) is unwrapped first, so no process runs two watchers.
 * With `declareOthers` (processes this buildpack found itself: a Procfile) the rest is declared
 * unchanged. `runners` maps a type to a program that runs its command.
 */
export function rewriteProcesses(
  processes: readonly ProcessSpec[],
  options: Omit<WrapOptions, "runner">,
  declareOthers: boolean,
  runners: ReadonlyMap<string, string> = new Map(),
): RewriteResult {
  const chosen = selectProcesses(processes, options.config.processes);
  const chosenSet = new Set(chosen);
  const declared: Process[] = [];
  const originals: Record<string, string> = {};
  const notes: string[] = [];
  let usesProfileShell = false;
  const generated = new Set<string>();

  const rewritten = new Map<string, Process[]>();
  for (const spec of processes) {
    if (!chosenSet.has(spec.type)) continue;
    if (isEmptyLaunch(spec.launch)) {
      throw new ProcessError(
        `Process ${describeOrigin(spec)} has an empty command: watchexec would have nothing to run`,
        `Fix the process in the buildpack that declares it, or leave it out of ${PROCESSES} (current: ${chosen.join(",")}).`,
      );
    }
    const unwrapped = unwrapLaunch(spec.launch);
    if ("problem" in unwrapped) {
      throw new ProcessError(
        `Process ${describeOrigin(spec)} already runs watchexec, and ${unwrapped.problem}`,
        `Leave "${spec.type}" out of ${PROCESSES} (e.g. ${PROCESSES}=${processes.filter((p) => p.type !== spec.type && !isNoReloadVariant(p.type)).map((p) => p.type).join(",") || "<other types>"}), or turn off that buildpack's own live reload.`,
      );
    }
    if (isEmptyLaunch(unwrapped.launch)) {
      throw new ProcessError(`Process ${describeOrigin(spec)} runs watchexec with an empty command`, `Fix the process in the buildpack that declares it, or leave it out of ${PROCESSES}.`);
    }
    const original: ProcessSpec = { ...spec, launch: unwrapped.launch };
    if (unwrapped.wrapper !== undefined) {
      const ignores = optionValues(unwrapped.wrapper, "ignore");
      notes.push(`${spec.type}: replaced the watchexec wrapper of ${spec.buildpackId ?? "the process"}${ignores.length > 0 ? ` (kept its ignores: ${ignores.join(", ")})` : ""}`);
    }
    const { argv, args } = launchArgv(original.launch, spec.type);
    if (argv[0] === PROFILE_SHELL) usesProfileShell = true;
    const wrapped = watchexecCommand({ ...options, runner: runners.get(spec.type) }, argv, spec.workingDir, unwrapped.wrapper);
    const entries = [declare(spec, spec.type, wrapped, args, spec.default)];
    const twin = processes.find((p) => !chosenSet.has(p.type) && sameLaunch(p, original));
    if (twin !== undefined) originals[spec.type] = twin.type;
    else {
      const type = `${spec.type}${NO_RELOAD_SUFFIX}`;
      entries.push(declare(spec, type, argv, args, false));
      originals[spec.type] = type;
      generated.add(type);
    }
    rewritten.set(spec.type, entries);
  }

  for (const spec of processes) {
    const entries = rewritten.get(spec.type);
    if (entries !== undefined) declared.push(...entries);
    else if (declareOthers && !generated.has(spec.type)) {
      const { argv, args } = launchArgv(spec.launch, spec.type);
      if (argv[0] === PROFILE_SHELL) usesProfileShell = true;
      declared.push(declare(spec, spec.type, argv, args, spec.default));
    }
  }
  return { declared, reloadable: chosen, originals, usesProfileShell, notes };
}
