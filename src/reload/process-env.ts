import { chmod, copyFile, mkdir, readdir, rm, stat } from "node:fs/promises";
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

async function files(dir: string): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isFile()).map((e) => e.name).sort();
}

/** `JAVA_TOOL_OPTIONS.append` -> `JAVA_TOOL_OPTIONS`: the files of one variable travel together. */
function variableOf(file: string): string {
  return file.replace(/\.(override|append|prepend|default|delim)$/, "");
}

/** What one launch layer of an earlier buildpack has for process type `type`. */
interface Source {
  target: string;
  /** `env.launch/<type>` or `exec.d/<type>`. */
  kind: "env.launch" | "exec.d";
  dir: string;
  files: string[];
}

/**
 * `T-no-reload` must run with what the earlier buildpacks gave `T` alone: the env files of
 * `env.launch/T/` and the executables of `exec.d/T/` of their launch layers (the launcher applies
 * both by process type). They are copied, in group and layer order, into this buildpack's launch
 * layers under `T-no-reload`; a variable (with its `.delim`) or an exec.d file met a second time
 * goes to the next layer, so the launcher applies them in the same order (an `.append` after an
 * `.override`, say). They apply after every earlier buildpack's general env instead of between
 * them, which differs only where two buildpacks set the same variable. Returns the types served.
 */
export async function contributeNoReloadEnv(layersDir: string, group: readonly EarlierBuildpack[], originals: Readonly<Record<string, string>>): Promise<string[]> {
  for (const name of await readdir(layersDir).catch(() => [] as string[])) {
    if (name.startsWith(LAYER_PREFIX)) await rm(join(layersDir, name), { recursive: true, force: true });
  }
  const sources: Source[] = [];
  for (const [type, original] of Object.entries(originals)) {
    if (original !== `${type}${NO_RELOAD_SUFFIX}`) continue;
    for (const buildpack of group) {
      const layerNames = (await readdir(buildpack.layersDir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => e.name).sort();
      for (const layer of layerNames) {
        for (const kind of ["env.launch", "exec.d"] as const) {
          const dir = join(buildpack.layersDir, layer, kind, type);
          const found = await files(dir);
          if (found.length > 0 && (await isLaunchLayer(buildpack.layersDir, layer))) sources.push({ target: original, kind, dir, files: found });
        }
      }
    }
  }
  const generations = new Map<string, number>();
  const written = new Set<string>();
  for (const source of sources) {
    // Each variable (or exec.d file) of one source dir lands in one layer, one generation
    // later than where the same variable landed before.
    const keys = [...new Set(source.files.map((f) => `${source.kind}/${source.target}/${source.kind === "env.launch" ? variableOf(f) : f}`))];
    const layerOf = new Map(keys.map((key) => [key, (generations.get(key) ?? 0) + 1]));
    for (const [key, generation] of layerOf) generations.set(key, generation);
    for (const file of source.files) {
      const key = `${source.kind}/${source.target}/${source.kind === "env.launch" ? variableOf(file) : file}`;
      const layer = layerPaths(layersDir, `${LAYER_PREFIX}${String(layerOf.get(key)).padStart(2, "0")}`);
      const dir = join(layer.dir, source.kind, source.target);
      await mkdir(dir, { recursive: true });
      await copyFile(join(source.dir, file), join(dir, file));
      if (source.kind === "exec.d") await chmod(join(dir, file), (await stat(join(source.dir, file))).mode & 0o777);
      if (!written.has(layer.name)) {
        written.add(layer.name);
        await writeLayerMetadata(layer, { launch: true, build: false, cache: false }, { purpose: "process-specific env and exec.d of the -no-reload types" });
      }
    }
  }
  return [...new Set(sources.map((s) => s.target))];
}
