import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { Identity } from "./user.ts";

/** Every pid below `pid`, read from /proc, so cleanup can reach the app behind watchexec. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      found.push(c);
      walk(c);
    }
  };
  walk(pid);
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface StopResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  /** Processes of the tree still alive after the main process ended. */
  leftovers: number[];
}

/** A process started by the harness: its combined output, its pid, and a way to stop it. */
export class RunningProcess {
  private output = "";
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(readonly child: ChildProcess) {
    const append = (chunk: Buffer) => {
      this.output += chunk.toString();
      for (const l of this.listeners) l();
    };
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    this.exited = new Promise((resolve) => {
      child.on("exit", (code, signal) => {
        this.exitInfo = { code, signal };
        for (const l of this.listeners) l();
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error("process did not start");
    return this.child.pid;
  }

  get log(): string {
    return this.output;
  }

  get exitStatus() {
    return this.exitInfo;
  }

  /** How many times `pattern` occurs in the output so far. */
  count(pattern: RegExp): number {
    return [...this.output.matchAll(new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`))].length;
  }

  /** Waits until the output matches `pattern` `times` times; fails with the whole output. */
  async waitFor(pattern: RegExp, { timeoutMs = 15_000, times = 1 } = {}): Promise<void> {
    if (this.count(pattern) >= times) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`timed out after ${timeoutMs}ms waiting for ${pattern} x${times}; output:\n${this.output}`));
      }, timeoutMs);
      const check = () => {
        if (this.count(pattern) >= times) {
          clearTimeout(timer);
          this.listeners.delete(check);
          resolve();
        } else if (this.exitInfo !== undefined) {
          clearTimeout(timer);
          this.listeners.delete(check);
          reject(new Error(`process exited (${JSON.stringify(this.exitInfo)}) before ${pattern} x${times}; output:\n${this.output}`));
        }
      };
      this.listeners.add(check);
    });
  }

  /** SIGTERM, as a container runtime stops an image; SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<StopResult> {
    const started = Date.now();
    const tree = [this.pid, ...descendants(this.pid)];
    if (this.exitInfo === undefined) this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    const { code, signal } = await this.exited;
    clearTimeout(timer);
    const ms = Date.now() - started;
    // Give orphans a moment: a correct supervisor has already reaped its children.
    await new Promise((r) => setTimeout(r, 50));
    const leftovers = tree.filter(isAlive);
    for (const pid of leftovers) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    return { code, signal, ms, leftovers };
  }

  /** Cleanup after a failed test: kill the whole tree without waiting for grace. */
  kill(): void {
    for (const pid of [...descendants(this.pid), this.pid]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  }
}

export interface StartOptions {
  argv0?: string;
  cwd: string;
  env: Record<string, string>;
  user: Identity | undefined;
}

export function start(command: string, args: readonly string[], options: StartOptions): RunningProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.argv0 !== undefined ? { argv0: options.argv0 } : {}),
    ...(options.user !== undefined ? { uid: options.user.uid, gid: options.user.gid } : {}),
  });
  return new RunningProcess(child);
}

/** Runs to completion and returns the exit code and the combined output. */
export async function run(command: string, args: readonly string[], options: StartOptions): Promise<{ code: number | null; log: string }> {
  const p = start(command, args, options);
  await new Promise<void>((resolve) => p.child.on("close", () => resolve()));
  return { code: p.exitStatus?.code ?? null, log: p.log };
}
