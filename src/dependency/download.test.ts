import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { DownloadError } from "../errors.ts";
import type { Logger } from "../output.ts";
import { testdir } from "../testing/testdir.ts";
import { DEFAULT_DOWNLOAD_OPTIONS, downloadVerified, openArtifact, withProgress, withRetries, type DownloadOptions, type OpenedArtifact, requestFor } from "./download.ts";
import { sha256 } from "../testing/archive.ts";
import { ChecksumMismatchError } from "../errors.ts";

// Real servers on 127.0.0.1, never a mocked fetch: what is tested is what node-fetch, the proxy
// agent and the timeouts really do with a misbehaving peer.

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger: Logger = {
    title: (name, version, homepage) => lines.push(`${name} ${version} ${homepage}`),
    header: (text) => lines.push(text),
    detail: (text) => lines.push(text),
    subDetail: (text) => lines.push(text),
    warn: (text) => lines.push(`WARNING: ${text}`),
    blank: () => lines.push(""),
  };
  return { logger, lines };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface TestServer {
  url: string;
  requests: () => number;
}

async function listen(server: Server, sockets: Set<Socket | Duplex>): Promise<string> {
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  return `http://127.0.0.1:${address.port}`;
}

/** An HTTP server whose handler gets the 1-based number of the request. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<TestServer> {
  let count = 0;
  const listener: RequestListener = (req, res) => handler(req, res, ++count);
  const base = await listen(createServer(listener), new Set());
  return { url: `${base}/watchexec.tar.xz`, requests: () => count };
}

/** A CONNECT proxy that tunnels to the target with node:net and remembers every CONNECT. */
async function connectProxy(): Promise<{ url: string; connects: string[] }> {
  const connects: string[] = [];
  const sockets = new Set<Socket | Duplex>();
  const server = createServer((_req, res) => {
    res.writeHead(405).end("this proxy only tunnels");
  });
  server.on("connect", (req: IncomingMessage, client: Duplex, head: Buffer) => {
    const target = req.url ?? "";
    connects.push(target);
    const [host, port] = target.split(":");
    const upstream = connect(Number(port), host ?? "", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    sockets.add(client);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  return { url: await listen(server, sockets), connects };
}

function options(overrides: Partial<DownloadOptions> = {}): DownloadOptions & { lines: string[] } {
  const { logger, lines } = recordingLogger();
  return {
    connectTimeoutMs: 2_000,
    readTimeoutMs: 2_000,
    minBytesPerSecond: 0,
    rateWindowMs: 60_000,
    deadlineMs: 60_000,
    maxBytes: 1024 * 1024,
    backoffMs: [10, 10, 10],
    progressIntervalMs: 1_000,
    logger,
    env: {},
    ...overrides,
    lines,
  };
}

async function readAll(artifact: OpenedArtifact): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of artifact.body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** One whole download as the layer does it: open, read to the end, retry on retryable errors. */
function download(uri: string, opts: DownloadOptions): Promise<Buffer> {
  return withRetries(async () => readAll(await openArtifact(uri, opts)), opts);
}

async function failure(promise: Promise<unknown>): Promise<DownloadError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DownloadError);
  return error as DownloadError;
}

const BODY = Buffer.from("release bytes ".repeat(100));

describe("openArtifact over HTTP", () => {
  it("returns the body and the Content-Length size", async () => {
    const server = await serve((_req, res) => res.writeHead(200, { "Content-Length": BODY.length }).end(BODY));
    const artifact = await openArtifact(server.url, options());
    expect(artifact.size).toBe(BODY.length);
    expect(await readAll(artifact)).toEqual(BODY);
  });

  it("leaves size undefined when the server sends no Content-Length", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200); // chunked
      res.write(BODY.subarray(0, 10));
      res.end(BODY.subarray(10));
    });
    const artifact = await openArtifact(server.url, options());
    expect(artifact.size).toBeUndefined();
    expect(await readAll(artifact)).toEqual(BODY);
  });

  it("retries a 500 and succeeds on the next 200", async () => {
    const server = await serve((_req, res, n) => {
      if (n === 1) res.writeHead(500).end("boom");
      else res.writeHead(200, { "Content-Length": BODY.length }).end(BODY);
    });
    const opts = options();
    expect(await download(server.url, opts)).toEqual(BODY);
    expect(server.requests()).toBe(2);
    expect(opts.lines).toEqual([`HTTP 500 Internal Server Error (${server.url}); retrying in 10ms (1 of 3)`]);
  });

  it("gives up on a persistent 503 after every backoff, with one request per attempt", async () => {
    const server = await serve((_req, res) => res.writeHead(503).end());
    const opts = options();
    const error = await failure(download(server.url, opts));
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(`HTTP 503 Service Unavailable (${server.url})`);
    expect(server.requests()).toBe(4);
    expect(opts.lines.map((l) => l.replace(/.*; /, ""))).toEqual([
      "retrying in 10ms (1 of 3)",
      "retrying in 10ms (2 of 3)",
      "retrying in 10ms (3 of 3)",
    ]);
  });

  it.each([404, 403, 410])("does not retry HTTP %i", async (status) => {
    const server = await serve((_req, res) => res.writeHead(status).end("nope"));
    const opts = options();
    const error = await failure(download(server.url, opts));
    expect(error.retryable).toBe(false);
    expect(error.uri).toBe(server.url);
    expect(error.message).toMatch(new RegExp(`^HTTP ${status} `));
    expect(server.requests()).toBe(1);
    expect(opts.lines).toEqual([]);
  });

  it("fails a body cut short (socket destroyed before Content-Length) as retryable", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "Content-Length": 1000 });
      res.write(Buffer.alloc(100, 1), () => setTimeout(() => res.socket?.destroy(), 20));
    });
    const error = await failure(readAll(await openArtifact(server.url, options())));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/transfer broke after 100 B|body truncated: received 100 of 1000 bytes/);
  });

  it("retries a truncated body until the backoffs run out", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "Content-Length": 1000 });
      res.write(Buffer.alloc(100, 1), () => setTimeout(() => res.socket?.destroy(), 20));
    });
    const opts = options({ backoffMs: [10, 10] });
    const error = await failure(download(server.url, opts));
    expect(error.retryable).toBe(true);
    expect(server.requests()).toBe(3);
  });

  it("fails a stalled body after readTimeoutMs of silence, naming the missing data", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "Content-Length": 1000 });
      res.write(Buffer.alloc(100, 1)); // ...and then nothing
    });
    const started = Date.now();
    const error = await failure(readAll(await openArtifact(server.url, options({ readTimeoutMs: 200 }))));
    expect(Date.now() - started).toBeLessThan(1_900);
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(`no data for 200ms after 100 B (${server.url})`);
  });

  it("fails a server that never sends headers after connectTimeoutMs", async () => {
    const server = await serve(() => {
      // accept the request, never answer
    });
    const started = Date.now();
    const error = await failure(openArtifact(server.url, options({ connectTimeoutMs: 200 })));
    expect(Date.now() - started).toBeLessThan(1_900);
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(`no response within 200ms (${server.url})`);
  });

  it("reports a refused connection as a retryable request failure", async () => {
    const server = await serve((_req, res) => res.end());
    const url = server.url;
    await cleanups.pop()?.(); // close it: the port now refuses
    const error = await failure(openArtifact(url, options()));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/^request failed: .*ECONNREFUSED/);
  });
});

