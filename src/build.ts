import { exists } from "./files.ts";
import { parseFlag, SYNC_TOOLS, WATCHEXEC_VERSION, type Settings } from "./config.ts";
import type { BuildContext } from "./cnb/context.ts";
import type { BuildpackDescriptor, DependencyRecord, Platform } from "./cnb/types.ts";
import { hostArch, resolveDependency } from "./dependency/inventory.ts";
import { attributeToMirror, chooseSource, offlinePath, type ArtifactSource } from "./dependency/source.ts";
import { collectMirrors, DEPENDENCY_MIRROR, withMirrorRows, type Mirrors } from "./dependency/mirror.ts";
import { DEFAULT_DOWNLOAD_OPTIONS } from "./dependency/download.ts";
import { formatTable, formatDuration, type Logger } from "./output.ts";
import { contributeWatchexecLayer } from "./watchexec/layer.ts";
import { chooseWatchexec, findProvidedWatchexec } from "./watchexec/provided.ts";
import { contributeBusyboxLayer, LAYER_NAME as BUSYBOX_LAYER } from "./busybox/layer.ts";
import { join } from "node:path";
import { contributeReloadableProcesses, planReloadableProcesses } from "./reload/contribute.ts";
import { detectJavaApp, type JavaApp } from "./java/app.ts";
import { JVM_OPTIONS, jvmOptionsFrom } from "./java/jvm-options.ts";
import { DEVTOOLS, parseDevtoolsSetting, planJvmReload, type JvmReloadPlan } from "./java/reload.ts";
import { decideHotswap, HOTSWAP, parseHotswapSetting } from "./java/hotswap.ts";
import { triggerDirOf } from "./reload/trigger.ts";
import {
  checkWatchPaths,
  DEBOUNCE,
  DEV_PROCFILE,
  IGNORE,
  MODE,
  parseMode,
  parseReloadConfig,
  POLL,
  PRE_COMMAND,
  PROCESSES,
  QUIET_PERIOD,
  RESTART_ON,
  settingsInEffect,
  STOP_SIGNAL,
  STOP_TIMEOUT,
  TRIGGER,
  WATCH,
  type ReloadConfig,
} from "./reload/config.ts";
import { groupWritableError, planGroupWritable, type GroupWritablePlan } from "./reload/permissions.ts";
import { removeStaleTempFiles } from "./cnb/toml.ts";
import { readDevProcfile, type DevProcfile } from "./reload/dev-procfile.ts";

export interface BuildInput {
  context: BuildContext;
  descriptor: BuildpackDescriptor;
  platform: Platform;
  settings: Settings;
  processEnv: NodeJS.ProcessEnv;
  logger: Logger;
}

export async function build(input: BuildInput): Promise<void> {
  const { context, descriptor, platform, settings, logger } = input;
  const started = Date.now();
  logger.title(descriptor.info.name, descriptor.info.version, descriptor.info.homepage);
  logger.header("Build Configuration:");
  // Every setting, the Java app and the processes are checked before anything is written, so a
  // bad value leaves no layer behind. The table shows the values in effect once they are known
  // (the user's values when a check fails first).
  const inEffect: Record<string, string> = {};
  const mirrorVariables = settings.withPrefix(DEPENDENCY_MIRROR);
  let checked: CheckedSettings;
  try {
    checked = await checkSettings(input, inEffect, mirrorVariables);
  } finally {
    for (const row of formatTable(withMirrorRows(settings.table(inEffect), mirrorVariables))) logger.detail(row);
    logger.blank();
  }
  const { reloadConfig, javaApp, jvmPlan, dependency, busybox, mirrors, devProcfile } = checked;
  // Where busybox will be at launch, for the processes of the sync tools.
  const busyboxPath = busybox === undefined ? undefined : join(context.layersDir, BUSYBOX_LAYER, "bin", "busybox");

  const processInput = {
    appDir: context.appDir,
    buildpackDir: context.buildpackDir,
    layersDir: context.layersDir,
    buildpackId: descriptor.info.id,
    config: reloadConfig,
    javaApp,
    jvmPlan,
    busybox: busyboxPath,
    devProcfile,
    logger,
  };
  const processPlan = await planReloadableProcesses(processInput);
  let groupWritable: GroupWritablePlan | undefined;
  if (processPlan.found.origin !== "none") {
    // A file the build user may not chmod fails the build here, before launch.toml is written.
    groupWritable = await planGroupWritable(context.appDir);
    const blocked = groupWritableError(groupWritable);
    if (blocked !== undefined) throw blocked;
  }

  // What a build killed between writing a temp file and renaming it left behind.
  await removeStaleTempFiles(context.layersDir);
  // One watchexec in the image: Paketo's watchexec buildpack, when it is in the group, has
  // installed one already (detect asks for it first).
  const choice = chooseWatchexec(await findProvidedWatchexec(processPlan.found.group), settings.raw(WATCHEXEC_VERSION));
  const download = { ...DEFAULT_DOWNLOAD_OPTIONS, logger, env: input.processEnv };
  if (choice.use === "provided") {
    logger.header(`${dependency.name} ${choice.provided.version} from ${choice.provided.buildpackId}`);
    logger.detail(`Using the watchexec that ${choice.provided.buildpackId} installed, so the image has one watchexec (${choice.provided.binary})`);
  } else {
    if (choice.reason !== undefined) logger.warn(`installing Reloadable's own watchexec: ${choice.reason}`);
    await installDependency(input, dependency, mirrors, (source) => contributeWatchexecLayer({ layersDir: context.layersDir, dependency, source, buildpack: descriptor.info, download, logger }));
  }
  if (busybox !== undefined && processPlan.reloadable.length > 0) {
    logger.blank();
    await installDependency(input, busybox, mirrors, (source) => contributeBusyboxLayer({ layersDir: context.layersDir, dependency: busybox, source, buildpack: descriptor.info, download, logger }));
    logger.detail(`For run images without them: tar, sh, rm and date by name through docker exec / kubectl exec (${SYNC_TOOLS}=false for none)`);
  }
  logger.blank();
  await contributeReloadableProcesses(processPlan, { ...processInput, groupWritable });
  logger.blank();
  logger.header(`Done (finished in ${formatDuration(Date.now() - started)})`);
}

