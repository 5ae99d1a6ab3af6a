import { dirname, join } from "node:path";
import { escapeId } from "./ids.ts";
import { readTomlIfExists, writeToml, type TomlTable } from "./toml.ts";
import type { Launch, Process, ProcessSpec } from "./types.ts";

/** Buildpack API < 0.9: string commands, `direct`, and user arguments appended to `args`. */
function isLegacyApi(api: string): boolean {
  const [major, minor] = api.split(".").map(Number);
  return major === 0 && minor !== undefined && minor < 9;
}

/**
 * How the launcher of lifecycle 0.21 starts a launch.toml process of a buildpack of API `api`:
 * API >= 0.9 processes are always direct and their `command` is an array; API < 0.9 ones have a
 * string command, run through bash with profile scripts unless `direct = true`.
 */
export function launchOf(table: TomlTable, api: string): Launch {
  const command = Array.isArray(table.command) ? table.command.map(String) : typeof table.command === "string" ? [table.command] : [];
  const args = Array.isArray(table.args) ? table.args.map(String) : [];
  if (!isLegacyApi(api)) return { kind: "exec", argv: command, args };
  // The launcher joins a legacy command's entries with spaces for bash.
  if (table.direct !== true) return { kind: "shell", command: command.join(" "), args };
  return { kind: "exec", argv: [...command, ...args], args: [] };
}

function toSpec(table: TomlTable, api: string, buildpackId: string): ProcessSpec | undefined {
  if (typeof table.type !== "string") return undefined;
  return {
    type: table.type,
    launch: launchOf(table, api),
    default: table.default === true,
    ...(typeof table["working-dir"] === "string" ? { workingDir: table["working-dir"] } : {}),
    buildpackId,
  };
}

/**
 * Merges processes in group order the way the lifecycle does: a later definition of a type
 * replaces the earlier one; the last process marked default is the default, and a later
 * non-default redefinition of the default type leaves no default.
 */
export function mergeProcesses<P extends { type: string; default: boolean }>(perBuildpack: readonly P[][]): P[] {
  const byType = new Map<string, P>();
  let defaultType: string | undefined;
  for (const processes of perBuildpack) {
    for (const process of processes) {
      byType.set(process.type, process);
      if (process.default) defaultType = process.type;
      else if (defaultType === process.type) defaultType = undefined;
    }
  }
  return [...byType.values()].map((p) => ({ ...p, default: p.type === defaultType }));
}

/** An earlier buildpack of the group: its id, Buildpack API and layers dir. */
export interface EarlierBuildpack {
  id: string;
  api: string;
  layersDir: string;
}

export type EarlierProcesses =
  | { found: true; processes: ProcessSpec[]; buildpacks: string[]; group: EarlierBuildpack[] }
  | { found: false; reason: string };

/**
 * The buildpacks before this one in `<layers>/group.toml`, in order. The spec grants no access to
 * them: this relies on the reference lifecycle keeping `group.toml` on disk during the build.
 */
export async function readEarlierBuildpacks(ownLayersDir: string, ownId: string): Promise<EarlierBuildpack[] | { reason: string }> {
  const layersRoot = dirname(ownLayersDir);
  const groupPath = join(layersRoot, "group.toml");
  const group = await readTomlIfExists(groupPath).catch(() => undefined);
  if (group === undefined || !Array.isArray(group.group)) {
    return { reason: `${groupPath} is not readable, so the processes of earlier buildpacks are unknown` };
  }
  const entries = (group.group as TomlTable[]).map((g) => ({ id: String(g.id), api: typeof g.api === "string" ? g.api : "0.10" }));
  const own = entries.findIndex((e) => e.id === ownId);
  return (own < 0 ? entries : entries.slice(0, own)).map((e) => ({ ...e, layersDir: join(layersRoot, escapeId(e.id)) }));
}

/**
 * The processes that the buildpacks before this one declared in this build, merged as the
 * lifecycle merges them. Relies on the reference lifecycle keeping each earlier buildpack's
 * `<layers>/<id>/launch.toml` on disk during the build.
 */
export async function readEarlierProcesses(ownLayersDir: string, ownId: string): Promise<EarlierProcesses> {
  const group = await readEarlierBuildpacks(ownLayersDir, ownId);
  if (!Array.isArray(group)) return { found: false, reason: group.reason };
  const perBuildpack: ProcessSpec[][] = [];
  const declaring: string[] = [];
  for (const buildpack of group) {
    const launch = await readTomlIfExists(join(buildpack.layersDir, "launch.toml")).catch(() => undefined);
    const tables = Array.isArray(launch?.processes) ? (launch.processes as TomlTable[]) : [];
    const processes = tables.map((t) => toSpec(t, buildpack.api, buildpack.id)).filter((p) => p !== undefined);
    if (processes.length > 0) declaring.push(buildpack.id);
    perBuildpack.push(processes);
  }
  return { found: true, processes: mergeProcesses(perBuildpack), buildpacks: declaring, group };
}

export async function writeLaunchToml(layersDir: string, processes: readonly Process[]): Promise<void> {
  await writeToml(join(layersDir, "launch.toml"), {
    processes: processes.map((p) => ({
      type: p.type,
      command: p.command,
      args: p.args,
      default: p.default,
      ...(p["working-dir"] !== undefined ? { "working-dir": p["working-dir"] } : {}),
    })),
  });
}
