/**
 * The programs this buildpack puts between the launcher and the app (src/native/ and the profile
 * shell), by the names they run as; and how to see past them in a command it wrote itself.
 */

/**
 * Stays PID 1 in a container so that watchexec is not: watchexec's own PID 1 mode gives the app
 * a fixed 2 s to stop on `docker stop`, whatever the stop timeout.
 */
export const INIT = "reloadable-init";
/** Starts the app only once a sync has ended, and says what changed. */
export const SETTLE = "reloadable-settle";
/** Runs a native binary of the app dir from a memory copy. */
export const EXEC_HELPER = "reloadable-exec";
/** Runs a shell process the way the launcher would (reload/profile-shell.ts). */
export const PROFILE_SHELL = "reloadable-shell";
/** The image's `tar` process: tar as the run user into the build user's app dir. */
export const TAR = "reloadable-tar";
/** The image's `reloadable-trigger` process: ends a sync in trigger mode. */
export const TRIGGER_WRITER = "reloadable-trigger";
/** The image's `sh`, `rm` and `date` processes: the run image's own, else busybox's. */
export const TOOL = "reloadable-tool";
/** The tools a sync client runs by name besides tar (Tilt: rm, and sh -c for run(); triggers: date). */
export const SYNC_TOOLS = ["sh", "rm", "date"] as const;
/** $0 of the shell that runs the pre-command before the app. */
export const PRE_COMMAND_SCRIPT_NAME = "reloadable-pre-command";

/** The command without this buildpack's own runners in front (as it re-reads its own output). */
export function unwrapOwnRunners(argv: readonly string[]): string[] {
  if (argv[0] === "sh" && argv[1] === "-c" && argv[3] === PRE_COMMAND_SCRIPT_NAME) return unwrapOwnRunners(argv.slice(5));
  if (argv[0] === EXEC_HELPER || argv[0] === INIT) return unwrapOwnRunners(argv.slice(1));
  if (argv[0] === SETTLE) return unwrapOwnRunners(argv.slice(2));
  return [...argv];
}
