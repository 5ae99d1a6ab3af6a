// Real npm packages for the examples that need them (examples/node-dev's nodemon): installed
// from the npm registry with npm itself, its cache kept beside the pinned tools so that later
// runs install offline in about a second.
import { execFile } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { scratchRoot } from "./paths.ts";

/** npm's cache: in the tools cache (RELOADABLE_TOOLS_CACHE, as scripts/tools uses it). */
export function npmCacheDir(): string {
  const dir = join(process.env.RELOADABLE_TOOLS_CACHE ?? join(homedir(), ".cache", "reloadable-tools"), "npm-cache");
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * A copy of `example` (without any node_modules of a checkout) with `npm install` run in it: the
 * dependencies its package-lock.json pins, from the registry or npm's cache. Readable by the
 * build user; the caller removes it.
 */
export async function npmInstalledCopy(example: string): Promise<string> {
  const dir = mkdtempSync(join(scratchRoot(), "reloadable-npm-"));
  chmodSync(dir, 0o755);
  cpSync(example, dir, { recursive: true, filter: (src) => !src.split("/").includes("node_modules") });
  try {
    await promisify(execFile)("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--cache", npmCacheDir()], { cwd: dir, timeout: 300_000 });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`npm install in a copy of ${example} failed (the npm registry or npm's cache in ${npmCacheDir()} is needed):\n${stderr ?? String(error)}`, { cause: error });
  }
  return dir;
}
