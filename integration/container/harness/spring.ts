// The Spring Boot example in a container: an edit compiled as a developer compiles it, and what a
// hot swap of it must show (the new answer from the same JVM, no restart).
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { expect } from "vitest";
import type { Container } from "./container.ts";

const CONTROLLER = "src/main/java/com/example/reloadable/GreetingController.java";
/** Spring Boot's line at each start of the app (a new JVM or a DevTools restart). */
export const SPRING_STARTED = /Started Application in/;
/** The hot swap agent's line for a sync that it applied in the JVM. */
export const HOT_SWAP = /\[reloadable\] hot swap: \d+ class(?:es)? redefined in \d+ ms/;
/** The agent's line for a sync it restarted the app for. */
export const AGENT_RESTART = /\[reloadable\] restart \((?:DevTools|JVM)\)/;
const settle = (ms = 2_000) => new Promise((r) => setTimeout(r, ms));

/**
 * Edits the greeting of the checkout at `dir` and compiles as `mvn -o compile` (or an IDE) does;
 * returns the files under target/ that the compile wrote (relative to `dir`).
 */
export function editAndCompile(dir: string, greeting: string): string[] {
  const controller = join(dir, CONTROLLER);
  const before = Date.now();
  writeFileSync(controller, readFileSync(controller, "utf8").replace(/return "[^"]*\\n";/, `return "${greeting}\\n";`));
  execFileSync("mvn", ["-o", "-q", "-B", "compile"], { cwd: dir, stdio: "pipe" });
  const classes = join(dir, "target", "classes");
  const changed = readdirSync(classes, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && statSync(join(e.parentPath, e.name)).mtimeMs >= before - 1_000)
    .map((e) => relative(dir, join(e.parentPath, e.name)));
  expect(changed.length, "mvn compile changed no class").toBeGreaterThan(0);
  return changed;
}

/** The new greeting is served by the same app, which did not restart: one hot swap line more. Returns the latency. */
export async function expectHotSwap(container: Container, startsBefore: number, swapsBefore: number, greeting: string): Promise<number> {
  const { ms } = await container.waitForBody((b) => b.trim() === greeting, 60_000);
  await container.waitForLog(HOT_SWAP, { times: swapsBefore + 1 }); // docker logs may lag the answer
  await settle();
  expect(container.count(SPRING_STARTED), container.logs).toBe(startsBefore);
  expect(container.count(HOT_SWAP), container.logs).toBe(swapsBefore + 1);
  expect(container.logs).not.toMatch(AGENT_RESTART);
  expect((await container.processes()).filter((p) => /(^|\/)java\s/.test(p.args))).toHaveLength(1);
  expect(await container.nestedWatchers()).toEqual([]);
  return ms;
}
