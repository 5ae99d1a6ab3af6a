import { dirname, join } from "node:path";
import { mergeProcesses, readEarlierProcesses, writeLaunchToml, type EarlierBuildpack } from "../cnb/launch.ts";
import type { Process, ProcessSpec } from "../cnb/types.ts";
import type { Logger } from "../output.ts";
import { PROCESSES, type ReloadConfig } from "./config.ts";
import { makeGroupWritable, type GroupWritablePlan } from "./permissions.ts";
import { parseProcfile, procfileProcesses, readProcfile } from "./procfile.ts";
import { rewriteProcesses } from "./processes.ts";
import { EXEC_HELPER, SYNC_TOOLS, TAR, TOOL, TRIGGER_WRITER } from "./own-programs.ts";
import { contributeTriggerDir, triggerDirOf } from "./trigger.ts";
import type { JavaApp } from "../java/app.ts";
import { describeJavaApp, javaProcesses } from "../java/processes.ts";
import type { JvmReloadPlan } from "../java/reload.ts";
import { contributeJvmOptions, JVM_OPTIONS } from "../java/jvm-options.ts";
import { agentConfigText, agentSettings, checkRunsJava, contributeHotswapLayer } from "../java/hotswap.ts";
import { findNativeAppBinaries } from "./native.ts";
import { contributeHelpers } from "./helpers.ts";
import { profileShellScript } from "./profile-shell.ts";
import { quoteWord } from "./launch-form.ts";
import { contributeNoReloadEnv } from "./process-env.ts";
import type { DevProcfile } from "./dev-procfile.ts";
import { RESTART_ON } from "./restart-on.ts";

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
  /** Where busybox will be at launch (BP_LIVE_RELOAD_SYNC_TOOLS), for the sync tools' processes. */
  busybox?: string | undefined;
  /** The app's dev commands (Procfile.dev), read and checked with the settings. */
  devProcfile?: DevProcfile | undefined;
  /** The group-writable plan the build checked before writing anything (else made here). */
  groupWritable?: GroupWritablePlan | undefined;
  logger: Logger;
}

type Found =
  | { origin: "buildpacks"; processes: ProcessSpec[]; group: EarlierBuildpack[] }
  | { origin: "procfile" | "java"; processes: ProcessSpec[]; group: EarlierBuildpack[] }
  | { origin: "none"; group: EarlierBuildpack[] };

/** A line for the build log, kept while planning and printed when the plan is applied. */
type Note = { kind: "detail" | "subDetail" | "warn"; text: string };

/** A process this buildpack found itself (a JVM app's `web`): run as declared. */
function specOf(process: Process): ProcessSpec {
  return {
    type: process.type,
    launch: { kind: "exec", argv: process.command, args: process.args },
    default: process.default,
    ...(process["working-dir"] !== undefined ? { workingDir: process["working-dir"] } : {}),
  };
}

async function findProcesses(input: ProcessInput, notes: Note[]): Promise<Found> {
  const earlier = await readEarlierProcesses(input.layersDir, input.buildpackId);
  const group = earlier.found ? earlier.group : [];
  if (earlier.found && earlier.processes.length > 0) {
    notes.push({ kind: "detail", text: `Processes declared by ${earlier.buildpacks.join(", ")}` });
    return { origin: "buildpacks", processes: earlier.processes, group };
  }
  notes.push({ kind: "detail", text: earlier.found ? "No earlier buildpack declared processes" : earlier.reason });

  const text = await readProcfile(join(input.appDir, "Procfile"));
  if (text !== undefined) {
    notes.push({ kind: "detail", text: "Processes from Procfile" });
    return { origin: "procfile", processes: procfileProcesses(parseProcfile(text)), group };
  }
  if (input.javaApp !== undefined) {
    const { processes, warnings } = javaProcesses(input.javaApp, input.appDir);
    for (const warning of warnings) notes.push({ kind: "warn", text: warning });
    if (processes.length > 0) {
      notes.push({ kind: "detail", text: `Processes for the JVM app (${describeJavaApp(input.javaApp)})` });
      return { origin: "java", processes: processes.map(specOf), group };
    }
  }
  return { origin: "none", group };
}

export function formatCommand(command: readonly string[]): string {
  return command.map(quoteWord).join(" ");
}

