import { createReadStream, type Stats } from "node:fs";
import { stat } from "node:fs/promises";
import type { Agent } from "node:http";
import { fileURLToPath } from "node:url";
import fetch, { type Response } from "node-fetch";
import { HttpsProxyAgent } from "https-proxy-agent";
import { getProxyForUrl } from "proxy-from-env";
import { DownloadError, NETWORK_FIX } from "../errors.ts";
import { formatBytes, formatDuration, type Logger } from "../output.ts";
import { saveVerified, type SavedArtifact } from "./verify.ts";
import { maskCredentials } from "./mirror.ts";

export interface DownloadOptions {
  /** Until the response headers arrive. */
  connectTimeoutMs: number;
  /** The longest silence allowed between two chunks of the body. */
  readTimeoutMs: number;
  /**
   * The slowest transfer accepted: fewer bytes than this per second, averaged over each
   * `rateWindowMs`, fail the download (a server trickling 1 byte a second never goes silent).
   */
  minBytesPerSecond: number;
  rateWindowMs: number;
  /** The whole download, every retry and backoff included, must end within this. */
  deadlineMs: number;
  /** The largest artifact accepted (Content-Length, file size, or bytes as they arrive). */
  maxBytes: number;
  /** Waits before each retry; its length is the number of retries. */
  backoffMs: readonly number[];
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** How often progress may be logged. */
  progressIntervalMs: number;
  /**
   * Where the URI came from, when not from buildpack.toml (e.g. `dependency-mapping binding
   * "mirror"`): named in errors about the artifact itself, whose fix is then to correct it there.
   */
  origin?: string;
}

/**
 * watchexec's release archives are about 3 MB: at the minimum rate of 8 KiB/s one takes about
 * 6 minutes, inside the 10-minute deadline; anything over 256 MiB is not one.
 */