/** Where a dependency comes from (binding, offline package, mirror, network), then its layer. */
async function installDependency<T>(input: BuildInput, dependency: DependencyRecord, mirrors: Mirrors, contribute: (source: ArtifactSource) => Promise<T>): Promise<T> {
  const offline = offlinePath(input.context.buildpackDir, dependency);
  const source = chooseSource(dependency, input.platform.bindings, (await exists(offline)) ? offline : undefined, mirrors);
  return contribute(source).catch((error: unknown) => {
    throw attributeToMirror(error, source);
  });
}

interface CheckedSettings {
  reloadConfig: ReloadConfig;
  javaApp: JavaApp | undefined;
  jvmPlan: JvmReloadPlan | undefined;
  dependency: DependencyRecord;
  /** Busybox for the sync tools, unless BP_LIVE_RELOAD_SYNC_TOOLS=false. */
  busybox: DependencyRecord | undefined;
  mirrors: Mirrors;
  devProcfile: DevProcfile | undefined;
}

/** Reads and checks every setting; fills `inEffect` with the values the build will use. */
async function checkSettings(input: BuildInput, inEffect: Record<string, string>, mirrorVariables: Record<string, string>): Promise<CheckedSettings> {
  const { context, descriptor, settings, platform } = input;
  const reloadSettings = Object.fromEntries(
    [PROCESSES, WATCH, IGNORE, MODE, DEBOUNCE, QUIET_PERIOD, STOP_SIGNAL, STOP_TIMEOUT, POLL, PRE_COMMAND, TRIGGER, RESTART_ON].map((name) => [name, settings.raw(name)]),
  );
  // Checked for every app, JVM or not: a typo must not wait for the day the app becomes one.
  const devtools = parseDevtoolsSetting(settings.raw(DEVTOOLS));
  const jvmOptions = jvmOptionsFrom(settings.raw(JVM_OPTIONS));
  const trigger = parseFlag(TRIGGER, settings.raw(TRIGGER));
  const mirrors = collectMirrors({ variables: mirrorVariables, bindings: platform.bindings });
  const hotswapSetting = parseHotswapSetting(settings.raw(HOTSWAP));
  // Read with the settings, so that the table shows the restart paths in effect and a bad file
  // fails before anything is written; its types are checked against the processes later.
  const devProcfile = await readDevProcfile(settings.raw(DEV_PROCFILE), context.appDir);
  const javaApp = await detectJavaApp(context.appDir);
  const hotswap =
    javaApp === undefined
      ? undefined
      : decideHotswap(hotswapSetting, javaApp, context.layersDir, {
          mode: parseMode(reloadSettings[MODE]),
          preCommand: reloadSettings[PRE_COMMAND]?.trim() || undefined,
          restartOn: (reloadSettings[RESTART_ON]?.trim() ?? "") !== "",
          devProcfile: devProcfile?.name,
        });
  const jvmPlan =
    javaApp === undefined
      ? undefined
      : planJvmReload(javaApp, context.appDir, { jvmOptions, devtools, triggerDir: trigger ? triggerDirOf(context.layersDir) : undefined, hotswap: hotswap?.paths, hotswapOff: hotswap?.off });
  const javaDefaults = jvmPlan?.defaults;
  const parsed = parseReloadConfig(reloadSettings, context.appDir, {
    debounce: settings.value(DEBOUNCE),
    quietPeriod: settings.value(QUIET_PERIOD),
    stopTimeout: javaDefaults?.stopTimeout ?? settings.value(STOP_TIMEOUT),
    ...(javaDefaults !== undefined ? { watch: javaDefaults.watch } : {}),
  });
  const reloadConfig = await checkWatchPaths(parsed, reloadSettings, context.appDir);
  const dependency = resolveDependency(descriptor.dependencies, {
    id: "watchexec",
    constraint: settings.value(WATCHEXEC_VERSION),
    arch: context.targetArch ?? hostArch(),
    variable: WATCHEXEC_VERSION,
  });
  const busybox = parseFlag(SYNC_TOOLS, settings.raw(SYNC_TOOLS), true)
    ? resolveDependency(descriptor.dependencies, { id: "busybox", constraint: "*", arch: context.targetArch ?? hostArch(), variable: SYNC_TOOLS })
    : undefined;
  Object.assign(inEffect, settingsInEffect(reloadConfig, context.appDir, devProcfile?.name), {
    [SYNC_TOOLS]: String(busybox !== undefined),
    [WATCHEXEC_VERSION]: dependency.version,
    ...(jvmPlan !== undefined ? { [JVM_OPTIONS]: jvmOptions, [DEVTOOLS]: String(jvmPlan.devtools), [HOTSWAP]: hotswap?.inEffect ?? "" } : {}),
  });
  return { reloadConfig, javaApp, jvmPlan, dependency, busybox, mirrors, devProcfile };
}
