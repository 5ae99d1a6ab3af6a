import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { mergeProcesses, readEarlierProcesses, writeLaunchToml } from "../cnb/launch.ts";
import type { Process } from "../cnb/types.ts";
import type { Logger } from "../output.ts";
import { PROCESSES, type ReloadConfig } from "./config.ts";
import { makeGroupWritable } from "./permissions.ts";
import { parseProcfile, procfileProcesses } from "./procfile.ts";
import { rewriteProcesses } from "./processes.ts";
import { contributeTriggerDir, triggerDirOf } from "./trigger.ts";
import type { JavaApp } from "../java/app.ts";
import { describeJavaApp, javaProcesses } from "../java/processes.ts";
import type { JvmReloadPlan } from "../java/reload.ts";
import { contributeJvmOptions, JVM_OPTIONS } from "../java/jvm-options.ts";
import { contributeExecHelper, EXEC_HELPER, findNativeAppBinaries } from "./native.ts";

export interface ProcessInput {
  appDir: string;
  buildpackDir: string;
  layersDir: string;
  buildpackId: string;
  config: ReloadConfig;
  /** A JVM app in the app dir, if any: its processes when nobody declared any, and JVM options. */
  javaApp?: JavaApp | undefined;
  /** How the JVM app reloads (JVM options, DevTools), when there is one. */
  jvmPlan?: JvmReloadPlan | undefined;
  logger: Logger;
}

type Found = { origin: "buildpacks" | "procfile" | "java"; processes: Process[] } | { origin: "none" };

/** A line for the build log, kept while planning and printed when the plan is applied. */
type Note = { kind: "detail" | "subDetail" | "warn"; text: string };

async function findProcesses(input: ProcessInput, notes: Note[]): Promise<Found> {
  const earlier = await readEarlierProcesses(input.layersDir, input.buildpackId);
  if (earlier.found && earlier.processes.length > 0) {
    notes.push({ kind: "detail", text: `Processes declared by ${earlier.buildpacks.join(", ")}` });
    return { origin: "buildpacks", processes: earlier.processes };
  }
  notes.push({ kind: "detail", text: earlier.found ? "No earlier buildpack declared processes" : earlier.reason });

  const procfile = join(input.appDir, "Procfile");
  const text = await readFile(procfile, "utf8").catch(() => undefined);
  if (text !== undefined) {
    notes.push({ kind: "detail", text: "Processes from Procfile" });
    return { origin: "procfile", processes: procfileProcesses(parseProcfile(text)) };
  }
  if (input.javaApp !== undefined) {
    const { processes, warnings } = javaProcesses(input.javaApp, input.appDir);
    for (const warning of warnings) notes.push({ kind: "warn", text: warning });
    if (processes.length > 0) {
      notes.push({ kind: "detail", text: `Processes for the JVM app (${describeJavaApp(input.javaApp)})` });
      return { origin: "java", processes };
    }
  }
  return { origin: "none" };
}

export function formatCommand(command: readonly string[]): string {
  return command.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`)).join(" ");
}

/** What the build will declare, worked out before anything is written. */
export interface ProcessPlan {
  found: Found;
  declared: Process[];
  reloadable: string[];
  /** Chosen types whose program is a native binary of the app dir (run through the helper). */
  native: string[];
  triggerDir: string | undefined;
  notes: Note[];
}

/**
 * Reads and checks everything the processes depend on (earlier buildpacks' processes, the
 * Procfile, BP_LIVE_RELOAD_PROCESSES) and works out the rewrite. Writes nothing, so the build can
 * do it before installing watchexec and a bad Procfile or process name fails at once.
 */
export async function planReloadableProcesses(input: ProcessInput): Promise<ProcessPlan> {
  const { config } = input;
  const notes: Note[] = [];
  const found = await findProcesses(input, notes);
  const triggerDir = config.trigger ? triggerDirOf(input.layersDir) : undefined;
  if (found.origin === "none") {
    if (config.processes.kind === "named") rewriteProcesses([], config, input.appDir, false); // names the unknown types
    notes.push({
      kind: "warn",
      text:
        `nothing was made reloadable: no buildpack before reloadable/watchexec declared a process, and the app has no Procfile. ` +
        `Put reloadable/watchexec LAST in the buildpack order (after the language buildpack), add a Procfile, ` +
        `or name the processes with ${PROCESSES}.`,
    });
    return { found, declared: [], reloadable: [], native: [], triggerDir: undefined, notes };
  }
  // Runners apply to the chosen processes only; rewriteProcesses does the choosing.
  const nativeBinaries = await findNativeAppBinaries(found.processes, input.appDir);
  const runners = new Map([...nativeBinaries].map((t) => [t, EXEC_HELPER] as const));
  // With DevTools waiting for the trigger, watchexec must not restart the JVM on it as well.
  const watchexecTrigger = input.jvmPlan?.watchexecOnTrigger === false ? undefined : triggerDir;
  const { declared, reloadable } = rewriteProcesses(found.processes, config, input.appDir, found.origin !== "buildpacks", runners, watchexecTrigger);
  const native = reloadable.filter((t) => nativeBinaries.has(t));
  if (reloadable.length === 0) {
    notes.push({ kind: "warn", text: `no process matched (${PROCESSES} default: web and the default process); known types: ${found.processes.map((p) => p.type).join(", ")}` });
  }
  return { found, declared, reloadable, native, triggerDir, notes };
}

/** Writes the plan: launch.toml, the helper, trigger and JVM-options layers; prints the result. */
export async function contributeReloadableProcesses(plan: ProcessPlan, input: ProcessInput): Promise<Process[]> {
  const { logger } = input;
  logger.header("Reloadable processes");
  for (const note of plan.notes) logger[note.kind](note.text);
  if (plan.found.origin === "none") return [];

  if (plan.native.length > 0) {
    await contributeExecHelper(input.layersDir, input.buildpackDir);
    logger.detail(`Native binaries run from a memory copy through ${EXEC_HELPER}, so syncs can overwrite them: ${plan.native.join(", ")}`);
  }
  if (plan.triggerDir !== undefined) {
    await contributeTriggerDir(input.layersDir);
    logger.detail(`Trigger mode: reloads when a sync ends by writing a file in ${plan.triggerDir}`);
    logger.subDetail(`e.g. Tilt: run('date > ${plan.triggerDir}/sync') after the sync() steps`);
  }
  for (const line of input.jvmPlan?.summary ?? []) logger.detail(line);
  await writeLaunchToml(input.layersDir, plan.declared);
  const javaToolOptions = input.jvmPlan?.javaToolOptions ?? "";
  if (javaToolOptions !== "" && plan.reloadable.length > 0) {
    await contributeJvmOptions(input.layersDir, plan.reloadable, javaToolOptions);
    logger.detail(`JVM options for ${plan.reloadable.join(", ")}: JAVA_TOOL_OPTIONS += ${javaToolOptions} (${JVM_OPTIONS} to change the speed options, empty for none)`);
  }

  const changed = await makeGroupWritable(input.appDir);
  logger.detail(`Made the app dir group-writable for sync tools (${changed} entries changed)`);

  const final = mergeProcesses([plan.found.origin === "buildpacks" ? plan.found.processes : [], plan.declared]);
  logger.blank();
  logger.header("Assigning launch processes:");
  for (const p of final) {
    logger.detail(`${p.type}${p.default ? " (default)" : ""}: ${formatCommand([...p.command, ...p.args])}`);
  }
  return plan.declared;
}
