import { chmod, copyFile, mkdir, rename, rm, symlink } from "node:fs/promises";
import { join } from "node:path";
import { layerPaths, writeLayerMetadata } from "../cnb/layers.ts";
import { writeFileAtomic } from "../cnb/toml.ts";
import { EXEC_HELPER, INIT, PROFILE_SHELL, SETTLE, TAR, TOOL, TRIGGER_WRITER } from "./own-programs.ts";

const LAYER_NAME = "helpers";
/** The one static binary of src/native/, shipped in the buildpack's bin/. */
export const HELPER_BINARY = "reloadable-helper";

/**
 * A launch layer whose bin/ (on PATH at launch) holds what the reloadable processes run besides
 * watchexec: reloadable-init, -settle, -exec, -tar, -trigger and -tool (links to the one static helper binary), and,
 * when a process needs it, the profile shell. Rewritten at every build: it is small, and the
 * profile shell names this build's buildpacks.
 */
export async function contributeHelpers(
  layersDir: string,
  buildpackDir: string,
  profileShell: string | undefined,
  launchEnv: { appDir: string; triggerDir?: string | undefined },
): Promise<string[]> {
  const layer = layerPaths(layersDir, LAYER_NAME);
  const bin = join(layer.dir, "bin");
  await rm(layer.dir, { recursive: true, force: true });
  await mkdir(bin, { recursive: true });
  const temp = join(bin, `.${HELPER_BINARY}.tmp`);
  try {
    await copyFile(join(buildpackDir, "bin", HELPER_BINARY), temp);
    await rename(temp, join(bin, HELPER_BINARY));
  } finally {
    await rm(temp, { force: true });
  }
  const programs = [INIT, EXEC_HELPER, SETTLE, TAR, TRIGGER_WRITER, TOOL];
  for (const name of programs) await symlink(HELPER_BINARY, join(bin, name));
  if (profileShell !== undefined) {
    await writeFileAtomic(join(bin, PROFILE_SHELL), profileShell);
    await chmod(join(bin, PROFILE_SHELL), 0o755);
    programs.push(PROFILE_SHELL);
  }
  // Where the helpers find the app dir and the trigger dir at launch: the launcher does not pass
  // CNB_APP_DIR on to the process, and `sh -c reloadable-trigger` gives no argument.
  const env = join(layer.dir, "env.launch");
  await mkdir(env, { recursive: true });
  await writeFileAtomic(join(env, "RELOADABLE_APP_DIR.default"), launchEnv.appDir);
  if (launchEnv.triggerDir !== undefined) await writeFileAtomic(join(env, "RELOADABLE_TRIGGER_DIR.default"), launchEnv.triggerDir);
  await writeLayerMetadata(layer, { launch: true, build: false, cache: false }, { helpers: programs });
  return programs;
}