/** What the build will declare, worked out before anything is written. */
export interface ProcessPlan {
  found: Found;
  declared: Process[];
  reloadable: string[];
  /** For each reloadable type, the type that keeps its original command. */
  originals: Record<string, string>;
  /** Chosen types whose program is a native binary of the app dir (run through the helper). */
  native: string[];
  /** The profile shell, when a declared process runs through it. */
  profileShell: string | undefined;
  triggerDir: string | undefined;
  /** JVM hot swap: the agent's config file, when the reloadable processes get the agent. */
  hotswapConfig?: string | undefined;
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
    // Names the unknown types of BP_LIVE_RELOAD_PROCESSES or Procfile.dev.
    if (config.processes.kind === "named" || input.devProcfile !== undefined) rewriteProcesses([], { config, appDir: input.appDir }, false, new Map(), input.devProcfile);
    notes.push({
      kind: "warn",
      text:
        `nothing was made reloadable: no buildpack before reloadable/watchexec declared a process, and the app has no Procfile. ` +
        `Put reloadable/watchexec LAST in the buildpack order (after the language buildpack), add a Procfile, ` +
        `or name the processes with ${PROCESSES}.`,
    });
    return { found, declared: [], reloadable: [], originals: {}, native: [], profileShell: undefined, triggerDir: undefined, notes };
  }
  // Runners apply to the chosen processes only; rewriteProcesses does the choosing. A dev
  // command is what the reloadable process runs, so it is the one looked at.
  const devLaunches = new Map(input.devProcfile?.commands.map((c) => [c.type, c.launch] as const));
  const running = found.processes.map((p) => ({ ...p, launch: devLaunches.get(p.type) ?? p.launch }));
  const nativeBinaries = await findNativeAppBinaries(running, input.appDir);
  const runners = new Map([...nativeBinaries].map((t) => [t, EXEC_HELPER] as const));
  // With DevTools waiting for the trigger, watchexec must not restart the JVM on it as well.
  const watchexecTrigger = input.jvmPlan?.watchexecOnTrigger === false ? undefined : triggerDir;
  const hotswap = input.jvmPlan?.hotswap;
  const result = rewriteProcesses(
    found.processes,
    { config, appDir: input.appDir, triggerDir: watchexecTrigger, hotswapRestartDir: hotswap?.restartDir },
    found.origin !== "buildpacks",
    runners,
    input.devProcfile,
  );
  // The agent applies the syncs of a process that runs a JVM; one that runs none would never reload.
  if (hotswap !== undefined) checkRunsJava(found.processes, result.reloadable);
  const hotswapConfig =
    hotswap !== undefined && input.javaApp !== undefined && result.reloadable.length > 0
      ? agentConfigText(agentSettings(input.javaApp, input.appDir, config, hotswap, { devtools: input.jvmPlan?.devtools === true, triggerDir }))
      : undefined;
  for (const note of result.notes) notes.push({ kind: "detail", text: note });
  notes.push(...devCommandNotes(input.devProcfile, result.originals, config.trigger));
  notes.push(...restartOnNotes(result.restartOn));
  const native = result.reloadable.filter((t) => nativeBinaries.has(t));
  if (result.reloadable.length === 0) {
    notes.push({ kind: "warn", text: `no process matched (${PROCESSES} default: web and the default process); known types: ${found.processes.map((p) => p.type).join(", ")}` });
  }
  const utilities = utilityProcesses(result.declared, found.processes, result.reloadable.length > 0, triggerDir, input.busybox);
  const profileShell = result.usesProfileShell
    ? profileShellScript({ appDir: input.appDir, layersRoot: dirname(input.layersDir), buildpackIds: [...found.group.map((b) => b.id), input.buildpackId] })
    : undefined;
  return { found, declared: [...result.declared, ...utilities], reloadable: result.reloadable, originals: result.originals, native, profileShell, triggerDir, hotswapConfig, notes };
}

/** Which types run a dev command, and what keeps their original, for the build log. */
function devCommandNotes(dev: DevProcfile | undefined, originals: Readonly<Record<string, string>>, trigger: boolean): Note[] {
  if (dev === undefined) return [];
  return [
    { kind: "detail", text: `Dev commands from ${dev.name}: ${dev.commands.map((c) => c.type).join(", ")}` },
    ...dev.commands.map((c): Note => ({ kind: "subDetail", text: `${c.type} runs: ${c.command} (the original stays as ${originals[c.type]})` })),
    ...(trigger
      ? [{ kind: "subDetail", text: "Trigger mode: each trigger restarts the dev command; to leave sources to it, write the trigger only when a dependency manifest changes" } satisfies Note]
      : []),
  ];
}

/** Which types restart only on some paths, and on which. */
function restartOnNotes(restartOn: Readonly<Record<string, readonly string[]>>): Note[] {
  const byGlobs = new Map<string, string[]>();
  for (const [type, globs] of Object.entries(restartOn)) byGlobs.set(globs.join(", "), [...(byGlobs.get(globs.join(", ")) ?? []), type]);
  return [...byGlobs].map(([globs, types]) => ({
    kind: "detail",
    text: `Restart by path (${RESTART_ON}): ${types.join(", ")} restart${types.length === 1 ? "s" : ""} only on changes to ${globs}; other changes are left to the app`,
  }));
}

