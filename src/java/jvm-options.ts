import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { layerPaths, writeLayerMetadata } from "../cnb/layers.ts";

export const JVM_OPTIONS = "BP_LIVE_RELOAD_JVM_OPTIONS";

/**
 * Options that make a JVM START faster and change nothing the app can observe (see the README's
 * JVM table): C1 only, so less JIT work while the app is young; peak speed is lower, which a dev
 * loop does not notice. Spring Boot's own `spring-boot:run` uses the same default.
 */
export const DEFAULT_JVM_OPTIONS = "-XX:TieredStopAtLevel=1";

/** Unset: the defaults. Set: the user's options replace them. Set but empty: none. */
export function jvmOptionsFrom(raw: string | undefined): string {
  return raw === undefined ? DEFAULT_JVM_OPTIONS : raw.trim();
}

const LAYER_NAME = "jvm-options";

/**
 * Appends the options to JAVA_TOOL_OPTIONS of the reloadable process types only, at launch:
 * `env.launch/<type>/JAVA_TOOL_OPTIONS.append`, so `T-no-reload` runs as before and options set
 * by other buildpacks or the user are kept.
 */
export async function contributeJvmOptions(layersDir: string, types: readonly string[], options: string): Promise<void> {
  const layer = layerPaths(layersDir, LAYER_NAME);
  await rm(layer.dir, { recursive: true, force: true });
  for (const type of types) {
    const dir = join(layer.dir, "env.launch", type);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "JAVA_TOOL_OPTIONS.append"), options);
    await writeFile(join(dir, "JAVA_TOOL_OPTIONS.delim"), " ");
  }
  await writeLayerMetadata(layer, { launch: true, build: false, cache: false }, { "java-tool-options": options, processes: [...types] });
}
