import { execa } from "execa";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CommandOptions {
  input?: Buffer | string;
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs a command to completion; never throws for a non-zero exit (the caller decides). */
export async function command(file: string, args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  const started = performance.now();
  const result = await execa(file, args, {
    reject: false,
    ...(options.input !== undefined ? { input: options.input } : { stdin: "ignore" }),
    ...(options.env !== undefined ? { env: options.env } : {}),
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
    stripFinalNewline: false,
  });
  return { code: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), ms: performance.now() - started };
}

export function docker(args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  return command("docker", args, options);
}

/** `docker ...` that must succeed: fails with the command and its output otherwise. */
export async function dockerOk(args: readonly string[], options: CommandOptions = {}): Promise<string> {
  const result = await docker(args, options);
  if (result.code !== 0) throw new Error(`docker ${args.join(" ")} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout.trim();
}

/** Lines of `docker <list command> -q ...`, e.g. dockerList(["ps", "-aq", "--filter", ...]). */
export async function dockerList(args: readonly string[]): Promise<string[]> {
  return (await dockerOk(args)).split("\n").filter((line) => line !== "");
}

/** Removes containers, images and volumes by id or name; missing ones are fine. */
export async function removeAll(kind: "container" | "image" | "volume", names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const args = kind === "container" ? ["rm", "-f", "-v"] : kind === "image" ? ["rmi", "-f"] : ["volume", "rm", "-f"];
  const result = await docker([...args, ...names]);
  if (result.code !== 0 && !/No such/i.test(result.stderr)) throw new Error(`docker ${args.join(" ")} failed: ${result.stderr}`);
}
