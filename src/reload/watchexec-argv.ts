import { basename } from "node:path";

/**
 * watchexec 2.x's command line, as its parser (clap) reads it: which options take a value, which
 * take one only when it is attached or does not look like an option, and where the command
 * starts. Read from watchexec-cli 2.5.1 (src/args/*.rs).
 */
const VALUE_LONG = new Set([
  "shell", "env", "wrap-process", "stop-signal", "stop-timeout", "timeout", "delay-run", "workdir", "socket",
  "on-busy-update", "signal", "map-signal", "debounce", "emit-events-to", "watch", "watch-non-recursive",
  "watch-file", "exts", "filter", "filter-file", "project-origin", "filter-prog", "ignore", "ignore-file",
  "fs-events", "color", "completions",
]);
/** `num_args = 0..=1`: a value only when attached with `=` or when the next word is no option. */
const OPTIONAL_VALUE_LONG = new Set(["poll", "log-file", "clear", "notify"]);
const FLAG_LONG = new Set([
  "manual", "only-emit-events", "no-environment", "no-process-group", "restart", "stdin-quit", "interactive",
  "exit-on-error", "postpone", "no-vcs-ignore", "no-project-ignore", "no-global-ignore", "no-default-ignore",
  "no-discover-ignore", "ignore-nothing", "no-meta", "verbose", "print-events", "timings", "quiet", "bell",
]);
/** Flags with only a short form: `-n` (= --shell=none) and the hidden `-1`. */
const SHORT_ONLY = new Set(["no-shell", "once"]);
const SHORT_TO_LONG: Record<string, string> = {
  E: "env", s: "signal", d: "debounce", w: "watch", W: "watch-non-recursive", F: "watch-file", e: "exts",
  f: "filter", j: "filter-prog", i: "ignore", c: "clear", N: "notify", o: "on-busy-update",
  r: "restart", I: "interactive", p: "postpone", v: "verbose", q: "quiet", n: "no-shell", "1": "once",
};

/** Other names clap accepts for an option (`alias = ...` in watchexec-cli 2.5.1). */
const ALIASES: Record<string, string> = { "force-poll": "poll", colour: "color" };

export interface WatchexecOption {
  name: string;
  value?: string;
}

/** A watchexec invocation taken apart: its options, and the command it runs. */
export interface WatchexecInvocation {
  options: WatchexecOption[];
  command: string[];
  /** "none" runs the command's words directly; any other shell gets them joined by spaces. */
  shell: string;
}

export type WatchexecParse =
  | { watchexec: false }
  | { watchexec: true; invocation: WatchexecInvocation }
  | { watchexec: true; problem: string };

function takesValue(name: string, short: boolean): "always" | "optional" | "never" | undefined {
  if (VALUE_LONG.has(name)) return "always";
  if (OPTIONAL_VALUE_LONG.has(name)) return "optional";
  if (FLAG_LONG.has(name) || (short && SHORT_ONLY.has(name))) return "never";
  return undefined;
}

/** Whether a program name is watchexec (a path to it, too). */
export function isWatchexec(program: string | undefined): boolean {
  return program !== undefined && basename(program) === "watchexec";
}

/**
 * Parses `watchexec [options] [--] command...` in every form watchexec accepts: long options with
 * `=` or a separate value, short options alone, clustered (`-rn`) or with an attached value
 * (`-wsrc`), and the command after `--` or at the first word that is no option.
 */
export function parseWatchexec(argv: readonly string[]): WatchexecParse {
  if (!isWatchexec(argv[0])) return { watchexec: false };
  const options: WatchexecOption[] = [];
  let i = 1;
  const next = (): string | undefined => argv[++i];
  for (; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === "--") {
      i++;
      break;
    }
    if (word.startsWith("--")) {
      const eq = word.indexOf("=");
      const given = eq < 0 ? word.slice(2) : word.slice(2, eq);
      const name = ALIASES[given] ?? given;
      const kind = takesValue(name, false);
      if (kind === undefined) return { watchexec: true, problem: `unknown watchexec option "--${name}"` };
      if (eq >= 0) {
        if (kind === "never") return { watchexec: true, problem: `watchexec option "--${name}" takes no value` };
        options.push({ name, value: word.slice(eq + 1) });
      } else if (kind === "always") {
        const value = next();
        if (value === undefined) return { watchexec: true, problem: `watchexec option "--${name}" has no value` };
        options.push({ name, value });
      } else if (kind === "optional" && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("-")) {
        options.push({ name, value: next()! });
      } else {
        options.push({ name });
      }
      continue;
    }
    if (word.startsWith("-") && word.length > 1) {
      // A cluster of short options; the first that takes a value takes the rest of the word,
      // or the next word.
      for (let c = 1; c < word.length; c++) {
        const name = SHORT_TO_LONG[word[c]!];
        if (name === undefined) return { watchexec: true, problem: `unknown watchexec option "-${word[c]}"` };
        const kind = takesValue(name, true);
        if (kind === "never") {
          options.push({ name });
          continue;
        }
        const attached = word.slice(c + 1).replace(/^=/, "");
        if (attached !== "") options.push({ name, value: attached });
        else if (kind === "always") {
          const value = next();
          if (value === undefined) return { watchexec: true, problem: `watchexec option "-${word[c]}" has no value` };
          options.push({ name, value });
        } else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("-")) options.push({ name, value: next()! });
        else options.push({ name });
        break;
      }
      continue;
    }
    break;
  }
  const command = argv.slice(i);
  if (command.length === 0 || command[0] === "") return { watchexec: true, problem: "watchexec runs no command" };
  const shellOption = [...options].reverse().find((o) => o.name === "shell" || o.name === "no-shell");
  const shell = shellOption === undefined ? "sh" : shellOption.name === "no-shell" ? "none" : (shellOption.value ?? "sh");
  return { watchexec: true, invocation: { options, command: [...command], shell } };
}

/** Values of one option, in order (e.g. every `--ignore`). */
export function optionValues(invocation: WatchexecInvocation, name: string): string[] {
  return invocation.options.filter((o) => o.name === name && o.value !== undefined).map((o) => o.value!);
}
