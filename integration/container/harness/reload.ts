// What every container test checks after a sync: the new body, then exactly one more app start,
// one app process and one watcher.
import { expect } from "vitest";
import type { Container } from "./container.ts";

export interface AppShape {
  /** A line the app prints at each start. */
  started: RegExp;
  /** The app's own process in `docker top` (not watchexec, not a shell); unchecked if unset. */
  process?: RegExp;
  /** How long the new body may take (a JVM restart takes seconds). */
  timeoutMs?: number;
  /** How long after the new body a second start would have shown (default 1 s). */
  settleMs?: number;
}

const settle = (ms = 1_000) => new Promise((r) => setTimeout(r, ms));

/** Returns the end of sync -> new response latency. */
export async function expectOneReload(container: Container, app: AppShape, startsBefore: number, body: string): Promise<number> {
  const { ms } = await container.waitForBody((b) => b.trim() === body, app.timeoutMs);
  await container.waitForLog(app.started, { times: startsBefore + 1 }); // docker logs may lag the answer
  await settle(app.settleMs);
  expect(container.count(app.started), container.logs).toBe(startsBefore + 1);
  if (app.process !== undefined) {
    const pattern = app.process;
    expect((await container.processes()).map((p) => p.args).filter((args) => pattern.test(args))).toHaveLength(1);
  }
  expect(await container.nestedWatchers()).toEqual([]);
  return ms;
}
