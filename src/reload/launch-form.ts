import type { Launch, ProcessSpec } from "../cnb/types.ts";
import { INIT, PROFILE_SHELL, unwrapOwnRunners } from "./own-programs.ts";
import { isWatchexec, parseWatchexec, type WatchexecInvocation } from "./watchexec-argv.ts";

export { PROFILE_SHELL };


/** The argv that runs a launch as process type `type` (its profile.d scripts included). */
export function launchArgv(launch: Launch, type: string): { argv: string[]; args: string[] } {
  if (launch.kind === "exec") return { argv: launch.argv, args: launch.args };
  return { argv: [PROFILE_SHELL, type, launch.command, ...launch.args], args: [] };
}

export function sameLaunch(a: ProcessSpec, b: ProcessSpec): boolean {
  return a.workingDir === b.workingDir && JSON.stringify(a.launch) === JSON.stringify(b.launch);
}

/** The launch has nothing to run: the launcher would fail at start. */
export function isEmptyLaunch(launch: Launch): boolean {
  return launch.kind === "exec" ? launch.argv.length === 0 || launch.argv[0]!.trim() === "" : launch.command.trim() === "";
}

export type Unwrapped = { launch: Launch; wrapper: WatchexecInvocation | undefined } | { problem: string };

/**
 * The launch inside a watchexec wrapper, in every form the lifecycle accepts: an exec'd
 * `watchexec [options] -- cmd` (the array command of API 0.9+, or API 0.7's string command with
 * the rest in args), and a shell process whose script or first word is watchexec. Also returns
 * the wrapper, whose ignores and watch paths the new wrapper keeps.
 */
export function unwrapLaunch(launch: Launch): Unwrapped {
  if (launch.kind === "exec") {
    // This buildpack's own output, read again: past its init.
    const words = launch.argv[0] === INIT ? [...launch.argv.slice(1), ...launch.args] : [...launch.argv, ...launch.args];
    if (!isWatchexec(words[0])) return { launch, wrapper: undefined };
    const parsed = parseWatchexec(words);
    if (!parsed.watchexec) return { launch, wrapper: undefined };
    if ("problem" in parsed) return { problem: parsed.problem };
    const { invocation } = parsed;
    const command = commandOf(invocation);
    // Overridable args stay overridable when they are still the command's tail.
    const tail = launch.args;
    const keepsTail = tail.length > 0 && tail.length < command.length && tail.every((a, i) => command[command.length - tail.length + i] === a);
    const inner: Launch = keepsTail ? { kind: "exec", argv: command.slice(0, -tail.length), args: [...tail] } : { kind: "exec", argv: command, args: [] };
    return nested(inner, invocation);
  }
  // A shell script: only plain words can be seen into; a token list: the words are the tokens.
  const words = launch.args.length > 0 ? [launch.command, ...launch.args] : splitWords(launch.command);
  if (words === undefined) {
    return /^\s*(\S*\/)?watchexec(\s|$)/.test(launch.command) ? { problem: `its shell command runs watchexec with shell syntax this buildpack cannot take apart: ${launch.command}` } : { launch, wrapper: undefined };
  }
  if (!isWatchexec(words[0])) return { launch, wrapper: undefined };
  const parsed = parseWatchexec(words);
  if (!parsed.watchexec) return { launch, wrapper: undefined };
  if ("problem" in parsed) return { problem: parsed.problem };
  const { invocation } = parsed;
  const inner: Launch =
    invocation.shell !== "none" || launch.args.length === 0
      ? { kind: "shell", command: invocation.shell === "none" ? invocation.command.map(quoteWord).join(" ") : invocation.command.join(" "), args: [] }
      : { kind: "shell", command: invocation.command[0]!, args: invocation.command.slice(1) };
  return nested(inner, invocation);
}

/**
 * The argv watchexec runs: the command's words with --shell=none; else the shell with the words
 * joined. A shell that would only run another watchexec (plain words) is seen through.
 */
function commandOf(invocation: WatchexecInvocation): string[] {
  if (invocation.shell === "none") return unwrapOwnRunners(invocation.command);
  const words = splitWords(invocation.command.join(" "));
  if (words !== undefined && isWatchexec(words[0])) return words;
  return [...invocation.shell.split(/\s+/), "-c", invocation.command.join(" ")];
}

/** A wrapper inside a wrapper is unwrapped too; the outermost wrapper's settings are kept. */
function nested(inner: Launch, wrapper: WatchexecInvocation): Unwrapped {
  const again = unwrapLaunch(inner);
  if ("problem" in again) return again;
  return { launch: again.launch, wrapper };
}

/**
 * Splits a shell command into words when no shell expansion is involved (quotes allowed);
 * undefined otherwise (also for a word that starts with `=`, which a shell may read otherwise).
 */
export function splitWords(command: string): string[] | undefined {
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
    } else if ("$`\\|&;<>(){}*?[]~!#\n".includes(ch) || (ch === "=" && !inWord)) {
      return undefined;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote !== undefined) return undefined;
  if (inWord) words.push(word);
  return words;
}

/** Quotes a word for a POSIX shell when it needs it. */
export function quoteWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
