import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Binding, Platform } from "./types.ts";

async function listDir(dir: string, only?: "dirs" | "files"): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((e) => !e.name.startsWith("."))
      .filter((e) => only === undefined || (only === "dirs" ? e.isDirectory() || e.isSymbolicLink() : !e.isDirectory()))
      .map((e) => e.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/** `<platform>/env/NAME` files hold user variables (what `pack build -e` writes). */
export async function readPlatformEnv(platformDir: string): Promise<Record<string, string>> {
  const envDir = join(platformDir, "env");
  const env: Record<string, string> = {};
  for (const name of (await listDir(envDir)).sort()) {
    env[name] = await readFile(join(envDir, name), "utf8");
  }
  return env;
}

/**
 * Files of a binding that describe it rather than being entries: `type` and, as libcnb reads
 * bindings, `provider`. A `dependency-mirror` binding would otherwise take `provider` for a host.
 */
const BINDING_METADATA = ["type", "provider"];

/** Bindings live in `$SERVICE_BINDING_ROOT` when set, else `<platform>/bindings`. */
export async function readBindings(root: string): Promise<Binding[]> {
  const bindings: Binding[] = [];
  for (const name of (await listDir(root, "dirs")).sort()) {
    const dir = join(root, name);
    const entries: Record<string, string> = {};
    let type: string | undefined;
    for (const file of await listDir(dir, "files").catch(() => [])) {
      const content = await readFile(join(dir, file), "utf8").catch(() => undefined);
      if (content === undefined) continue;
      if (file === "type") type = content.trim();
      else if (!BINDING_METADATA.includes(file)) entries[file] = content.trim();
    }
    if (type !== undefined) bindings.push({ name, type, entries });
  }
  return bindings;
}

export async function readPlatform(platformDir: string, processEnv: NodeJS.ProcessEnv): Promise<Platform> {
  const bindingRoot = processEnv.SERVICE_BINDING_ROOT || join(platformDir, "bindings");
  const [env, bindings] = await Promise.all([readPlatformEnv(platformDir), readBindings(bindingRoot)]);
  return { dir: platformDir, env, bindings };
}

/**
 * A user variable: the platform env file wins, the process env is the fallback (for running
 * bin/detect by hand, or platforms that pass variables directly). Env files may end in a newline
 * when written by hand; pack writes none, so one trailing newline is dropped.
 */
export function lookupVariable(platform: Platform, processEnv: NodeJS.ProcessEnv, name: string): string | undefined {
  const fromFile = platform.env[name];
  if (fromFile !== undefined) return fromFile.replace(/\r?\n$/, "");
  return processEnv[name];
}