export const DEFAULT_DOWNLOAD_OPTIONS: Omit<DownloadOptions, "logger" | "env"> = {
  connectTimeoutMs: 15_000,
  readTimeoutMs: 30_000,
  minBytesPerSecond: 8 * 1024,
  rateWindowMs: 15_000,
  deadlineMs: 10 * 60_000,
  maxBytes: 256 * 1024 * 1024,
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

/** The fix for a problem with the artifact itself (too large, not a file): correct where the URI came from. */
function artifactFix(options: Pick<DownloadOptions, "origin">, what: string): string {
  return options.origin !== undefined
    ? `Point the ${options.origin} at ${what}; nothing was installed.`
    : `buildpack.toml's URI does not lead to ${what}: fix the dependency entry, or map it to a good copy with a dependency-mapping binding; nothing was installed.`;
}

type Limits = Pick<DownloadOptions, "readTimeoutMs" | "minBytesPerSecond" | "rateWindowMs" | "deadlineMs" | "maxBytes" | "origin">;

function tooLarge(uri: string, bytes: number, options: Limits): DownloadError {
  return new DownloadError(uri, `the artifact is larger than the limit of ${formatBytes(options.maxBytes)} (${formatBytes(bytes)})`, false, {
    fix: artifactFix(options, "the watchexec release .tar.xz (a few MB)"),
  });
}

function pastDeadline(uri: string, received: number, options: Limits): DownloadError {
  return new DownloadError(uri, `the download did not finish within its deadline of ${formatDuration(options.deadlineMs)} (${formatBytes(received)} received)`, false, {
    fix: `The server is too slow for a build. ${NETWORK_FIX}`,
  });
}

/**
 * The URL to request and its headers: credentials in the URL (a mirror's `https://user:pass@host`)
 * go into an Authorization header, as libpak sends them; node-fetch refuses them in the URL.
 */
export function requestFor(uri: string): { url: string; headers: Record<string, string> } {
  const url = new URL(uri);
  if (url.username === "" && url.password === "") return { url: uri, headers: {} };
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = "";
  url.password = "";
  return { url: url.href, headers: { authorization: `Basic ${Buffer.from(credentials).toString("base64")}` } };
}

/** Certificate problems do not go away on a retry. */
function isCertificateError(cause: unknown): boolean {
  const code = (cause as { code?: unknown; cause?: { code?: unknown } } | undefined)?.code ?? (cause as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === "string" && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT/.test(code);
}

async function openHttp(requested: string, options: DownloadOptions, deadlineAt: number): Promise<OpenedArtifact> {
  const request = requestFor(requested);
  // Errors name the URI with any credentials masked.
  const uri = maskCredentials(requested);
  const controller = new AbortController();
  const untilDeadline = deadlineAt - Date.now();
  const deadlineFirst = untilDeadline <= options.connectTimeoutMs;
  const connectTimer = setTimeout(() => controller.abort(), Math.max(0, Math.min(options.connectTimeoutMs, untilDeadline)));
  let response: Response;
  try {
    response = await fetch(request.url, { signal: controller.signal, agent: proxyAgentFor(options.env), compress: false, headers: request.headers });
  } catch (cause) {
    if (controller.signal.aborted && deadlineFirst) throw pastDeadline(uri, 0, options);
    const timedOut = controller.signal.aborted;
    throw new DownloadError(
      uri,
      timedOut ? `no response within ${formatDuration(options.connectTimeoutMs)}` : `request failed: ${maskCredentials(reason(cause))}`,
      !isCertificateError(cause),
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
  if (size !== undefined && size > options.maxBytes) {
    controller.abort();
    throw tooLarge(uri, size, options);
  }
  return { body: guardBody(uri, response.body as AsyncIterable<Uint8Array>, size, controller, options, deadlineAt), size };
}

/**
 * Fails a body that goes silent for longer than the read timeout, arrives slower than the
 * minimum rate, passes the deadline or the size limit, or ends short. Timers, not the chunks,
 * drive the checks: a server that sends nothing at all is caught too.
 */
async function* guardBody(
  uri: string,
  body: AsyncIterable<Uint8Array>,
  size: number | undefined,
  controller: AbortController,
  options: Limits,
  deadlineAt: number,
): AsyncGenerator<Uint8Array> {
  let received = 0;
  let failure: DownloadError | undefined;
  const fail = (error: DownloadError) => {
    failure ??= error;
    controller.abort();
  };
  let stallTimer: NodeJS.Timeout | undefined;
  const armStall = () => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => fail(new DownloadError(uri, `no data for ${formatDuration(options.readTimeoutMs)} after ${formatBytes(received)}`, true)), options.readTimeoutMs);
  };
  let windowStart = 0;
  const rateTimer = setInterval(() => {
    const inWindow = received - windowStart;
    windowStart = received;
    if (inWindow < (options.minBytesPerSecond * options.rateWindowMs) / 1000) {
      // A server that trickles will trickle again: not retried (the deadline would end it anyway).
      fail(
        new DownloadError(
          uri,
          `the transfer is slower than the minimum of ${formatBytes(options.minBytesPerSecond)}/s: ${formatBytes(inWindow)} in the last ${formatDuration(options.rateWindowMs)} (${formatBytes(received)} in all)`,
          false,
          { fix: `The server is too slow for a build. ${NETWORK_FIX}` },
        ),
      );
    }
  }, options.rateWindowMs);
  const deadlineTimer = setTimeout(() => fail(pastDeadline(uri, received, options)), Math.max(0, deadlineAt - Date.now()));
  armStall();
  try {
    for await (const chunk of body) {
      if (failure !== undefined) break;
      received += chunk.length;
      if (received > options.maxBytes) {
        fail(tooLarge(uri, received, options));
        break;
      }
      armStall();
      yield chunk;
    }
  } catch (cause) {
    if (failure !== undefined) throw failure;
    throw new DownloadError(uri, `transfer broke after ${formatBytes(received)}: ${reason(cause)}`, true, { cause });
  } finally {
    clearTimeout(stallTimer);
    clearInterval(rateTimer);
    clearTimeout(deadlineTimer);
  }
  if (failure !== undefined) throw failure;
  if (size !== undefined && received !== size) {
    throw new DownloadError(uri, `body truncated: received ${received} of ${size} bytes`, true);
  }
}

/**
 * A local artifact (an offline package, or a file a dependency-mapping binding names) must be a
 * regular file: a directory fails with EISDIR only once read, and a FIFO would block forever.
 */
async function openFile(path: string, uri: string, options: DownloadOptions, deadlineAt: number): Promise<OpenedArtifact> {
  const fix = artifactFix(options, "the watchexec release .tar.xz file");
  let info: Stats;
  try {
    info = await stat(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const problem =
      code === "ENOENT" ? "no such file" : code === "EACCES" || code === "EPERM" ? `the build user (uid ${process.getuid?.() ?? "?"}) may not read it` : (cause as Error).message;
    throw new DownloadError(uri, `cannot read the artifact: ${problem} (${code ?? "error"})`, false, { cause, fix });
  }
  if (info.isDirectory()) throw new DownloadError(uri, "the artifact is a directory, not a file", false, { fix });
  if (!info.isFile()) throw new DownloadError(uri, "the artifact is not a regular file (a device, FIFO or socket)", false, { fix });
  if (info.size > options.maxBytes) throw tooLarge(uri, info.size, options);
  const controller = new AbortController();
  const stream = createReadStream(path, { signal: controller.signal });
  return { body: guardFile(uri, guardBody(uri, stream, info.size, controller, options, deadlineAt), fix), size: info.size };
}

/** A read error of a local file (EACCES on open, EIO) is not the network's: say so. */
async function* guardFile(uri: string, body: AsyncIterable<Uint8Array>, fix: string): AsyncGenerator<Uint8Array> {
  try {
    yield* body;
  } catch (error) {
    if (error instanceof DownloadError && error.cause !== undefined) {
      const code = (error.cause as NodeJS.ErrnoException).code ?? "error";
      throw new DownloadError(uri, `cannot read the artifact: ${(error.cause as Error).message.replace(/^\w+: /, "")} (${code})`, false, { cause: error.cause, fix });
    }
    throw error;
  }
}

/**
 * Opens an artifact by URI: http(s)://, file:// or an absolute path. `deadlineAt` is the moment
 * the whole download (all attempts) must be over.
 */
export async function openArtifact(uri: string, options: DownloadOptions, deadlineAt = Date.now() + options.deadlineMs): Promise<OpenedArtifact> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1]?.toLowerCase();
  if (scheme === "http" || scheme === "https") return openHttp(uri, options, deadlineAt);
  if (scheme === "file") return openFile(fileURLToPath(uri), uri, options, deadlineAt);
  if (uri.startsWith("/")) return openFile(uri, uri, options, deadlineAt);
  throw new DownloadError(uri, "unsupported URI: use http://, https://, file:// or an absolute path", false, {
    fix: artifactFix(options, "an http(s):// or file:// URI, or an absolute path"),
  });
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

/**
 * Runs an attempt again after each backoff while it fails with a retryable DownloadError, and
 * never sleeps past `deadlineAt`.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  options: Pick<DownloadOptions, "backoffMs" | "logger"> & { deadlineAt?: number },
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  now: () => number = Date.now,
): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      const wait = options.backoffMs[i];
      if (!(error instanceof DownloadError) || !error.retryable || wait === undefined) throw error;
      if (options.deadlineAt !== undefined && now() + wait >= options.deadlineAt) throw error;
      options.logger.subDetail(`${error.message}; retrying in ${formatDuration(wait)} (${i + 1} of ${options.backoffMs.length})`);
      await sleep(wait);
    }
  }
}

/**
 * Downloads `uri` into the file `dest` (retries and one deadline for them all), hashing it on
 * the way; the digest is checked when the last byte is on disk (see saveVerified).
 */
export async function downloadVerified(uri: string, dest: string, expectedSha256: string, options: DownloadOptions): Promise<SavedArtifact> {
  const deadlineAt = Date.now() + options.deadlineMs;
  return withRetries(async () => saveVerified(withProgress(await openArtifact(uri, options, deadlineAt), options), dest, expectedSha256, uri), {
    ...options,
    deadlineAt,
  });
}
