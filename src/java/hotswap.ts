import { chmod, copyFile, mkdir, rename, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { layerPaths, writeLayerMetadata } from "../cnb/layers.ts";
import { writeFileAtomic } from "../cnb/toml.ts";
import type { ProcessSpec } from "../cnb/types.ts";
import { BuildpackError, ConfigurationError } from "../errors.ts";
import { durationMs, MODE, PRE_COMMAND, PROCESSES, RESTART_ON, type ReloadConfig, type ReloadMode } from "../reload/config.ts";
import { splitWords, unwrapLaunch } from "../reload/launch-form.ts";
import type { JavaApp } from "./app.ts";

export const HOTSWAP = "BP_LIVE_RELOAD_JVM_HOTSWAP";

/** auto: hot swap when the app allows it (the default); false: restart as before. */
export type HotswapSetting = "auto" | "false";

export function parseHotswapSetting(value: string | undefined): HotswapSetting {
  const word = (value ?? "").trim().toLowerCase();
  if (word === "" || word === "auto") return "auto";
  if (["false", "0", "no", "off"].includes(word)) return "false";
  throw new ConfigurationError(
    HOTSWAP,
    value ?? "",
    "is not auto or false",
    `Set ${HOTSWAP} to auto (the default: apply class changes in the running JVM, restart when it cannot) or false (restart on every change), or unset it.`,
  );
}

/** The agent, as `npm run build` leaves it in the buildpack's bin/ (scripts/java-agent.mjs). */
export const AGENT_JAR = "reloadable-hotswap.jar";
const LAYER_NAME = "hotswap";
/** Named so that no file of an app's class dirs is mistaken for it: DevTools matches by name. */
export const DEVTOOLS_TRIGGER_NAME = "reloadable-devtools-restart";

/** Where the hot swap layer puts things, as the image has them at launch. */
export interface HotswapPaths {
  layerDir: string;
  agentJar: string;
  configFile: string;
  /** Watched by watchexec: the agent writes `restartRequest` here when the JVM must start anew. */
  restartDir: string;
  restartRequest: string;
  /**
   * Watched by nothing: the agent leaves `restartMarker` here before it exits the JVM, and
   * reloadable-settle removes it at the next start, which it then leaves unannounced.
   */
  stateDir: string;
  restartMarker: string;
  /** Watched by Spring Boot DevTools (its additional path): the agent writes `devtoolsTrigger`. */
  devtoolsDir: string;
  devtoolsTrigger: string;
}

export function hotswapPaths(layersDir: string): HotswapPaths {
  const layerDir = layerPaths(layersDir, LAYER_NAME).dir;
  return {
    layerDir,
    agentJar: join(layerDir, AGENT_JAR),
    configFile: join(layerDir, "agent.conf"),
    restartDir: join(layerDir, "restart"),
    restartRequest: join(layerDir, "restart", "request"),
    stateDir: join(layerDir, "state"),
    restartMarker: join(layerDir, "state", "restart-asked"),
    devtoolsDir: join(layerDir, "devtools"),
    devtoolsTrigger: join(layerDir, "devtools", DEVTOOLS_TRIGGER_NAME),
  };
}

/** The other settings that decide whether hot swap can apply. */
export interface HotswapSettings {
  mode: ReloadMode;
  preCommand: string | undefined;
  /** Whether BP_LIVE_RELOAD_RESTART_ON is set. */
  restartOn?: boolean;
  /** The dev commands' Procfile, when the app has one. */
  devProcfile?: string | undefined;
}

/**
 * Why hot swap cannot apply to this app with these settings, or undefined when it can. The
 * reason finishes the sentence "hot swap is off: ...".
 */
export function hotswapBlocker(app: JavaApp, settings: HotswapSettings): string | undefined {
  if (app.kind === "jar") return `${app.jar} is a packed JAR, whose classes cannot be synced one by one`;
  if (settings.mode.kind === "signal") return `${MODE}=signal:${settings.mode.signal}: the app reloads itself on the signal`;
  if (settings.preCommand !== undefined) return `${PRE_COMMAND} must run before each start, and a class change applied in the JVM starts nothing`;
  if (settings.restartOn === true) return `${RESTART_ON} is set: only those paths restart the process, and the app handles the rest itself`;
  if (settings.devProcfile !== undefined) return `${settings.devProcfile} runs dev commands, which reload the app their own way`;
  return undefined;
}

/** Whether the JVM app gets hot swap, and the value the configuration table shows. */
export interface HotswapDecision {
  paths: HotswapPaths | undefined;
  /** Why not, when not. */
  off: string | undefined;
  inEffect: string;
}

export function decideHotswap(setting: HotswapSetting, app: JavaApp, layersDir: string, settings: HotswapSettings): HotswapDecision {
  if (setting === "false") return { paths: undefined, off: `${HOTSWAP}=false`, inEffect: "false" };
  const off = hotswapBlocker(app, settings);
  return off === undefined ? { paths: hotswapPaths(layersDir), off, inEffect: "auto (on)" } : { paths: undefined, off, inEffect: "auto (off)" };
}

/** The dirs whose class files the agent applies in the JVM: what the app's class path holds as dirs. */
export function classDirs(app: JavaApp, appDir: string): string[] {
  switch (app.kind) {
    case "spring-boot":
      return [join(appDir, app.classes)];
    case "exploded":
      return [appDir, ...app.classPath.filter((entry) => entry.endsWith("/")).map((entry) => join(appDir, entry).replace(/\/$/, ""))];
    case "jar":
      return [];
  }
}

/**
 * `-javaagent:<jar>=<config>` for JAVA_TOOL_OPTIONS, which the JVM splits at white space: a
 * layers path with a space or a quote in it could not be given there.
 */
export function agentOption(paths: HotswapPaths): string {
  for (const path of [paths.agentJar, paths.configFile]) {
    if (/[\s"'\\]/.test(path)) {
      throw new BuildpackError(
        `The hot swap agent would be at ${JSON.stringify(path)}, a path with a space, quote or backslash, which JAVA_TOOL_OPTIONS cannot carry`,
        `Build with a layers dir without such characters (the platform's CNB_LAYERS_DIR), or set ${HOTSWAP}=false.`,
      );
    }
  }
  return `-javaagent:${paths.agentJar}=${paths.configFile}`;
}

/** What the agent needs to know, in the words of its config file (src/java-agent/.../Config.java). */
export interface AgentSettings {
  classDirs: string[];
  watch: string[];
  ignore: string[];
  origin: string;
  triggerDir: string | undefined;
  quietMs: number;
  pollMs: number | undefined;
  restartRequest: string;
  restartMarker: string;
  devtoolsTrigger: string | undefined;
  stopTimeoutMs: number;
}

/**
 * The agent's settings from the reload's: it watches what watchexec would (the JVM app's watch
 * paths, or the trigger dir) with the same ignores, and takes a sync as ended after the quiet
 * period (the window when the quiet period is 0).
 */
export function agentSettings(
  app: JavaApp,
  appDir: string,
  config: ReloadConfig,
  paths: HotswapPaths,
  options: { devtools: boolean; triggerDir: string | undefined },
): AgentSettings {
  return {
    classDirs: classDirs(app, appDir),
    watch: config.watch.length > 0 ? config.watch : [appDir],
    ignore: config.ignore,
    origin: appDir,
    triggerDir: options.triggerDir,
    quietMs: config.quietPeriodMs > 0 ? config.quietPeriodMs : durationMs(config.debounce),
    pollMs: config.poll === undefined ? undefined : durationMs(config.poll),
    restartRequest: paths.restartRequest,
    restartMarker: paths.restartMarker,
    devtoolsTrigger: options.devtools ? paths.devtoolsTrigger : undefined,
    stopTimeoutMs: durationMs(config.stopTimeout),
  };
}

/** The config file's text: `<key> <value>` lines; a value with a line break cannot be written. */
export function agentConfigText(settings: AgentSettings): string {
  const lines: [string, string | number][] = [
    ...settings.classDirs.map((dir) => ["class-dir", dir] as [string, string]),
    ...settings.watch.map((path) => ["watch", path] as [string, string]),
    ...settings.ignore.map((glob) => ["ignore", glob] as [string, string]),
    ["origin", settings.origin],
    ...(settings.triggerDir !== undefined ? [["trigger-dir", settings.triggerDir] as [string, string]] : []),
    ["quiet-ms", settings.quietMs],
    ...(settings.pollMs !== undefined ? [["poll-ms", settings.pollMs] as [string, number]] : []),
    ["restart-request", settings.restartRequest],
    ["restart-marker", settings.restartMarker],
    ...(settings.devtoolsTrigger !== undefined ? [["devtools-trigger", settings.devtoolsTrigger] as [string, string]] : []),
    ["stop-timeout-ms", settings.stopTimeoutMs],
  ];
  for (const [key, value] of lines) {
    if (/[\r\n]/.test(String(value))) {
      throw new BuildpackError(
        `The hot swap agent's ${key} would be ${JSON.stringify(value)}, which has a line break`,
        `Rename the path (or change the glob) so it has no line break, or set ${HOTSWAP}=false.`,
      );
    }
  }
  return `# Reloadable's hot swap agent: written by the build, read at each JVM start\n${lines.map(([key, value]) => `${key} ${value}`).join("\n")}\n`;
}

/**
 * Whether a process runs a JVM that will load the agent: the agent is what applies a sync while
 * the process runs (watchexec no longer restarts it), so a process that runs no JVM would never
 * reload. Seen from the command's first word, `java`, or a shell command that runs java.
 */
export function runsJava(spec: ProcessSpec): boolean {
  const isJava = (word: string | undefined) => word !== undefined && basename(word) === "java";
  if (spec.launch.kind === "exec") return isJava(spec.launch.argv[0]);
  const words = spec.launch.args.length > 0 ? [spec.launch.command, ...spec.launch.args] : splitWords(spec.launch.command);
  if (words !== undefined) return isJava(words[0]) || (words[0] === "exec" && isJava(words[1]));
  return /(^|[\s;&|(])(exec\s+)?(\S*\/)?java(\s|$)/.test(spec.launch.command);
}

/**
 * Every reloadable process must run java (past a watchexec wrapper of an earlier buildpack);
 * the first that does not is an error (see runsJava).
 */
export function checkRunsJava(processes: readonly ProcessSpec[], reloadable: readonly string[]): void {
  for (const spec of processes) {
    if (!reloadable.includes(spec.type)) continue;
    const unwrapped = unwrapLaunch(spec.launch);
    const inner = "launch" in unwrapped ? { ...spec, launch: unwrapped.launch } : spec;
    if (!runsJava(inner)) throw notJavaError(inner, reloadable);
  }
}

/** The error for a reloadable process of a JVM app that does not run java itself. */
function notJavaError(spec: ProcessSpec, chosen: readonly string[]): BuildpackError {
  const command = spec.launch.kind === "exec" ? [...spec.launch.argv, ...spec.launch.args].join(" ") : spec.launch.command;
  return new ConfigurationError(
    HOTSWAP,
    "auto",
    `applies class changes inside the JVM, but the reloadable process "${spec.type}" runs ${JSON.stringify(command)}, not java: it would never reload`,
    `Set ${HOTSWAP}=false (restart on every change), run java directly in "${spec.type}", or leave it out of ${PROCESSES} (now: ${chosen.join(",")}).`,
  );
}

/**
 * The launch layer: the agent JAR, its config, and the dirs it writes at launch (group-writable,
 * like the trigger dir, so that the run user can: on Paketo's stacks it shares the build user's
 * group). `restart/` is watched by watchexec; `state/` by nothing; `devtools/` by Spring Boot
 * DevTools.
 */
export async function contributeHotswapLayer(layersDir: string, buildpackDir: string, paths: HotswapPaths, configText: string): Promise<void> {
  const layer = layerPaths(layersDir, LAYER_NAME);
  await rm(layer.dir, { recursive: true, force: true });
  await mkdir(layer.dir, { recursive: true });
  const temp = `${paths.agentJar}.tmp`;
  try {
    await copyFile(join(buildpackDir, "bin", AGENT_JAR), temp);
    await rename(temp, paths.agentJar);
  } finally {
    await rm(temp, { force: true });
  }
  await writeFileAtomic(paths.configFile, configText);
  for (const dir of [paths.restartDir, paths.stateDir, paths.devtoolsDir]) {
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o775);
  }
  // reloadable-settle says nothing of a restart the agent asked for: the agent said why.
  await mkdir(join(layer.dir, "env.launch"), { recursive: true });
  await writeFileAtomic(join(layer.dir, "env.launch", "RELOADABLE_HOTSWAP_MARKER.default"), paths.restartMarker);
  await writeLayerMetadata(layer, { launch: true, build: false, cache: false }, { agent: AGENT_JAR });
}
