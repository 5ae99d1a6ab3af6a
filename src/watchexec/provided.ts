import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import semver from "semver";
import type { EarlierBuildpack } from "../cnb/launch.ts";
import { readTomlIfExists, type TomlTable } from "../cnb/toml.ts";
import { isExecutableFile } from "../dependency/extract.ts";

/** The watchexec releases whose flags the reloadable processes use. */
export const SUPPORTED_WATCHEXEC = ">=2.4.1 <3.0.0";

/** A watchexec that an earlier buildpack of the group installed in a launch layer. */
export interface ProvidedWatchexec {
  buildpackId: string;
  binary: string;
  /** From `watchexec --version`; undefined when it did not run or said nothing we understand. */
  version: string | undefined;
}

async function isLaunchLayer(buildpackLayers: string, name: string): Promise<boolean> {
  const toml = await readTomlIfExists(join(buildpackLayers, `${name}.toml`)).catch(() => undefined);
  const types = (toml?.types ?? toml) as TomlTable | undefined;
  return types?.launch === true;
}

async function versionOf(binary: string): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)(binary, ["--version"], { timeout: 5_000 });
    return semver.valid(/watchexec\S*\s+v?(\d+\.\d+\.\d+)/.exec(stdout)?.[1] ?? "") ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * The watchexec that will be first on PATH at launch among the earlier buildpacks' launch layers
 * (Paketo's watchexec buildpack puts one in `watchexec/bin`): the launcher prepends each layer's
 * bin/ in group order, so the last buildpack's wins.
 */
export async function findProvidedWatchexec(group: readonly EarlierBuildpack[]): Promise<ProvidedWatchexec | undefined> {
  for (const buildpack of [...group].reverse()) {
    const layers = (await readdir(buildpack.layersDir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => e.name).sort().reverse();
    for (const layer of layers) {
      const binary = join(buildpack.layersDir, layer, "bin", "watchexec");
      if (!(await isExecutableFile(binary)) || !(await isLaunchLayer(buildpack.layersDir, layer))) continue;
      return { buildpackId: buildpack.id, binary, version: await versionOf(binary) };
    }
  }
  return undefined;
}

export type WatchexecChoice = { use: "provided"; provided: ProvidedWatchexec & { version: string } } | { use: "own"; reason: string | undefined };

/**
 * One watchexec in the image: an earlier buildpack's when it is one whose flags the processes use
 * and it meets BP_WATCHEXEC_VERSION (when the user set one); else this buildpack's own.
 */
export function chooseWatchexec(provided: ProvidedWatchexec | undefined, userConstraint: string | undefined): WatchexecChoice {
  if (provided === undefined) return { use: "own", reason: undefined };
  const from = `${provided.buildpackId} installed`;
  if (provided.version === undefined) return { use: "own", reason: `${from} a watchexec whose version could not be read (${provided.binary} --version)` };
  if (!semver.satisfies(provided.version, SUPPORTED_WATCHEXEC)) {
    return { use: "own", reason: `${from} watchexec ${provided.version}; the reloadable processes need ${SUPPORTED_WATCHEXEC}` };
  }
  const constraint = userConstraint?.trim();
  if (constraint !== undefined && constraint !== "" && !semver.satisfies(provided.version, constraint)) {
    return { use: "own", reason: `${from} watchexec ${provided.version}, which does not meet BP_WATCHEXEC_VERSION=${constraint}` };
  }
  return { use: "provided", provided: { ...provided, version: provided.version } };
}
