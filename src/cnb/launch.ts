import { dirname, join } from "node:path";
import { escapeId } from "./ids.ts";
import { readTomlIfExists, writeToml, type TomlTable } from "./toml.ts";
import type { Process } from "./types.ts";

function toProcess(table: TomlTable): Process | undefined {
  if (typeof table.type !== "string") return undefined;
  let args = Array.isArray(table.args) ? table.args.map(String) : [];
  let command: string[] = [];
  if (Array.isArray(table.command)) command = table.command.map(String);
  else if (typeof table.command === "string") {
    // Buildpack API < 0.9: a string command, run through bash unless `direct = true`.
    if (table.direct === true) command = [table.command];
    else {
      command = ["bash", "-c", [table.command, ...args].join(" ")];
      args = [];
    }
  }
  return {
    type: table.type,
    command,
    args,
    default: table.default === true,
    ...(typeof table["working-dir"] === "string" ? { "working-dir": table["working-dir"] } : {}),
  };
}

/**
 * Merges processes in group order the way the lifecycle does: a later definition of a type
 * replaces the earlier one; the last process marked default is the default, and a later
 * non-default redefinition of the default type leaves no default.
 */
export function mergeProcesses(perBuildpack: readonly Process[][]): Process[] {
  const byType = new Map<string, Process>();
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

export type EarlierProcesses =
  | { found: true; processes: Process[]; buildpacks: string[] }
  | { found: false; reason: string };

/**
 * The processes that the buildpacks before this one declared in this build. The spec grants no
 * access to them: this relies on the reference lifecycle keeping `<layers>/group.toml` and each
 * earlier buildpack's `<layers>/<id>/launch.toml` on disk during the build.
 */
export async function readEarlierProcesses(ownLayersDir: string, ownId: string): Promise<EarlierProcesses> {
  const layersRoot = dirname(ownLayersDir);
  const groupPath = join(layersRoot, "group.toml");
  const group = await readTomlIfExists(groupPath).catch(() => undefined);
  if (group === undefined || !Array.isArray(group.group)) {
    return { found: false, reason: `${groupPath} is not readable, so the processes of earlier buildpacks are unknown` };
  }
  const ids = (group.group as TomlTable[]).map((g) => String(g.id));
  const own = ids.indexOf(ownId);
  const earlier = own < 0 ? ids : ids.slice(0, own);
  const perBuildpack: Process[][] = [];
  const declaring: string[] = [];
  for (const id of earlier) {
    const launch = await readTomlIfExists(join(layersRoot, escapeId(id), "launch.toml")).catch(() => undefined);
    const processes = Array.isArray(launch?.processes) ? (launch.processes as TomlTable[]).map(toProcess).filter((p) => p !== undefined) : [];
    if (processes.length > 0) declaring.push(id);
    perBuildpack.push(processes);
  }
  return { found: true, processes: mergeProcesses(perBuildpack), buildpacks: declaring };
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
