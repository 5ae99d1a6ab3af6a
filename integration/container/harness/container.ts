import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { freePort, waitForBody } from "../../harness/http.ts";
import { RunningProcess } from "../../harness/process.ts";
import type { Tiltfile } from "../../harness/tiltfile.ts";
import { type CommandResult, docker, dockerOk } from "./docker.ts";
import { runLabel } from "./images.ts";
import { replayLiveUpdate, type TiltSyncOptions, type TiltSyncResult } from "./tilt.ts";

export interface ContainerOptions {
  /** `docker run -e NAME=VALUE`. */
  env?: Record<string, string>;
  /** Give the app a free port on 127.0.0.1 in PORT (the default; --network host shares it). */
  port?: boolean;
  /** Run this process type (its launcher link, /cnb/process/<type>) instead of the default. */
  process?: string;
}

export interface StopResult {
  /** How long `docker stop` took. */
  ms: number;
  exitCode: number;
  /** The container's output, whole. */
  logs: string;
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  uid: number;
  args: string;
}

/** A container of an app image, started with `docker run -d --network host`. */
export class Container {
  private constructor(
    readonly id: string,
    readonly image: string,
    readonly port: number | undefined,
    private readonly output: RunningProcess,
  ) {}

  static async start(image: string, options: ContainerOptions): Promise<Container> {
    const port = options.port === false ? undefined : await freePort();
    const env = { ...(port !== undefined ? { PORT: String(port) } : {}), ...(options.env ?? {}) };
    const args = ["run", "-d", "--network", "host", "--label", runLabel(), "--name", `reloadable-it-${randomBytes(4).toString("hex")}`];
    for (const [name, value] of Object.entries(env)) args.push("--env", `${name}=${value}`);
    if (options.process !== undefined) args.push("--entrypoint", options.process);
    args.push(image);
    const id = await dockerOk(args);
    // The container's output as it comes: `docker logs -f` ends when the container does.
    const output = new RunningProcess(spawn("docker", ["logs", "-f", id], { stdio: ["ignore", "pipe", "pipe"] }));
    return new Container(id, image, port, output);
  }

  /** http://127.0.0.1:<port><path> */
  url(path = "/"): string {
    if (this.port === undefined) throw new Error("this container was started without a port");
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Polls the app until it answers (and `accept` takes the body); returns the body and the wait. */
  waitForBody(accept?: (body: string) => boolean, timeoutMs = 30_000): Promise<{ body: string; ms: number }> {
    return waitForBody(this.url(), accept, timeoutMs).catch((error: Error) => {
      throw new Error(`${error.message}\ncontainer output:\n${this.logs}`);
    });
  }

  /** Everything the container printed so far (stdout and stderr). */
  get logs(): string {
    return this.output.log;
  }

  count(pattern: RegExp): number {
    return this.output.count(pattern);
  }

  waitForLog(pattern: RegExp, options: { times?: number; timeoutMs?: number } = {}): Promise<void> {
    return this.output.waitFor(pattern, { timeoutMs: options.timeoutMs ?? 30_000, times: options.times ?? 1 });
  }

  /** `docker exec [-i] <id> <command...>` as the container's user. */
  exec(cmd: readonly string[], options: { input?: Buffer | string; user?: string } = {}): Promise<CommandResult> {
    const args = ["exec", ...(options.input !== undefined ? ["-i"] : []), ...(options.user !== undefined ? ["--user", options.user] : []), this.id, ...cmd];
    return docker(args, options.input !== undefined ? { input: options.input } : {});
  }

  /** `docker cp <local> <id>:<path>`, as users run it; fails with the client's output if it fails. */
  async dockerCp(local: string, containerPath: string): Promise<CommandResult> {
    const result = await docker(["cp", local, `${this.id}:${containerPath}`]);
    if (result.code !== 0) throw new Error(`docker cp ${local} ${containerPath} exited ${result.code}: ${result.stderr}${result.stdout}`);
    return result;
  }

  /** Replays the Tiltfile's live_update into this container as Tilt does (see tilt.ts). */
  tiltSync(tiltfile: Tiltfile, options: TiltSyncOptions): Promise<TiltSyncResult> {
    return replayLiveUpdate(this, tiltfile, options);
  }

  /** The container's processes, read on the host with ps (`docker top`): no ps needed inside. */
  async processes(): Promise<ProcessInfo[]> {
    const out = await dockerOk(["top", this.id, "-eo", "pid,ppid,uid,args"]);
    return out
      .split("\n")
      .slice(1)
      .map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), uid: Number(m[3]), args: m[4]! }));
  }

  /** Processes that are a watchexec running another watchexec (two watchers on one app). */
  async nestedWatchers(): Promise<string[]> {
    return nestedWatchers((await this.processes()).map((p) => p.args));
  }

  async state(): Promise<{ Running: boolean; ExitCode: number; OOMKilled: boolean }> {
    return JSON.parse(await dockerOk(["inspect", "-f", "{{json .State}}", this.id]));
  }

  /** `docker stop [-t <seconds>]`: SIGTERM to PID 1, SIGKILL after the timeout (Docker's: 10 s). */
  async stop(timeoutSeconds?: number): Promise<StopResult> {
    const stopped = await docker(["stop", ...(timeoutSeconds !== undefined ? ["-t", String(timeoutSeconds)] : []), this.id]);
    if (stopped.code !== 0) throw new Error(`docker stop failed: ${stopped.stderr}`);
    // The log follower ends with the container; wait for its last lines.
    await new Promise<void>((resolve) => (this.output.exitStatus !== undefined ? resolve() : this.output.child.once("close", () => resolve())));
    return { ms: stopped.ms, exitCode: (await this.state()).ExitCode, logs: this.logs };
  }

  async remove(): Promise<void> {
    if (this.output.exitStatus === undefined) this.output.child.kill();
    await docker(["rm", "-f", "-v", this.id]);
  }
}

/** The command lines that run a watchexec under another watchexec. */
export function nestedWatchers(commandLines: string[]): string[] {
  return commandLines.filter((args) => /(^|\/)watchexec\s.*\s--\s+(\S*\/)?watchexec\s/.test(args));
}

/** How many watchexec a command line runs (the process's own and any it wraps). */
export function watchexecCount(commandLine: string): number {
  return commandLine.match(/(^|[\s/])watchexec\s/g)?.length ?? 0;
}

export function startContainer(image: string, options: ContainerOptions): Promise<Container> {
  return Container.start(image, options);
}
