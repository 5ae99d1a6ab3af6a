import { realpath, stat } from "node:fs/promises";
import { isAbsolute, join, normalize, relative, sep } from "node:path";
import type { Launch } from "../cnb/types.ts";
import { BuildpackError, ConfigurationError } from "../errors.ts";
import { DEV_PROCFILE } from "./config.ts";
import { parseProcfile, procfileProcesses, readProcfile } from "./procfile.ts";
import { unwrapLaunch } from "./launch-form.ts";

/** The file of dev commands when BP_LIVE_RELOAD_PROCFILE is unset (foreman's, Rails' bin/dev). */
export const DEFAULT_DEV_PROCFILE = "Procfile.dev";

/** A Procfile of dev commands that cannot be used. */
export class DevProcfileError extends BuildpackError {}

export interface DevCommand {
  type: string;
  /** The line as written, for the build log. */
  command: string;
  /** How it runs: a plain command directly, shell syntax through reloadable-shell. */
  launch: Launch;
}

/**
 * The app's dev commands: for each process type named, the reloadable process runs this command
 * (the framework's own watcher: nodemon, `flask --debug`, `rails server`) instead of the
 * original, which stays available as T-no-reload (or the twin type of the same buildpack).
 */
export interface DevProcfile {
  /** The file, relative to the app dir, as errors and the build log name it. */
  name: string;
  commands: DevCommand[];
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Where the dev commands are: BP_LIVE_RELOAD_PROCFILE relative to the app dir (an absolute path
 * inside the app dir is taken too), else Procfile.dev. Pure: the disk is read by readDevProcfile.
 */
export function devProcfilePath(value: string | undefined, appDir: string): { path: string; name: string; explicit: boolean } {
  if (value === undefined || value.trim() === "") return { path: join(appDir, DEFAULT_DEV_PROCFILE), name: DEFAULT_DEV_PROCFILE, explicit: false };
  const written = value.trim();
  const path = normalize(isAbsolute(written) ? written : join(appDir, written));
  if (!isInside(path, appDir) || path === normalize(appDir)) {
    throw new ConfigurationError(
      DEV_PROCFILE,
      value,
      path === normalize(appDir) ? "names the app dir itself, not a file in it" : `names ${path}, which is outside the app dir (${appDir})`,
      `Set ${DEV_PROCFILE} to a file in the app, relative to the app dir (e.g. Procfile.dev or config/Procfile.dev), or unset it for ${DEFAULT_DEV_PROCFILE}.`,
    );
  }
  return { path, name: relative(appDir, path), explicit: true };
}

/**
 * Reads and checks the dev commands: Procfile.dev if the app has one, or the file
 * BP_LIVE_RELOAD_PROCFILE names, which must exist. Parsed as a Procfile (same syntax and limits);
 * a file naming no type, or a dev command that starts watchexec itself, is an error. Whether each
 * type exists is checked against the build's processes (processes.ts). Undefined when there is
 * no file.
 */
export async function readDevProcfile(value: string | undefined, appDir: string): Promise<DevProcfile | undefined> {
  const { path, name, explicit } = devProcfilePath(value, appDir);
  const fix = `Set ${DEV_PROCFILE} to a file in the app, relative to the app dir, or unset it for ${DEFAULT_DEV_PROCFILE}.`;
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) {
    const missing = info.code === "ENOENT" || info.code === "ENOTDIR";
    if (missing && !explicit) return undefined;
    if (missing) throw new ConfigurationError(DEV_PROCFILE, value!, `names ${name}, which does not exist in the app dir`, fix, { cause: info });
    throw info;
  }
  if (!info.isFile()) {
    const problem = `${name} is not a file (a ${info.isDirectory() ? "directory" : "special file"})`;
    if (explicit) throw new ConfigurationError(DEV_PROCFILE, value!, `names ${name}, which is not a file`, fix);
    throw new DevProcfileError(`${problem}: it would name the app's dev commands`, `Make ${name} a Procfile of dev commands ("web: npm run dev"), or remove it.`);
  }
  const [realApp, real] = await Promise.all([realpath(appDir).catch(() => appDir), realpath(path)]);
  if (!isInside(real, realApp)) {
    const problem = `is a link leading out of the app dir (to ${real})`;
    if (explicit) throw new ConfigurationError(DEV_PROCFILE, value!, `names ${name}, which ${problem}`, fix);
    throw new DevProcfileError(`${name} ${problem}`, `Make ${name} a file in the app, or remove it.`);
  }
  const text = await readProcfile(path);
  if (text === undefined) return undefined;
  const entries = parseProcfile(text, name);
  if (entries.length === 0) {
    throw new DevProcfileError(
      `${name} names no process type (only blank lines and comments)`,
      `Add a line per process type to run a dev command, e.g. "web: npm run dev", or remove ${name}${explicit ? ` and unset ${DEV_PROCFILE}` : ""}.`,
    );
  }
  const launches = procfileProcesses(entries);
  const commands = entries.map((entry, i) => ({ type: entry.type, command: entry.command, launch: launches[i]!.launch }));
  for (const command of commands) {
    const unwrapped = unwrapLaunch(command.launch);
    if ("problem" in unwrapped || unwrapped.wrapper !== undefined) {
      throw new DevProcfileError(
        `${name} runs watchexec for "${command.type}" (${command.command}): Reloadable already runs each reloadable process under watchexec`,
        `Give the command itself in ${name} (e.g. "${command.type}: npm run dev"); set what watchexec should do with the BP_LIVE_RELOAD_* settings.`,
      );
    }
  }
  return { name, commands };
}