describe("openArtifact through a proxy from options.env", () => {
  it.each<{ name: string; env: (proxy: string) => NodeJS.ProcessEnv; tunnels: number }>([
    { name: "HTTP_PROXY", env: (p) => ({ HTTP_PROXY: p }), tunnels: 1 },
    { name: "http_proxy (lower case)", env: (p) => ({ http_proxy: p }), tunnels: 1 },
    { name: "ALL_PROXY", env: (p) => ({ ALL_PROXY: p }), tunnels: 1 },
    { name: "HTTPS_PROXY only (an http target ignores it)", env: (p) => ({ HTTPS_PROXY: p }), tunnels: 0 },
    { name: "HTTP_PROXY with NO_PROXY=127.0.0.1", env: (p) => ({ HTTP_PROXY: p, NO_PROXY: "127.0.0.1" }), tunnels: 0 },
    { name: "HTTP_PROXY with no_proxy=*", env: (p) => ({ HTTP_PROXY: p, no_proxy: "*" }), tunnels: 0 },
    { name: "HTTP_PROXY with NO_PROXY for another host", env: (p) => ({ HTTP_PROXY: p, NO_PROXY: "example.com" }), tunnels: 1 },
    { name: "no proxy variables", env: () => ({}), tunnels: 0 },
  ])("$name: $tunnels CONNECT", async ({ env, tunnels }) => {
    const server = await serve((_req, res) => res.writeHead(200, { "Content-Length": BODY.length }).end(BODY));
    const proxy = await connectProxy();
    expect(await download(server.url, options({ env: env(proxy.url) }))).toEqual(BODY);
    expect(proxy.connects).toEqual(Array.from({ length: tunnels }, () => new URL(server.url).host));
    expect(server.requests()).toBe(1);
  });

  it("reads the proxy from options.env, not process.env, and leaves process.env as it was", async () => {
    const server = await serve((_req, res) => res.writeHead(200, { "Content-Length": BODY.length }).end(BODY));
    const used = await connectProxy();
    const ignored = await connectProxy();
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
    process.env.HTTP_PROXY = ignored.url;
    process.env.NO_PROXY = "127.0.0.1";
    try {
      expect(await download(server.url, options({ env: { HTTP_PROXY: used.url } }))).toEqual(BODY);
      expect(process.env.HTTP_PROXY).toBe(ignored.url);
      expect(process.env.NO_PROXY).toBe("127.0.0.1");
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    expect(used.connects).toHaveLength(1);
    expect(ignored.connects).toHaveLength(0);
  });

  it("fails as retryable when the proxy is down", async () => {
    const server = await serve((_req, res) => res.end());
    const proxy = await connectProxy();
    await cleanups.pop()?.(); // the proxy's close
    const error = await failure(openArtifact(server.url, options({ env: { HTTP_PROXY: proxy.url } })));
    expect(error.retryable).toBe(true);
    expect(server.requests()).toBe(0);
  });
});

describe("openArtifact for files", () => {
  it("opens file:// URIs and absolute paths with the file's size", async () => {
    const dir = await testdir({ "a b/watchexec.tar.xz": BODY });
    cleanups.push(dir.cleanup);
    const path = dir.join("a b", "watchexec.tar.xz");
    for (const uri of [pathToFileURL(path).href, path]) {
      const artifact = await openArtifact(uri, options());
      expect(artifact.size).toBe(BODY.length);
      expect(await readAll(artifact)).toEqual(BODY);
    }
  });

  it("fails a missing file as not retryable", async () => {
    const dir = await testdir();
    cleanups.push(dir.cleanup);
    const path = dir.join("missing.tar.xz");
    const error = await failure(openArtifact(path, options()));
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(`cannot read the artifact: no such file (ENOENT) (${path})`);
    expect(error.fix).toBe("buildpack.toml's URI does not lead to the watchexec release .tar.xz file: fix the dependency entry, or map it to a good copy with a dependency-mapping binding; nothing was installed.");
    expect(error.uri).toBe(path);
  });

  it("reads an empty file as zero bytes", async () => {
    const dir = await testdir();
    cleanups.push(dir.cleanup);
    await writeFile(dir.join("empty"), "");
    const artifact = await openArtifact(dir.join("empty"), options());
    expect(artifact.size).toBe(0);
    expect(await readAll(artifact)).toHaveLength(0);
  });

  it.each(["ftp://example.com/w.tar.xz", "relative/w.tar.xz", "w.tar.xz"])(
    "refuses unsupported URI %s as not retryable",
    async (uri) => {
      const error = await failure(openArtifact(uri, options()));
      expect(error.retryable).toBe(false);
      expect(error.message).toBe(`unsupported URI: use http://, https://, file:// or an absolute path (${uri})`);
    },
  );
});

describe("bounds on a download", () => {
  it("fails a server that trickles 1 byte a second within one rate window, naming the rate, and does not retry it", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "Content-Length": 10_000 });
      const timer = setInterval(() => res.write("x"), 100); // 10 B/s: never silent for the read timeout
      res.on("close", () => clearInterval(timer));
    });
    const opts = options({ minBytesPerSecond: 1024, rateWindowMs: 400, readTimeoutMs: 5_000 });
    const started = Date.now();
    const error = await failure(download(server.url, opts));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(
      new RegExp(`^the transfer is slower than the minimum of 1\\.0 KiB/s: \\d+ B in the last 400ms \\(\\d+ B in all\\) \\(${server.url.replace(/[./]/g, "\\$&")}\\)$`),
    );
    expect(error.fix).toMatch(/^The server is too slow for a build\. Check the network or proxy/);
    expect(server.requests()).toBe(1);
  });

  it("fails a download still going at its deadline, whatever its rate, retries included", async () => {
    let requests = 0;
    const server = await serve((_req, res) => {
      requests++;
      if (requests === 1) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { "Content-Length": 1_000_000 });
      const timer = setInterval(() => res.write(Buffer.alloc(2048)), 20); // ~100 KB/s: fast enough, never done in time
      res.on("close", () => clearInterval(timer));
    });
    const opts = options({ deadlineMs: 600, minBytesPerSecond: 1024, rateWindowMs: 200 });
    const error = await failure(download(server.url, opts));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^the download did not finish within its deadline of 600ms \(\d+(\.\d)? (B|KiB) received\) /);
    expect(requests).toBe(2);
  });

  it("does not sleep for a retry past the deadline", async () => {
    const { logger } = recordingLogger();
    const slept: number[] = [];
    const error = new DownloadError("http://x/w", "HTTP 502 Bad Gateway", true);
    const run = withRetries(
      async () => {
        throw error;
      },
      { backoffMs: [100, 100, 100], logger, deadlineAt: 1_250 },
      async (ms) => {
        slept.push(ms);
      },
      () => 1_000 + slept.length * 100,
    );
    await expect(run).rejects.toBe(error);
    // at 1000 and 1100 a 100 ms wait ends before 1250; at 1200 it would not
    expect(slept).toEqual([100, 100]);
  });

  it("fails at once on a Content-Length over the limit, without reading the body", async () => {
    const server = await serve((_req, res) => res.writeHead(200, { "Content-Length": 5_000_000 }).end(Buffer.alloc(5_000_000)));
    const error = await failure(download(server.url, options({ maxBytes: 1024 * 1024 })));
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(`the artifact is larger than the limit of 1.0 MiB (4.8 MiB) (${server.url})`);
    expect(server.requests()).toBe(1);
  });

  it("fails a body with no Content-Length once it passes the limit", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200);
      res.end(Buffer.alloc(3 * 1024 * 1024));
    });
    const error = await failure(download(server.url, options({ maxBytes: 1024 * 1024 })));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^the artifact is larger than the limit of 1\.0 MiB \(1\.\d MiB\)/);
  });

  it("the defaults: 8 KiB/s over 15 s windows, a 10-minute deadline, 256 MiB", () => {
    expect(DEFAULT_DOWNLOAD_OPTIONS).toMatchObject({ minBytesPerSecond: 8192, rateWindowMs: 15_000, deadlineMs: 600_000, maxBytes: 256 * 1024 * 1024 });
  });
});

