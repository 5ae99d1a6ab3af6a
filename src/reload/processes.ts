import { basename } from "node:path";
import { ConfigurationError } from "../errors.ts";
import type { Process } from "../cnb/types.ts";
import { PROCESSES, type ProcessSelection, type ReloadConfig } from "./config.ts";

export const NO_RELOAD_SUFFIX = "-no-reload";

/** Processes that exist to run WITHOUT reload (ours and Paketo's) are never wrapped by `*`. */
function isNoReloadVariant(type: string): boolean {
  return type === "no-reload" || type.endsWith(NO_RELOAD_SUFFIX);
}

/** The process types to make reloadable. By default: `web` and the default process. */
export function selectProcesses(processes: readonly Process[], selection: ProcessSelection): string[] {
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

/**
 * The command inside a watchexec wrapper (`watchexec [flags] -- cmd...`), so that a process an
 * earlier buildpack already made reloadable is re-wrapped with these flags, not wrapped twice.
 */
export function unwrapWatchexec(command: readonly string[]): string[] {
  if (command.length === 0 || basename(command[0]!) !== "watchexec") return [...command];
  const separator = command.indexOf("--");
  if (separator < 0) return [...command];
  return unwrapOwnRunners(unwrapWatchexec(command.slice(separator + 1)));
}

/** What this buildpack puts between watchexec and the app: the pre-command shell, reloadable-exec. */
function unwrapOwnRunners(command: string[]): string[] {
  if (command[0] === "sh" && command[1] === "-c" && command[3] === PRE_COMMAND_SCRIPT_NAME) return unwrapOwnRunners(command.slice(4));
  if (command[0] === "reloadable-exec") return command.slice(1);
  return command;
}

/** Runs the pre-command before each (re)start, then replaces the shell with the app itself. */
export const PRE_COMMAND_SCRIPT_NAME = "reloadable-pre-command";

/**
 * @param runner a program that runs the command instead of watchexec running it directly
 *   (reloadable-exec, for native binaries a sync tool may overwrite in place)
 */
export function watchexecCommand(config: ReloadConfig, process: Process, appDir: string, runner?: string, triggerDir?: string): string[] {
  // Trigger mode watches the trigger dir alone: nothing the sync or the app writes into the app
  // dir restarts it, only the write that ends a sync.
  const watch = triggerDir !== undefined ? [triggerDir] : config.watch.length > 0 ? config.watch : [process["working-dir"] ?? appDir];
  const ignore = triggerDir !== undefined ? [] : config.ignore;
  const inner = runner === undefined ? unwrapWatchexec(process.command) : [runner, ...unwrapWatchexec(process.command)];
  const run = config.preCommand === undefined ? inner : ["sh", "-c", `${config.preCommand} && exec "$@"`, PRE_COMMAND_SCRIPT_NAME, ...inner];
  return [
    "watchexec",
    ...(config.mode.kind === "restart" ? ["--restart"] : ["--on-busy-update=signal", `--signal=${config.mode.signal}`]),
    "--shell=none",
    ...watch.flatMap((path) => ["--watch", path]),
    ...ignore.flatMap((glob) => ["--ignore", glob]),
    `--debounce=${config.debounce}`,
    // watchexec 2.5.1 sends the --stop-signal instead of --signal on a busy update when both
    // are given, so signal mode leaves the stop signal at watchexec's default.
    ...(config.mode.kind === "restart" ? [`--stop-signal=${config.stopSignal}`] : []),
    `--stop-timeout=${config.stopTimeout}`,
    ...(config.poll !== undefined ? [`--poll=${config.poll}`] : []),
    "--",
    ...run,
  ];
}

export interface RewriteResult {
  /** What this buildpack declares in its launch.toml. */
  declared: Process[];
  reloadable: string[];
}

/**
 * Each chosen type T is redeclared around watchexec (same default, working-dir and args), and
 * the original stays available as `T-no-reload`, never the default. With `declareOthers`
 * (processes this buildpack found itself, e.g. in a Procfile) the rest is declared unchanged.
 * `runners` maps a type to a program that runs its command (see watchexecCommand).
 */
export function rewriteProcesses(
  processes: readonly Process[],
  config: ReloadConfig,
  appDir: string,
  declareOthers: boolean,
  runners: ReadonlyMap<string, string> = new Map(),
  triggerDir?: string,
): RewriteResult {
  const chosen = selectProcesses(processes, config.processes);
  const generated = new Set(chosen.map((t) => `${t}${NO_RELOAD_SUFFIX}`));
  const declared: Process[] = [];
  for (const process of processes) {
    if (!chosen.includes(process.type)) {
      if (declareOthers && !generated.has(process.type)) declared.push(process);
      continue;
    }
    declared.push({ ...process, command: watchexecCommand(config, process, appDir, runners.get(process.type), triggerDir) });
    declared.push({ ...process, type: `${process.type}${NO_RELOAD_SUFFIX}`, command: unwrapWatchexec(process.command), default: false });
  }
  return { declared, reloadable: chosen };
}
