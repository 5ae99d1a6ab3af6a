import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { EarlierBuildpack } from "../cnb/launch.ts";
import { layerPaths, writeLayerMetadata } from "../cnb/layers.ts";
import { readTomlIfExists, type TomlTable } from "../cnb/toml.ts";
import { NO_RELOAD_SUFFIX } from "./processes.ts";

const LAYER_PREFIX = "no-reload-env-";

async function isLaunchLayer(buildpackLayers: string, name: string): Promise<boolean> {
  const toml = await readTomlIfExists(join(buildpackLayers, `${name}.toml`)).catch(() => undefined);
  const types = (toml?.types ?? toml) as TomlTable | undefined;
  return types?.launch === true;
}

async function entries(dir: string): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isFile()).map((e) => e.name).sort();
}

/**
 * `T-no-reload` must run with the env the earlier buildpacks set for `T` alone
 * (`env.launch/T/` of their launch layers): the launcher applies that dir by process type. The
 * files are copied, in group and layer order, into this buildpack's launch layers as
 * `env.launch/T-no-reload/`; a file name met a second time goes to the next layer, so that the
 * launcher applies the two in the same order (an `.append` after an `.override`, say).
 * They are applied after every earlier buildpack's general env instead of between them, which
 * differs only where two buildpacks set the same variable. Returns the types that got env.
 */
export async function contributeNoReloadEnv(layersDir: string, group: readonly EarlierBuildpack[], originals: Readonly<Record<string, string>>): Promise<string[]> {
  for (const name of await readdir(layersDir).catch(() => [] as string[])) {
    if (name.startsWith(LAYER_PREFIX)) await rm(join(layersDir, name), { recursive: true, force: true });
  }
  const copies: { target: string; source: string; file: string }[] = [];
  for (const [type, original] of Object.entries(originals)) {
    if (original !== `${type}${NO_RELOAD_SUFFIX}`) continue;
    for (const buildpack of group) {
      const layerNames = (await readdir(buildpack.layersDir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => e.name).sort();
      for (const layer of layerNames) {
        const dir = join(buildpack.layersDir, layer, "env.launch", type);
        const files = await entries(dir);
        if (files.length === 0 || !(await isLaunchLayer(buildpack.layersDir, layer))) continue;
        for (const file of files) copies.push({ target: original, source: join(dir, file), file });
      }
    }
  }
  const seen = new Map<string, number>();
  const layers = new Set<string>();
  for (const copy of copies) {
    const key = `${copy.target}/${copy.file}`;
    const generation = (seen.get(key) ?? 0) + 1;
    seen.set(key, generation);
    const layer = layerPaths(layersDir, `${LAYER_PREFIX}${String(generation).padStart(2, "0")}`);
    const dir = join(layer.dir, "env.launch", copy.target);
    await mkdir(dir, { recursive: true });
    await copyFile(copy.source, join(dir, copy.file));
    if (!layers.has(layer.name)) {
      layers.add(layer.name);
      await writeLayerMetadata(layer, { launch: true, build: false, cache: false }, { purpose: "process-specific env of the -no-reload types" });
    }
  }
  return [...new Set(copies.map((c) => c.target))];
}