describe("local artifacts that are not a regular file", () => {
  it.each<{ name: string; make: (path: string) => Promise<void>; message: string }>([
    { name: "a directory", make: (p) => mkdir(p), message: "the artifact is a directory, not a file" },
    {
      name: "a FIFO (would block forever)",
      make: async (p) => {
        execFileSync("mkfifo", [p]);
      },
      message: "the artifact is not a regular file (a device, FIFO or socket)",
    },
    { name: "a file over the size limit", make: (p) => writeFile(p, Buffer.alloc(2 * 1024 * 1024)), message: "the artifact is larger than the limit of 1.0 MiB (2.0 MiB)" },
  ])("$name: a named, not retried error whose fix names the binding", async ({ make, message }) => {
    const dir = await testdir();
    cleanups.push(dir.cleanup);
    const path = dir.join("artifact");
    await make(path);
    const error = await failure(openArtifact(pathToFileURL(path).href, options({ origin: 'dependency-mapping binding "mirror" (its entry abc)' })));
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(`${message} (${pathToFileURL(path).href})`);
    expect(error.fix).toMatch(/^(Point the dependency-mapping binding "mirror" \(its entry abc\) at the watchexec release \.tar\.xz|The server)/);
  });
});

describe("downloadVerified", () => {
  it("retries a cut transfer into the same file and verifies the whole", async () => {
    let requests = 0;
    const server = await serve((_req, res) => {
      requests++;
      res.writeHead(200, { "Content-Length": BODY.length });
      if (requests === 1) res.write(BODY.subarray(0, 100), () => setTimeout(() => res.socket?.destroy(), 20));
      else res.end(BODY);
    });
    const dir = await testdir();
    cleanups.push(dir.cleanup);
    const result = await downloadVerified(server.url, dir.join("a.tar.xz"), sha256(BODY), options());
    expect(result).toEqual({ sha256: sha256(BODY), bytes: BODY.length });
    expect(await readFile(dir.join("a.tar.xz"))).toEqual(BODY);
    expect(requests).toBe(2);
  });

  it("does not retry a checksum mismatch", async () => {
    const server = await serve((_req, res) => res.writeHead(200, { "Content-Length": BODY.length }).end(BODY));
    const dir = await testdir();
    cleanups.push(dir.cleanup);
    await expect(downloadVerified(server.url, dir.join("a"), "0".repeat(64), options())).rejects.toBeInstanceOf(ChecksumMismatchError);
    expect(server.requests()).toBe(1);
  });
});

