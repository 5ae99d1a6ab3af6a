import { copyFile, mkdir, open, rename, rm } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import { layerPaths, writeLayerMetadata } from "../cnb/layers.ts";
import type { Process } from "../cnb/types.ts";
import { unwrapWatchexec } from "./processes.ts";

export const EXEC_HELPER = "reloadable-exec";
const LAYER_NAME = "exec-helper";

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
 * PATH are system binaries and are left alone.
 */
export async function findNativeAppBinaries(processes: readonly Process[], appDir: string): Promise<Set<string>> {
  const native = new Set<string>();
  for (const process of processes) {
    const program = unwrapWatchexec(process.command)[0];
    if (program === undefined || !program.includes("/")) continue;
    const path = resolve(process["working-dir"] ?? appDir, program);
    const inside = relative(appDir, path);
    if (inside.startsWith("..") || isAbsolute(inside)) continue;
    if (await isElf(path)) native.add(process.type);
  }
  return native;
}

/** A launch layer holding the helper, so it is on PATH when the app runs. */
export async function contributeExecHelper(layersDir: string, buildpackDir: string): Promise<string> {
  const layer = layerPaths(layersDir, LAYER_NAME);
  const bin = join(layer.dir, "bin");
  await mkdir(bin, { recursive: true });
  const temp = join(bin, `.${EXEC_HELPER}.tmp`);
  try {
    await copyFile(join(buildpackDir, "bin", EXEC_HELPER), temp);
    await rename(temp, join(bin, EXEC_HELPER));
  } finally {
    await rm(temp, { force: true });
  }
  await writeLayerMetadata(layer, { launch: true, build: false, cache: false }, { helper: EXEC_HELPER });
  return join(bin, EXEC_HELPER);
}
