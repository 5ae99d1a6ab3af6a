// Docker Compose Watch as users run it: `docker compose watch` in a checkout holding the
// example's compose.yaml, the image built by pack beforehand. Compose starts the service and
// then syncs (and execs) on each change under the watched paths.
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { freePort, waitForBody } from "../../harness/http.ts";
import { RunningProcess } from "../../harness/process.ts";
import { nestedWatchers } from "./container.ts";
import { docker, dockerList, dockerOk } from "./docker.ts";
import { composeProjectPrefix } from "./images.ts";

export interface ComposeWatchOptions {
  /** The checkout holding compose.yaml (the watched paths are relative to it). */
  dir: string;
  /** Compose variables: the examples read IMAGE and PORT. PORT is set to a free port. */
  env: Record<string, string>;
}

export class ComposeWatch {
  private constructor(
    readonly project: string,
    readonly port: number,
    /** `docker compose watch`'s own output (Compose's progress and sync lines). */
    readonly watch: RunningProcess,
    readonly containerId: string,
    /** The service container's output. */
    readonly app: RunningProcess,
  ) {}

  static async start(options: ComposeWatchOptions): Promise<ComposeWatch> {
    const project = `${composeProjectPrefix()}${randomBytes(4).toString("hex")}`;
    const port = await freePort();
    const env = { ...process.env, ...options.env, PORT: String(port) };
    const watch = new RunningProcess(spawn("docker", ["compose", "--project-name", project, "watch"], { cwd: options.dir, env, stdio: ["ignore", "pipe", "pipe"] }));
    try {
      await watch.waitFor(/Watch enabled/, { timeoutMs: 60_000 });
    } catch (error) {
      watch.child.kill("SIGINT");
      await composeDown(project, options.dir);
      throw error;
    }
    // The service uses the host network: Compose must have made no network (no bridge, no
    // private-range addresses).
    const networks = await dockerList(["network", "ls", "-q", "--filter", `label=com.docker.compose.project=${project}`]);
    if (networks.length > 0) {
      watch.child.kill("SIGINT");
      await composeDown(project, options.dir);
      throw new Error(`docker compose watch created Docker networks (${networks.join(", ")}); the compose file must use network_mode: host`);
    }
    const [containerId] = await dockerList(["ps", "-q", "--no-trunc", "--filter", `label=com.docker.compose.project=${project}`]);
    if (containerId === undefined) throw new Error(`docker compose watch started no container:\n${watch.log}`);
    const app = new RunningProcess(spawn("docker", ["logs", "-f", containerId], { stdio: ["ignore", "pipe", "pipe"] }));
    return new ComposeWatch(project, port, watch, containerId, app);
  }

  url(path = "/"): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  waitForBody(accept?: (body: string) => boolean, timeoutMs = 30_000): Promise<{ body: string; ms: number }> {
    return waitForBody(this.url(), accept, timeoutMs).catch((error: Error) => {
      throw new Error(`${error.message}\ncompose watch:\n${this.watch.log}\ncontainer:\n${this.app.log}`);
    });
  }

  /** Waits for Compose's n-th "Syncing service ..." line. */
  waitForSyncs(times: number): Promise<void> {
    return this.watch.waitFor(/Syncing service "[^"]+" after \d+ changes were detected/, { times, timeoutMs: 30_000 });
  }

  /** The errors Compose reported while handling changes (it keeps watching after one). */
  get syncErrors(): string[] {
    return this.watch.log.split("\n").filter((line) => /Error handling changed files|level=(warning|error)/.test(line));
  }

  async processes(): Promise<{ pid: number; args: string }[]> {
    const out = await dockerOk(["top", this.containerId, "-eo", "pid,args"]);
    return out.split("\n").slice(1).map((line) => /^\s*(\d+)\s+(.*)$/.exec(line)).filter((m): m is RegExpExecArray => m !== null).map((m) => ({ pid: Number(m[1]), args: m[2]! }));
  }

  async nestedWatchers(): Promise<string[]> {
    return nestedWatchers((await this.processes()).map((p) => p.args));
  }

  /** Stops watching (Ctrl-C, as a user does) and returns Compose's exit code. */
  async stopWatching(): Promise<number | null> {
    if (this.watch.exitStatus === undefined) {
      this.watch.child.kill("SIGINT");
      await new Promise<void>((resolve) => this.watch.child.once("exit", () => resolve()));
    }
    return this.watch.exitStatus?.code ?? null;
  }
}

async function composeDown(project: string, dir: string): Promise<void> {
  await docker(["compose", "--project-name", project, "down", "--volumes", "--remove-orphans", "--timeout", "5"], { cwd: dir });
}

/**
 * `docker compose watch` in `dir` for the duration of `fn`; then Ctrl-C and `docker compose down`
 * (containers removed; the service uses the host network, so Compose made no network).
 */
export async function composeWatch<T>(options: ComposeWatchOptions, fn: (watch: ComposeWatch) => Promise<T>): Promise<T> {
  const watch = await ComposeWatch.start(options);
  try {
    return await fn(watch);
  } finally {
    await watch.stopWatching();
    if (watch.app.exitStatus === undefined) watch.app.child.kill();
    await composeDown(watch.project, options.dir);
  }
}
