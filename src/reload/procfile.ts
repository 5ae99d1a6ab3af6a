import { readFile, stat } from "node:fs/promises";
import { ContractError } from "../errors.ts";
import type { ProcessSpec } from "../cnb/types.ts";
import { splitWords } from "./launch-form.ts";

export interface ProcfileEntry {
  type: string;
  command: string;
}

/**
 * Bounds of a Procfile. One command is one argument of `bash -c`, and the kernel refuses a
 * single argument over 128 KiB (MAX_ARG_STRLEN): a longer line could never run.
 */
export const PROCFILE_LIMITS = { maxBytes: 1024 * 1024, maxLineChars: 64 * 1024 } as const;

const TYPE = /^[A-Za-z0-9._-]+$/;

function isBlank(char: string): boolean {
  return char === " " || char === "\t" || char === "\v" || char === "\f" || char === "\r";
}

/**
 * `type: command` per line; blank lines and `#` comments are skipped. Linear in the text: no
 * regular expression here can backtrack over a long line (a 200 KB line of spaces took 15 s).
 */
export function parseProcfile(text: string, path = "Procfile"): ProcfileEntry[] {
  const fix = `Fix ${path}: one process per line, e.g. "web: python3 server.py".`;
  if (text.length > PROCFILE_LIMITS.maxBytes) {
    throw new ContractError(
      `${path} is ${text.length} characters long, over the limit of ${PROCFILE_LIMITS.maxBytes}`,
      `A Procfile names a few commands: ${fix}`,
    );
  }
  const entries: ProcfileEntry[] = [];
  const lineOf = new Map<string, number>();
  text.replace(/^\uFEFF/, "").split("\n").forEach((raw, i) => {
    const quoted = () => JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}...` : raw.replace(/\r$/, ""));
    if (raw.length > PROCFILE_LIMITS.maxLineChars) {
      throw new ContractError(
        `${path} line ${i + 1} is ${raw.length} characters long, over the limit of ${PROCFILE_LIMITS.maxLineChars}: ${quoted()}`,
        `A command that long cannot run (the kernel limits one argument to 128 KiB): put it in a script in the app and run the script from ${path}.`,
      );
    }
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const colon = raw.indexOf(":");
    const type = colon < 0 ? "" : raw.slice(0, colon);
    const command = colon < 0 ? "" : raw.slice(colon + 1).trim();
    if (!TYPE.test(type) || command === "" || isBlank(raw[0] ?? "")) {
      throw new ContractError(`${path} line ${i + 1} is not "<type>: <command>": ${quoted()}`, fix);
    }
    const earlier = lineOf.get(type);
    if (earlier !== undefined) {
      throw new ContractError(`${path} declares "${type}" twice (lines ${earlier} and ${i + 1})`, `Keep one "${type}:" line in ${path}.`);
    }
    lineOf.set(type, i + 1);
    entries.push({ type, command });
  });
  return entries;
}

/**
 * Reads a Procfile, refusing one over PROCFILE_LIMITS.maxBytes before reading it (a stray
 * multi-gigabyte file would otherwise be read whole). Undefined when there is none.
 */
export async function readProcfile(path: string): Promise<string | undefined> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  if (size > PROCFILE_LIMITS.maxBytes) {
    throw new ContractError(`${path} is ${size} bytes, over the limit of ${PROCFILE_LIMITS.maxBytes}`, `A Procfile names a few commands: check that ${path} is the file you meant.`);
  }
  return readFile(path, "utf8");
}

/**
 * Splits a command into argv when it needs no shell: plain words, with single or double quotes
 * that hold no expansions. Returns undefined for anything a shell must interpret ($VAR, pipes,
 * &&, redirections, globs, escapes, an env assignment, a builtin).
 */
export function splitPlainCommand(command: string): string[] | undefined {
  const words = splitWords(command);
  const program = words?.[0];
  // `FOO=bar cmd` is an env assignment and `exec cmd` a builtin: only a shell runs those.
  if (words === undefined || program === undefined || program.includes("=") || SHELL_BUILTINS.has(program)) return undefined;
  return words;
}

const SHELL_BUILTINS = new Set(["exec", "cd", "source", ".", "export", "set", "unset", "eval", "time", "ulimit", "umask", "if", "for", "while", "until", "case", "{", "!"]);

/**
 * Procfile processes as Paketo's procfile buildpack runs them: through bash with the profile
 * scripts and the app's `.profile` (shell syntax and $VARIABLES work). A command with no shell
 * syntax is run directly instead, so it also works on shell-less run images and gets signals
 * without a shell in between.
 */
export function procfileProcesses(entries: readonly ProcfileEntry[]): ProcessSpec[] {
  const hasWeb = entries.some((e) => e.type === "web");
  return entries.map((entry) => {
    const argv = splitPlainCommand(entry.command);
    return {
      type: entry.type,
      launch: argv !== undefined ? { kind: "exec", argv, args: [] } : { kind: "shell", command: entry.command, args: [] },
      default: hasWeb ? entry.type === "web" : entries.length === 1,
    };
  });
}
