import { ContractError } from "../errors.ts";
import type { ProcessSpec } from "../cnb/types.ts";

export interface ProcfileEntry {
  type: string;
  command: string;
}

/** `type: command` per line; blank lines and `#` comments are skipped. */
export function parseProcfile(text: string, path = "Procfile"): ProcfileEntry[] {
  const entries: ProcfileEntry[] = [];
  const lineOf = new Map<string, number>();
  text.replace(/^\uFEFF/, "").split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "" || line.trim().startsWith("#")) return;
    const match = /^([A-Za-z0-9._-]+):\s*(.*\S)\s*$/.exec(line);
    if (match === null) {
      throw new ContractError(`${path} line ${i + 1} is not "<type>: <command>": ${JSON.stringify(line)}`, `Fix ${path}: one process per line, e.g. "web: python3 server.py".`);
    }
    const earlier = lineOf.get(match[1]!);
    if (earlier !== undefined) {
      throw new ContractError(`${path} declares "${match[1]}" twice (lines ${earlier} and ${i + 1})`, `Keep one "${match[1]}:" line in ${path}.`);
    }
    lineOf.set(match[1]!, i + 1);
    entries.push({ type: match[1]!, command: match[2]! });
  });
  return entries;
}

/**
 * Splits a command into argv when it needs no shell: plain words, with single or double quotes
 * that hold no expansions. Returns undefined for anything a shell must interpret ($VAR, pipes,
 * &&, redirections, globs, escapes).
 */
export function splitPlainCommand(command: string): string[] | undefined {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (const ch of command) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else if (quote === '"' && "$`\\".includes(ch)) return undefined;
      else word += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === " " || ch === "\t") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else if ("$`\\|&;<>(){}*?[]~!#=".includes(ch) && !(ch === "=" && inWord)) {
      return undefined;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote !== undefined) return undefined;
  if (inWord) words.push(word);
  const program = words[0];
  // `FOO=bar cmd` is an env assignment and `exec cmd` a builtin: only a shell runs those.
  if (program === undefined || program.includes("=") || SHELL_BUILTINS.has(program)) return undefined;
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