/**
 * Commands sync tools run by bare name through `docker exec` / `kubectl exec`, which look them up
 * on the image's PATH, where /cnb/process (one launcher link per process type) comes first:
 * `tar` (Tilt's live update, kubectl cp), whose run-as-the-run-user problems reloadable-tar
 * solves; with busybox, `sh`, `rm` and `date`, for run images without them; and in trigger mode
 * `reloadable-trigger`. A type the app already has is left alone.
 */
function utilityProcesses(declared: readonly Process[], found: readonly ProcessSpec[], reloadable: boolean, triggerDir: string | undefined, busybox: string | undefined): Process[] {
  if (!reloadable) return [];
  const taken = new Set([...declared.map((p) => p.type), ...found.map((p) => p.type)]);
  const utilities: Process[] = [{ type: "tar", command: busybox === undefined ? [TAR] : [TAR, `--busybox=${busybox}`], args: [], default: false }];
  if (busybox !== undefined) for (const tool of SYNC_TOOLS) utilities.push({ type: tool, command: [TOOL, busybox, tool], args: [], default: false });
  if (triggerDir !== undefined) utilities.push({ type: TRIGGER_WRITER, command: [TRIGGER_WRITER, triggerDir], args: [], default: false });
  return utilities.filter((p) => !taken.has(p.type));
}

/** Writes the plan: launch.toml, the helpers, trigger and JVM-options layers; prints the result. */
export async function contributeReloadableProcesses(plan: ProcessPlan, input: ProcessInput): Promise<Process[]> {
  const { logger } = input;
  logger.header("Reloadable processes");
  for (const note of plan.notes) logger[note.kind](note.text);
  if (plan.found.origin === "none") return [];

  if (plan.reloadable.length > 0 || plan.profileShell !== undefined) {
    await contributeHelpers(input.layersDir, input.buildpackDir, plan.profileShell, { appDir: input.appDir, triggerDir: plan.triggerDir });
    if (plan.native.length > 0) logger.detail(`Native binaries run from a memory copy through ${EXEC_HELPER}, so syncs can overwrite them: ${plan.native.join(", ")}`);
    if (plan.profileShell !== undefined) logger.detail("Processes declared with direct = false keep the app's .profile and the profile scripts (through reloadable-shell)");
  }
  if (plan.triggerDir !== undefined) {
    await contributeTriggerDir(input.layersDir);
    logger.detail(`Trigger mode: reloads when a sync ends by writing a file in ${plan.triggerDir}`);
    logger.subDetail(`e.g. Tilt: run('date > ${plan.triggerDir}/sync') after the sync() steps`);
  }
  for (const line of input.jvmPlan?.summary ?? []) logger.detail(line);
  await writeLaunchToml(input.layersDir, plan.declared);
  const javaToolOptions = input.jvmPlan?.javaToolOptions ?? "";
  if (input.jvmPlan?.hotswap !== undefined && plan.hotswapConfig !== undefined) {
    await contributeHotswapLayer(input.layersDir, input.buildpackDir, input.jvmPlan.hotswap, plan.hotswapConfig);
  }
  if (javaToolOptions !== "" && plan.reloadable.length > 0) {
    await contributeJvmOptions(input.layersDir, plan.reloadable, javaToolOptions);
    logger.detail(`JVM options for ${plan.reloadable.join(", ")}: JAVA_TOOL_OPTIONS += ${javaToolOptions} (${JVM_OPTIONS} to change the speed options, empty for none)`);
  }
  const copied = await contributeNoReloadEnv(input.layersDir, plan.found.group, plan.originals);
  if (copied.length > 0) logger.detail(`Process-specific env kept for ${copied.join(", ")}`);

  const skipped: string[] = [];
  const changed = await makeGroupWritable(input.appDir, input.groupWritable, (path, reason) => skipped.push(`${path} (${reason})`));
  logger.detail(`Made the app dir group-writable for sync tools (${changed} entries changed)`);
  if ((input.groupWritable?.setId.length ?? 0) > 0) logger.subDetail(`setuid/setgid files left as they are: ${input.groupWritable!.setId.join(", ")}`);
  for (const entry of skipped) logger.warn(`not made group-writable: ${entry}`);

  const final = mergeProcesses([plan.found.origin === "buildpacks" ? plan.found.processes.map(asDeclared) : [], plan.declared]);
  logger.blank();
  logger.header("Assigning launch processes:");
  for (const p of final) {
    logger.detail(`${p.type}${p.default ? " (default)" : ""}: ${formatCommand([...p.command, ...p.args])}`);
  }
  return plan.declared;
}

/** An earlier buildpack's process, for the final list: what the launcher will run. */
function asDeclared(spec: ProcessSpec): Process {
  const command = spec.launch.kind === "exec" ? spec.launch.argv : ["bash", "-c", spec.launch.command];
  return { type: spec.type, command, args: spec.launch.args, default: spec.default };
}
