import { open } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import type { ProcessSpec } from "../cnb/types.ts";
import { unwrapLaunch } from "./launch-form.ts";

async function isElf(path: string): Promise<boolean> {
  const file = await open(path, "r").catch(() => undefined);
  if (file === undefined) return false;
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && buffer.toString("latin1") === "\x7fELF";
  } finally {
    await file.close();
  }
}

/**
 * The process types whose program is a native (ELF) binary inside the app dir: a sync tool may
 * overwrite that file while it runs, so it is run through reloadable-exec. Programs found on
 * PATH are system binaries and are left alone, and so are shell processes.
 */
export async function findNativeAppBinaries(processes: readonly ProcessSpec[], appDir: string): Promise<Set<string>> {
  const native = new Set<string>();
  for (const process of processes) {
    const unwrapped = unwrapLaunch(process.launch);
    if ("problem" in unwrapped || unwrapped.launch.kind !== "exec") continue;
    const program = unwrapped.launch.argv[0];
    if (program === undefined || !program.includes("/")) continue;
    const path = resolve(process.workingDir ?? appDir, program);
    const inside = relative(appDir, path);
    if (inside === ".." || inside.startsWith("../") || isAbsolute(inside)) continue;
    if (await isElf(path)) native.add(process.type);
  }
  return native;
}
