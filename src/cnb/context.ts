import { dirname, join } from "node:path";
import { writeToml } from "./toml.ts";
import type { BuildPlan } from "./types.ts";

/**
 * Paths the lifecycle hands a phase. Env variables are the current contract; the positional
 * arguments are the older one (deprecated since Buildpack API 0.8), kept as a fallback.
 */
export interface DetectContext {
  appDir: string;
  buildpackDir: string;
  platformDir: string;
  planPath: string;
}

export interface BuildContext {
  appDir: string;
  buildpackDir: string;
  platformDir: string;
  planPath: string;
  /** This buildpack's own layers dir, `<layers>/<escaped id>`. */
  layersDir: string;
  targetArch: string | undefined;
}

/** bin/detect and bin/build link to bin/main, so the buildpack dir is two levels up. */
function defaultBuildpackDir(execPath: string): string {
  return dirname(dirname(execPath));
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === "") throw new Error(`the lifecycle did not pass ${what}`);
  return value;
}

export function detectContext(args: readonly string[], env: NodeJS.ProcessEnv, cwd: string, execPath: string): DetectContext {
  return {
    appDir: cwd,
    buildpackDir: env.CNB_BUILDPACK_DIR || defaultBuildpackDir(execPath),
    platformDir: required(env.CNB_PLATFORM_DIR || args[0], "CNB_PLATFORM_DIR"),
    planPath: required(env.CNB_BUILD_PLAN_PATH || args[1], "CNB_BUILD_PLAN_PATH"),
  };
}

export function buildContext(args: readonly string[], env: NodeJS.ProcessEnv, cwd: string, execPath: string): BuildContext {
  return {
    appDir: cwd,
    buildpackDir: env.CNB_BUILDPACK_DIR || defaultBuildpackDir(execPath),
    layersDir: required(env.CNB_LAYERS_DIR || args[0], "CNB_LAYERS_DIR"),
    platformDir: required(env.CNB_PLATFORM_DIR || args[1], "CNB_PLATFORM_DIR"),
    planPath: required(env.CNB_BP_PLAN_PATH || args[2], "CNB_BP_PLAN_PATH"),
    targetArch: env.CNB_TARGET_ARCH || undefined,
  };
}

export async function writeBuildPlan(path: string, plan: BuildPlan): Promise<void> {
  const table: Record<string, unknown> = { provides: plan.provides, requires: plan.requires };
  if (plan.or !== undefined) table.or = plan.or.map((alt) => ({ provides: alt.provides, requires: alt.requires }));
  await writeToml(path, table);
}

export function launchTomlPath(layersDir: string): string {
  return join(layersDir, "launch.toml");
}
