import { createServer } from "node:net";
import type { AddressInfo } from "node:net";

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One GET; undefined while nothing listens (the app is starting or restarting). */
export async function get(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return await response.text();
  } catch {
    return undefined;
  }
}

/**
 * Polls until the body satisfies `accept` (by default: any answer), and returns it with how
 * long it took. Polls every 5 ms, so the figure is a reload latency, not a polling artefact.
 */
export async function waitForBody(
  url: string,
  accept: (body: string) => boolean = () => true,
  timeoutMs = 20_000,
): Promise<{ body: string; ms: number }> {
  const started = performance.now();
  let last: string | undefined;
  while (performance.now() - started < timeoutMs) {
    last = await get(url);
    if (last !== undefined && accept(last)) return { body: last, ms: performance.now() - started };
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no accepted response from ${url} within ${timeoutMs}ms; last: ${JSON.stringify(last)}`);
}
