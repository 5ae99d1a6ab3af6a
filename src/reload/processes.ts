import { isAbsolute, join, normalize, relative } from "node:path";
import { BuildpackError, ConfigurationError } from "../errors.ts";
import type { Launch, Process, ProcessSpec } from "../cnb/types.ts";
import { MODE, parseSignal, PROCESSES, type ProcessSelection, type ReloadConfig } from "./config.ts";
import { isEmptyLaunch, launchArgv, sameLaunch, unwrapLaunch } from "./launch-form.ts";
import { EXEC_HELPER, INIT, PRE_COMMAND_SCRIPT_NAME, PROFILE_SHELL, SETTLE, unwrapOwnRunners } from "./own-programs.ts";

export { EXEC_HELPER, INIT, PRE_COMMAND_SCRIPT_NAME, SETTLE };
import { optionValues, type WatchexecInvocation } from "./watchexec-argv.ts";
import { DEPENDENCY_MANIFESTS, restartFilters } from "./restart-on.ts";
import { DevProcfileError, type DevProcfile } from "./dev-procfile.ts";

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
 * The pre-command runs as its own shell program (an argument, never pasted into a script), so
 * comments, `;`, `&`, newlines and quotes mean what they mean in `sh -c`; then the shell is
 * replaced by the app.
 */
export function preCommandArgv(preCommand: string): string[] {
  return ["sh", "-c", 'sh -c "$1" "$0" || exit; shift; exec "$@"', PRE_COMMAND_SCRIPT_NAME, preCommand];
}

export interface WrapOptions {
  config: ReloadConfig;
  appDir: string;
  /** A program that runs the command (reloadable-exec, for native binaries). */
  runner?: string | undefined;
  /** Trigger mode: the dir watched instead of the app dir. */
  triggerDir?: string | undefined;
  /**
   * Globs relative to the app dir: only changes to matching paths restart (signal) the process.
   * Undefined: every change does. Not applied in trigger mode, where the app dir is not watched.
   */
  restartOn?: readonly string[] | undefined;
  /**
   * JVM hot swap (src/java/hotswap.ts): the agent in the JVM applies each sync, so watchexec
   * starts the app only when it is not running, and once more after it exits when changes came
   * meanwhile (--on-busy-update=queue): the agent exits the JVM after writing a restart request
   * into this dir, which is watched too.
   */
  hotswapRestartDir?: string | undefined;
}

/**
 * `reloadable-init watchexec [flags] -- [reloadable-settle] [pre-command] [runner] <argv>`.
 * In restart mode watchexec restarts reloadable-settle, which waits the quiet period and prints
 * the one line per reload (watchexec's own banners are off). The watch paths are, in
 * order: the trigger dir (trigger mode), BP_LIVE_RELOAD_WATCH or the app's own defaults, the
 * earlier wrapper's, else the process's working dir or the app dir. The earlier wrapper's ignores
 * are kept beside this buildpack's (npm-start's package.json and node_modules, say). With
 * `restartOn`, only matching changes pass watchexec's filters, anchored at the app dir.
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
  const watched = triggerDir !== undefined ? [triggerDir] : config.watch.length > 0 ? config.watch : wrapperWatch.length > 0 ? wrapperWatch : [base];
  const hotswap = options.hotswapRestartDir !== undefined && config.mode.kind === "restart";
  const watch = hotswap ? [...watched, options.hotswapRestartDir!] : watched;
  const carried = wrapper === undefined ? [] : optionValues(wrapper, "ignore").flatMap((glob) => workingIgnore(glob, base));
  const ignore = triggerDir !== undefined ? [] : [...new Set([...config.ignore, ...carried])];
  const ignoreFiles = triggerDir !== undefined || wrapper === undefined ? [] : optionValues(wrapper, "ignore-file");
  const { mode } = config;
  const restart = mode.kind === "restart";
  const filters = config.trigger || options.restartOn === undefined ? [] : restartFilters(options.restartOn);
  const run = [
    ...(restart ? [SETTLE, String(config.quietPeriodMs)] : []),
    ...(config.preCommand === undefined ? [] : preCommandArgv(config.preCommand)),
    ...(options.runner === undefined ? [] : [options.runner]),
    // Never its own runners twice, whatever it is given.
    ...unwrapOwnRunners(argv),
  ];
  return [
    INIT,
    "watchexec",
    ...(mode.kind === "restart" ? [hotswap ? "--on-busy-update=queue" : "--restart", "--quiet", "--emit-events-to=file"] : ["--on-busy-update=signal", `--signal=${mode.signal}`]),
    "--shell=none",
    ...watch.flatMap((path) => ["--watch", path]),
    ...ignore.flatMap((glob) => ["--ignore", glob]),
    ...ignoreFiles.flatMap((file) => ["--ignore-file", file]),
    // The filters are anchored at the project origin, which must then be the app dir.
    ...(filters.length > 0 ? [`--project-origin=${options.appDir}`, ...filters.flatMap((glob) => ["--filter", glob])] : []),
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
  if (inside === "" || inside === ".." || inside.startsWith("../") || isAbsolute(inside)) return [glob];
  return [inside, `${inside}/**`];
}

/**
 * Signal mode of an earlier wrapper (Paketo's php-start: `--on-busy-update signal --signal
 * SIGHUP` for an app that reloads itself) is kept unless BP_LIVE_RELOAD_MODE says otherwise.
 */