describe("withProgress", () => {
  async function* chunks(sizes: number[]): AsyncGenerator<Uint8Array> {
    for (const size of sizes) yield new Uint8Array(size);
  }
  /** A clock that returns the given times in order, then keeps returning the last. */
  function clock(times: number[]): () => number {
    let i = 0;
    return () => times[Math.min(i++, times.length - 1)] ?? 0;
  }

  it.each<{ name: string; sizes: number[]; size: number | undefined; times: number[]; expected: string[] }>([
    {
      name: "known size: reports bytes and percent at most once per interval",
      sizes: [1024, 1024, 1024, 1024],
      size: 4096,
      // start, one read per chunk, the end
      times: [0, 500, 1000, 1500, 2100, 2500],
      expected: ["2.0 KiB of 4.0 KiB (50%)", "4.0 KiB of 4.0 KiB (100%)", "Downloaded 4.0 KiB in 2.5s"],
    },
    {
      name: "unknown size: bytes only",
      sizes: [2048, 2048],
      size: undefined,
      times: [0, 1000, 1200, 1300],
      expected: ["2.0 KiB", "Downloaded 4.0 KiB in 1.3s"],
    },
    {
      name: "a fast download: the total and the time only",
      sizes: [100, 100, 100],
      size: 300,
      times: [0, 10, 20, 30, 40],
      expected: ["Downloaded 300 B in 40ms"],
    },
    {
      name: "an empty body",
      sizes: [],
      size: 0,
      times: [0, 5],
      expected: ["Downloaded 0 B in 5ms"],
    },
    {
      name: "megabytes, floor of the percent",
      sizes: [1024 * 1024, 2 * 1024 * 1024],
      size: 3 * 1024 * 1024 + 1,
      times: [0, 1000, 1999, 3000],
      expected: ["1.0 MiB of 3.0 MiB (33%)", "Downloaded 3.0 MiB in 3.0s"],
    },
  ])("$name", async ({ sizes, size, times, expected }) => {
    const { logger, lines } = recordingLogger();
    const passed: number[] = [];
    for await (const chunk of withProgress({ body: chunks(sizes), size }, { logger, progressIntervalMs: 1000 }, clock(times))) {
      passed.push(chunk.length);
    }
    expect(passed).toEqual(sizes);
    expect(lines).toEqual(expected);
  });

  it("passes an error of the body through without a total line", async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(10);
      throw new DownloadError("http://x/y", "transfer broke", true);
    }
    const { logger, lines } = recordingLogger();
    const read = async () => {
      for await (const _ of withProgress({ body: broken(), size: 100 }, { logger, progressIntervalMs: 1000 })) {
        // drain
      }
    };
    await expect(read()).rejects.toThrow("transfer broke (http://x/y)");
    expect(lines).toEqual([]);
  });
});

