import { chmod, mkdir } from "node:fs/promises";
import { layerPaths, writeLayerMetadata } from "../cnb/layers.ts";

const LAYER_NAME = "trigger";

export function triggerDirOf(layersDir: string): string {
  return layerPaths(layersDir, LAYER_NAME).dir;
}

/**
 * The trigger dir: a launch layer dir, outside the app dir, that the run user can write (group-
 * writable, as the app dir is: on Paketo's jammy stacks the run user shares the build user's
 * group). A sync tool ends each sync by writing any file in it.
 */
export async function contributeTriggerDir(layersDir: string): Promise<string> {
  const layer = layerPaths(layersDir, LAYER_NAME);
  await mkdir(layer.dir, { recursive: true });
  await chmod(layer.dir, 0o775);
  await writeLayerMetadata(layer, { launch: true, build: false, cache: false }, { purpose: "live-reload trigger" });
  return layer.dir;
}