function withWrapperMode(config: ReloadConfig, wrapper: WatchexecInvocation | undefined): ReloadConfig {
  if (config.modeSet || wrapper === undefined || optionValues(wrapper, "on-busy-update").at(-1) !== "signal") return config;
  const signal = optionValues(wrapper, "signal").at(-1) ?? "SIGTERM";
  return { ...config, mode: { kind: "signal", signal: parseSignal(MODE, signal) } };
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
  /** The reloadable types that run a dev command instead of their original. */
  devCommands: string[];
  /** For each reloadable type restarted only by some paths, their globs (relative to the app dir). */
  restartOn: Record<string, readonly string[]>;
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
 * unchanged. `runners` maps a type to a program that runs its (dev) command.
 *
 * A type named in `dev` (Procfile.dev) is made reloadable whatever BP_LIVE_RELOAD_PROCESSES
 * chooses, and runs its dev command instead of the original; only changes to BP_LIVE_RELOAD_
 * RESTART_ON paths restart it (by default the dependency manifests): its own watcher does the
 * rest. An earlier wrapper's settings (ignores, watch paths, signal mode) were for the original
 * command and are not carried to a dev command.
 */
export function rewriteProcesses(
  processes: readonly ProcessSpec[],
  options: Omit<WrapOptions, "runner" | "restartOn">,
  declareOthers: boolean,
  runners: ReadonlyMap<string, string> = new Map(),
  dev?: DevProcfile,
): RewriteResult {
  const devLaunches = devCommandsOf(processes, dev);
  const selected = selectProcesses(processes, options.config.processes);
  const chosen = [...selected, ...[...devLaunches.keys()].filter((t) => !selected.includes(t))];
  const chosenSet = new Set(chosen);
  const restartOn: Record<string, readonly string[]> = {};
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
    const wrapper = unwrapped.wrapper;
    if (wrapper !== undefined && optionValues(wrapper, "env").length > 0) {
      throw new ProcessError(
        `Process ${describeOrigin(spec)} runs watchexec with -E/--env ${optionValues(wrapper, "env").join(" ")}, which this buildpack cannot keep when it replaces that wrapper`,
        `Set those variables another way (a buildpack's env.launch, or the platform), or leave "${spec.type}" out of ${PROCESSES}.`,
      );
    }
    // The wrapper's --workdir is where the command ran: the original keeps running there.
    const workdir = wrapper === undefined ? undefined : optionValues(wrapper, "workdir").at(-1);
    const workingDir = workdir === undefined ? spec.workingDir : isAbsolute(workdir) ? workdir : join(spec.workingDir ?? options.appDir, workdir);
    const original: ProcessSpec = { ...spec, launch: unwrapped.launch, ...(workingDir !== undefined ? { workingDir } : {}) };
    if (wrapper !== undefined) {
      const ignores = optionValues(wrapper, "ignore");
      const kept = devLaunches.has(spec.type)
        ? ` (its settings were for the original command, which ${dev!.name} replaces)`
        : ignores.length > 0
          ? ` (kept its ignores: ${ignores.join(", ")})`
          : "";
      notes.push(`${spec.type}: replaced the watchexec wrapper of ${spec.buildpackId ?? "the process"}${kept}`);
    }
    const { argv, args } = launchArgv(original.launch, spec.type);
    if (argv[0] === PROFILE_SHELL) usesProfileShell = true;
    const devLaunch = devLaunches.get(spec.type);
    const runs = devLaunch === undefined ? { argv, args } : launchArgv(devLaunch, spec.type);
    if (runs.argv[0] === PROFILE_SHELL) usesProfileShell = true;
    const config = devLaunch === undefined ? withWrapperMode(options.config, wrapper) : options.config;
    const paths = options.config.restartOn ?? (devLaunch !== undefined ? DEPENDENCY_MANIFESTS : undefined);
    if (paths !== undefined && !options.config.trigger) restartOn[spec.type] = paths;
    const wrapped = watchexecCommand(
      { ...options, config, runner: runners.get(spec.type), restartOn: paths },
      runs.argv,
      original.workingDir,
      devLaunch === undefined ? wrapper : undefined,
    );
    const entries = [declare(original, spec.type, wrapped, runs.args, spec.default)];
    // Its original: a type the same buildpack declared that runs the same command (Paketo's
    // no-reload beside web, executable-jar's executable-jar beside reload), else T-no-reload.
    const twin = processes.find((p) => !chosenSet.has(p.type) && p.buildpackId !== undefined && p.buildpackId === spec.buildpackId && sameLaunch(p, original));
    if (twin !== undefined) originals[spec.type] = twin.type;
    else {
      const type = `${spec.type}${NO_RELOAD_SUFFIX}`;
      if (chosenSet.has(type)) {
        throw new ConfigurationError(
          PROCESSES,
          chosen.join(","),
          `names both ${spec.type} and ${type}, but ${type} is the name this buildpack gives the original of ${spec.type}`,
          `Leave ${type} out of ${PROCESSES}.`,
        );
      }
      entries.push(declare(original, type, argv, args, false));
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
  return { declared, reloadable: chosen, originals, usesProfileShell, notes, devCommands: [...devLaunches.keys()], restartOn };
}

/**
 * The dev command of each type Procfile.dev names. A type no buildpack, Procfile or JVM app
 * declared is an error: a dev command replaces the command of a process, it declares none (its
 * default, working dir and original would be made up). So is a `*-no-reload` type, which exists
 * to run without reload.
 */
function devCommandsOf(processes: readonly ProcessSpec[], dev: DevProcfile | undefined): Map<string, Launch> {
  const launches = new Map<string, Launch>();
  if (dev === undefined) return launches;
  const types = processes.map((p) => p.type);
  const unknown = dev.commands.filter((c) => !types.includes(c.type)).map((c) => c.type);
  if (unknown.length > 0) {
    throw new DevProcfileError(
      `${dev.name} names ${unknown.map((u) => `"${u}"`).join(", ")}, which ${unknown.length === 1 ? "is" : "are"} not a process type of this build; known types: ${types.length > 0 ? types.join(", ") : "none (no buildpack before reloadable/watchexec declared a process, and the app has no Procfile)"}`,
      `A dev command replaces the command of an existing process type: name one of ${types.length > 0 ? types.join(", ") : "the app's process types"} in ${dev.name}, or declare the type in the Procfile (e.g. "${unknown[0]}: <original command>").`,
    );
  }
  const noReload = dev.commands.find((c) => isNoReloadVariant(c.type));
  if (noReload !== undefined) {
    throw new DevProcfileError(
      `${dev.name} names "${noReload.type}", a type that exists to run without reload`,
      `Name the reloadable type instead (${noReload.type === "no-reload" ? "e.g. web" : noReload.type.slice(0, -NO_RELOAD_SUFFIX.length)}) in ${dev.name}.`,
    );
  }
  for (const command of dev.commands) launches.set(command.type, command.launch);
  return launches;
}