describe("withRetries", () => {
  const retryable = () => new DownloadError("http://x/w", "HTTP 502 Bad Gateway", true);
  const fatal = () => new DownloadError("http://x/w", "HTTP 404 Not Found", false);

  it.each<{ name: string; outcomes: (Error | "ok")[]; backoffMs: number[]; attempts: number; slept: number[]; result: "ok" | "error" }>([
    { name: "success at once", outcomes: ["ok"], backoffMs: [10, 20, 30], attempts: 1, slept: [], result: "ok" },
    { name: "two retryable failures, then success", outcomes: [retryable(), retryable(), "ok"], backoffMs: [10, 20, 30], attempts: 3, slept: [10, 20], result: "ok" },
    { name: "retryable until the backoffs run out", outcomes: [retryable(), retryable(), retryable(), retryable(), "ok"], backoffMs: [10, 20, 30], attempts: 4, slept: [10, 20, 30], result: "error" },
    { name: "not retryable", outcomes: [fatal(), "ok"], backoffMs: [10, 20, 30], attempts: 1, slept: [], result: "error" },
    { name: "retryable then not retryable", outcomes: [retryable(), fatal(), "ok"], backoffMs: [10, 20, 30], attempts: 2, slept: [10], result: "error" },
    { name: "not a DownloadError", outcomes: [new Error("checksum"), "ok"], backoffMs: [10, 20, 30], attempts: 1, slept: [], result: "error" },
    { name: "no backoffs: no retries", outcomes: [retryable(), "ok"], backoffMs: [], attempts: 1, slept: [], result: "error" },
  ])("$name", async ({ outcomes, backoffMs, attempts, slept, result }) => {
    const { logger, lines } = recordingLogger();
    const sleeps: number[] = [];
    let calls = 0;
    const run = withRetries(
      async () => {
        const outcome = outcomes[calls++];
        if (outcome === "ok") return "done";
        throw outcome;
      },
      { backoffMs, logger },
      async (ms) => {
        sleeps.push(ms);
      },
    );
    if (result === "ok") await expect(run).resolves.toBe("done");
    else await expect(run).rejects.toBe(outcomes[attempts - 1]);
    expect(calls).toBe(attempts);
    expect(sleeps).toEqual(slept);
    expect(lines).toEqual(slept.map((ms, i) => `HTTP 502 Bad Gateway (http://x/w); retrying in ${ms}ms (${i + 1} of ${backoffMs.length})`));
  });
});

describe("requestFor", () => {
  it.each<[string, string, Record<string, string>]>([
    ["no credentials", "https://mirror.example.com/a/w.tar.xz", {}],
    ["user and password", "https://builder:s3cret@mirror.example.com/w.tar.xz", { authorization: `Basic ${Buffer.from("builder:s3cret").toString("base64")}` }],
    ["percent-escaped password", "https://builder:p%40ss%3Aword@mirror.example.com/w.tar.xz", { authorization: `Basic ${Buffer.from("builder:p@ss:word").toString("base64")}` }],
    ["a token as the user", "https://tok3n@mirror.example.com/w.tar.xz", { authorization: `Basic ${Buffer.from("tok3n:").toString("base64")}` }],
  ])("%s", (_name, uri, headers) => {
    const request = requestFor(uri);
    expect(request.headers).toEqual(headers);
    expect(new URL(request.url).username).toBe("");
    expect(new URL(request.url).password).toBe("");
    expect(new URL(request.url).pathname).toBe(new URL(uri).pathname);
  });
});
