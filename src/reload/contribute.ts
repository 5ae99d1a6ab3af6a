import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { mergeProcesses, readEarlierProcesses, writeLaunchToml } from "../cnb/launch.ts";
import type { Process } from "../cnb/types.ts";
import type { Logger } from "../output.ts";
import { PROCESSES, type ReloadConfig } from "./config.ts";
import { makeGroupWritable } from "./permissions.ts";
import { parseProcfile, procfileProcesses } from "./procfile.ts";
import { rewriteProcesses, selectProcesses } from "./processes.ts";
import { contributeTriggerDir } from "./trigger.ts";
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

async function findProcesses(input: ProcessInput): Promise<Found> {
  const { logger } = input;
  const earlier = await readEarlierProcesses(input.layersDir, input.buildpackId);
  if (earlier.found && earlier.processes.length > 0) {
    logger.detail(`Processes declared by ${earlier.buildpacks.join(", ")}`);
    return { origin: "buildpacks", processes: earlier.processes };
  }
  logger.detail(earlier.found ? "No earlier buildpack declared processes" : `${earlier.reason}`);

  const procfile = join(input.appDir, "Procfile");
  const text = await readFile(procfile, "utf8").catch(() => undefined);
  if (text !== undefined) {
    logger.detail("Processes from Procfile");
    return { origin: "procfile", processes: procfileProcesses(parseProcfile(text)) };
  }
  if (input.javaApp !== undefined) {
    const { processes, warnings } = javaProcesses(input.javaApp, input.appDir);
    for (const warning of warnings) logger.warn(warning);
    if (processes.length > 0) {
      logger.detail(`Processes for the JVM app (${describeJavaApp(input.javaApp)})`);
      return { origin: "java", processes };
    }
  }
  return { origin: "none" };
}

export function formatCommand(command: readonly string[]): string {
  return command.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`)).join(" ");
}

/** Rewrites the chosen processes around watchexec and writes this buildpack's launch.toml. */
export async function contributeReloadableProcesses(input: ProcessInput): Promise<Process[]> {
  const { logger, config } = input;
  logger.header("Reloadable processes");
  const found = await findProcesses(input);
  if (found.origin === "none") {
    if (config.processes.kind === "named") rewriteProcesses([], config, input.appDir, false); // names the unknown types
    logger.warn(
      `nothing was made reloadable: no buildpack before reloadable/watchexec declared a process, and the app has no Procfile. ` +
        `Put reloadable/watchexec LAST in the buildpack order (after the language buildpack), add a Procfile, ` +
        `or name the processes with ${PROCESSES}.`,
    );
    return [];
  }
  const native = await findNativeAppBinaries(found.processes, input.appDir);
  const chosenNative = selectProcesses(found.processes, config.processes).filter((t) => native.has(t));
  const runners = new Map(chosenNative.map((t) => [t, EXEC_HELPER] as const));
  if (chosenNative.length > 0) {
    await contributeExecHelper(input.layersDir, input.buildpackDir);
    logger.detail(`Native binaries run from a memory copy through ${EXEC_HELPER}, so syncs can overwrite them: ${chosenNative.join(", ")}`);
  }
  const triggerDir = config.trigger ? await contributeTriggerDir(input.layersDir) : undefined;
  if (triggerDir !== undefined) {
    logger.detail(`Trigger mode: reloads when a sync ends by writing a file in ${triggerDir}`);
    logger.subDetail(`e.g. Tilt: run('date > ${triggerDir}/sync') after the sync() steps`);
  }
  const watchexecTrigger = input.jvmPlan?.watchexecOnTrigger === false ? undefined : triggerDir;
  for (const line of input.jvmPlan?.summary ?? []) logger.detail(line);
  const { declared, reloadable } = rewriteProcesses(found.processes, config, input.appDir, found.origin !== "buildpacks", runners, watchexecTrigger);
  if (reloadable.length === 0) {
    logger.warn(`no process matched (${PROCESSES} default: web and the default process); known types: ${found.processes.map((p) => p.type).join(", ")}`);
  }
  await writeLaunchToml(input.layersDir, declared);
  const javaToolOptions = input.jvmPlan?.javaToolOptions ?? "";
  if (javaToolOptions !== "" && reloadable.length > 0) {
    await contributeJvmOptions(input.layersDir, reloadable, javaToolOptions);
    logger.detail(`JVM options for ${reloadable.join(", ")}: JAVA_TOOL_OPTIONS += ${javaToolOptions} (${JVM_OPTIONS} to change the speed options, empty for none)`);
  }

  const changed = await makeGroupWritable(input.appDir);
  logger.detail(`Made the app dir group-writable for sync tools (${changed} entries changed)`);

  const final = mergeProcesses([found.origin === "buildpacks" ? found.processes : [], declared]);
  logger.blank();
  logger.header("Assigning launch processes:");
  for (const p of final) {
    logger.detail(`${p.type}${p.default ? " (default)" : ""}: ${formatCommand([...p.command, ...p.args])}`);
  }
  return declared;
}
