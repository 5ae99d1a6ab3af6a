// The `pack build` commands the examples tell users to run (Tiltfile custom_build, the comment at
// the top of compose.yaml, README code blocks), read so the tests build what they say and check
// that each is one a user can run as written.
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import TOML from "@iarna/toml";

export interface PackCommand {
  /** The command as written. */
  text: string;
  image: string;
  builder: string | undefined;
  buildpacks: string[];
  env: Record<string, string>;
  path: string | undefined;
}

/** Splits a command line into words: whitespace, '...' and "..." quoting, backslash newlines. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  const pattern = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\\\n)|(\s+)|([^\s'"\\]+|\\.)/g;
  let current: string | undefined;
  for (const m of text.matchAll(pattern)) {
    if (m[3] !== undefined) continue;
    if (m[4] !== undefined) {
      if (current !== undefined) words.push(current);
      current = undefined;
    } else current = (current ?? "") + (m[1] ?? m[2]?.replace(/\\(.)/g, "$1") ?? m[5]!.replace(/^\\/, ""));
  }
  if (current !== undefined) words.push(current);
  return words;
}

/** `pack build IMAGE [flags]`, with the flags the examples use; anything else is an error. */
export function parsePackCommand(text: string): PackCommand {
  const words = shellWords(text.trim());
  if (words[0] !== "pack" || words[1] !== "build" || words[2] === undefined) throw new Error(`not a pack build command: ${text}`);
  const command: PackCommand = { text, image: words[2], builder: undefined, buildpacks: [], env: {}, path: undefined };
  for (let i = 3; i < words.length; i++) {
    const flag = words[i]!;
    const value = words[++i];
    if (value === undefined) throw new Error(`${flag} has no value in: ${text}`);
    if (flag === "--builder" || flag === "-B") command.builder = value;
    else if (flag === "--buildpack" || flag === "-b") command.buildpacks.push(value);
    else if (flag === "--path" || flag === "-p") command.path = value;
    else if (flag === "--env" || flag === "-e") {
      const eq = value.indexOf("=");
      if (eq < 1) throw new Error(`-e ${value} is not NAME=VALUE in: ${text}`);
      command.env[value.slice(0, eq)] = value.slice(eq + 1);
    } else throw new Error(`pack build flag ${flag} is not one these tests understand: ${text}`);
  }
  return command;
}

/**
 * Why pack could not resolve a `--buildpack` value of a command run in `cwd`, or undefined when it
 * can: an id from the Paketo builder the command names, or a directory/.cnb path that exists
 * (after `npm run package`). A bare id that no such builder has (reloadable/watchexec) fails.
 */
export function unresolvableBuildpack(reference: string, cwd: string, builder: string | undefined): string | undefined {
  if (/^[a-z0-9-]+\/[a-z0-9-]+(@.+)?$/.test(reference) && !reference.startsWith(".")) {
    if (reference.startsWith("paketo-buildpacks/") && builder?.startsWith("paketobuildpacks/builder-")) return undefined;
    return `${reference} is an id that ${builder ?? "no builder"} does not have: pack finds it nowhere`;
  }
  const path = isAbsolute(reference) ? reference : join(cwd, reference);
  if (reference.endsWith(".cnb")) return existsSync(path) ? undefined : `${path} does not exist`;
  const descriptor = join(path, "buildpack.toml");
  if (!existsSync(descriptor)) return `${path} holds no buildpack.toml`;
  const id = (TOML.parse(readFileSync(descriptor, "utf8")) as { buildpack?: { id?: string } }).buildpack?.id;
  return id === undefined ? `${descriptor} names no buildpack id` : undefined;
}

/** The `pack build` command in the comment at the top of a compose.yaml (`#   pack build ...`). */
export function composePackCommand(composeFile: string): PackCommand {
  const line = readFileSync(composeFile, "utf8").split("\n").find((l) => /^#\s+pack build /.test(l));
  if (line === undefined) throw new Error(`${composeFile} has no '#   pack build ...' line`);
  return parsePackCommand(line.replace(/^#\s+/, ""));
}
