import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Agent } from "node:http";
import { fileURLToPath } from "node:url";
import fetch, { type Response } from "node-fetch";
import { HttpsProxyAgent } from "https-proxy-agent";
import { getProxyForUrl } from "proxy-from-env";
import { DownloadError } from "../errors.ts";
import { formatBytes, formatDuration, type Logger } from "../output.ts";

export interface DownloadOptions {
  /** Until the response headers arrive. */
  connectTimeoutMs: number;
  /** The longest silence allowed between two chunks of the body. */
  readTimeoutMs: number;
  /** Waits before each retry; its length is the number of retries. */
  backoffMs: readonly number[];
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** How often progress may be logged. */
  progressIntervalMs: number;
}

export const DEFAULT_DOWNLOAD_OPTIONS: Omit<DownloadOptions, "logger" | "env"> = {
  connectTimeoutMs: 15_000,
  readTimeoutMs: 30_000,
  backoffMs: [500, 1_000, 2_000],
  progressIntervalMs: 1_000,
};

export interface OpenedArtifact {
  body: AsyncIterable<Uint8Array>;
  /** From Content-Length or the file's size; undefined when the server did not say. */
  size: number | undefined;
}

/**
 * Proxies come from HTTPS_PROXY/HTTP_PROXY/NO_PROXY (either case), as curl reads them. The
 * agent tunnels with CONNECT for both http and https targets. Node's built-in fetch ignores
 * these variables, which is why node-fetch with an agent is used.
 */
function proxyAgentFor(env: NodeJS.ProcessEnv): (url: URL) => Agent | undefined {
  const agents = new Map<string, Agent>();
  return (url) => {
    const proxy = withEnv(env, () => getProxyForUrl(url.href));
    if (!proxy) return undefined;
    let agent = agents.get(proxy);
    if (agent === undefined) {
      agent = new HttpsProxyAgent(proxy) as unknown as Agent;
      agents.set(proxy, agent);
    }
    return agent;
  };
}

const PROXY_VARIABLES = ["HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "no_proxy", "all_proxy"];

/** proxy-from-env reads process.env; let callers (tests, the build) pass their own env. */
function withEnv<T>(env: NodeJS.ProcessEnv, fn: () => T): T {
  if (env === process.env) return fn();
  const saved = PROXY_VARIABLES.map((k) => [k, process.env[k]] as const);
  for (const k of PROXY_VARIABLES) {
    if (env[k] === undefined) delete process.env[k];
    else process.env[k] = env[k];
  }
  try {
    return fn();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** node-fetch repeats the URL in its messages; the URI is already in ours. */
function reason(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  return message.replace(/^request to \S+ failed, reason: /, "");
}

async function openHttp(uri: string, options: DownloadOptions): Promise<OpenedArtifact> {
  const controller = new AbortController();
  const connectTimer = setTimeout(() => controller.abort(), options.connectTimeoutMs);
  let response: Response;
  try {
    response = await fetch(uri, { signal: controller.signal, agent: proxyAgentFor(options.env), compress: false });
  } catch (cause) {
    const timedOut = controller.signal.aborted;
    throw new DownloadError(
      uri,
      timedOut ? `no response within ${formatDuration(options.connectTimeoutMs)}` : `request failed: ${reason(cause)}`,
      true,
      { cause },
    );
  } finally {
    clearTimeout(connectTimer);
  }
  if (!response.ok || response.body === null) {
    response.body?.resume();
    // A 4xx will not change on retry; a 5xx might.
    throw new DownloadError(uri, `HTTP ${response.status} ${response.statusText}`.trim(), response.status >= 500);
  }
  const length = response.headers.get("content-length");
  const size = length === null ? undefined : Number(length);
  return { body: guardBody(uri, response.body, size, controller, options.readTimeoutMs), size };
}

/** Fails a body that goes silent for longer than the read timeout, or ends short. */
async function* guardBody(
  uri: string,
  body: NodeJS.ReadableStream,
  size: number | undefined,
  controller: AbortController,
  readTimeoutMs: number,
): AsyncGenerator<Uint8Array> {
  let received = 0;
  let timer: NodeJS.Timeout | undefined;
  let stalled = false;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, readTimeoutMs);
  };
  arm();
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      received += chunk.length;
      arm();
      yield chunk;
    }
  } catch (cause) {
    const message = stalled
      ? `no data for ${formatDuration(readTimeoutMs)} after ${formatBytes(received)}`
      : `transfer broke after ${formatBytes(received)}: ${reason(cause)}`;
    throw new DownloadError(uri, message, true, { cause });
  } finally {
    clearTimeout(timer);
  }
  if (size !== undefined && received !== size) {
    throw new DownloadError(uri, `body truncated: received ${received} of ${size} bytes`, true);
  }
}

async function openFile(path: string, uri: string): Promise<OpenedArtifact> {
  try {
    const { size } = await stat(path);
    return { body: createReadStream(path), size };
  } catch (cause) {
    throw new DownloadError(uri, `cannot read file: ${(cause as Error).message}`, false, { cause });
  }
}

/** Opens an artifact by URI: http(s)://, file:// or an absolute path. */
export async function openArtifact(uri: string, options: DownloadOptions): Promise<OpenedArtifact> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1]?.toLowerCase();
  if (scheme === "http" || scheme === "https") return openHttp(uri, options);
  if (scheme === "file") return openFile(fileURLToPath(uri), uri);
  if (uri.startsWith("/")) return openFile(uri, uri);
  throw new DownloadError(uri, "unsupported URI: use http://, https://, file:// or an absolute path", false);
}

/** Logs bytes and percent at most once per interval, then the total and the time taken. */
export async function* withProgress(
  artifact: OpenedArtifact,
  options: Pick<DownloadOptions, "logger" | "progressIntervalMs">,
  now: () => number = Date.now,
): AsyncGenerator<Uint8Array> {
  const started = now();
  let lastReport = started;
  let received = 0;
  for await (const chunk of artifact.body) {
    received += chunk.length;
    const t = now();
    if (t - lastReport >= options.progressIntervalMs) {
      lastReport = t;
      const percent = artifact.size ? ` (${Math.floor((received / artifact.size) * 100)}%)` : "";
      options.logger.subDetail(`${formatBytes(received)}${artifact.size ? ` of ${formatBytes(artifact.size)}` : ""}${percent}`);
    }
    yield chunk;
  }
  options.logger.subDetail(`Downloaded ${formatBytes(received)} in ${formatDuration(now() - started)}`);
}

/** Runs an attempt again after each backoff while it fails with a retryable DownloadError. */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  options: Pick<DownloadOptions, "backoffMs" | "logger">,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      const wait = options.backoffMs[i];
      if (!(error instanceof DownloadError) || !error.retryable || wait === undefined) throw error;
      options.logger.subDetail(`${error.message}; retrying in ${formatDuration(wait)} (${i + 1} of ${options.backoffMs.length})`);
      await sleep(wait);
    }
  }
}
