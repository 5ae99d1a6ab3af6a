import { join } from "node:path";
import { ConfigurationError } from "../errors.ts";
import type { JavaApp } from "./app.ts";
import { agentOption, DEVTOOLS_TRIGGER_NAME, HOTSWAP, type HotswapPaths } from "./hotswap.ts";
import { javaReloadDefaults, type JavaReloadDefaults } from "./processes.ts";

export const DEVTOOLS = "BP_LIVE_RELOAD_DEVTOOLS";

export type DevtoolsSetting = "auto" | "true" | "false";

export function parseDevtoolsSetting(value: string | undefined): DevtoolsSetting {
  const word = (value ?? "").trim().toLowerCase();
  if (word === "" || word === "auto") return "auto";
  if (["true", "1", "yes", "on"].includes(word)) return "true";
  if (["false", "0", "no", "off"].includes(word)) return "false";
  throw new ConfigurationError(DEVTOOLS, value ?? "", "is not auto, true or false", `Set ${DEVTOOLS} to auto (the default: use Spring Boot DevTools when it is in BOOT-INF/lib), true or false.`);
}

/**
 * DevTools' own poll interval (1 s) and quiet period (400 ms) cost more than a restart: measured
 * on examples/java-spring-boot, a change was served after 1.6 s with them and 0.74 s with these.
 * The quiet period is a real one (unlike watchexec's window), so a long sync still restarts once.
 */
const DEVTOOLS_TIMING = "-Dspring.devtools.restart.poll-interval=200ms -Dspring.devtools.restart.quiet-period=100ms";

export interface JvmReloadPlan {
  defaults: JavaReloadDefaults;
  /** Spring Boot DevTools restarts the app inside the JVM; watchexec only restarts the JVM. */
  devtools: boolean;
  /** Appended to JAVA_TOOL_OPTIONS of the reloadable processes; "" for nothing. */
  javaToolOptions: string;
  /** Whether watchexec watches the trigger dir (false when DevTools waits for the trigger). */
  watchexecOnTrigger: boolean;
  /** Hot swap: the agent applies class changes in the JVM; watchexec only starts the JVM anew. */
  hotswap: HotswapPaths | undefined;
  summary: string[];
}

/**
 * How a JVM app reloads. With Spring Boot DevTools in BOOT-INF/lib (and not turned off), a class
 * change restarts the app inside the running JVM, about twice as fast as a new JVM (see the
 * README), and watchexec watches only BOOT-INF/lib, whose JARs need a new JVM: both must never
 * restart on the same change. DevTools stays off under JarLauncher unless the JVM gets
 * -Dspring.devtools.restart.enabled=true, which is what this turns on.
 */
export function planJvmReload(
  app: JavaApp,
  appDir: string,
  options: { jvmOptions: string; devtools: DevtoolsSetting; triggerDir: string | undefined; hotswap?: HotswapPaths | undefined; hotswapOff?: string | undefined },
): JvmReloadPlan {
  const defaults = javaReloadDefaults(app, appDir);
  const available = app.kind === "spring-boot" && app.devtools;
  if (options.devtools === "true" && !available) {
    throw new ConfigurationError(DEVTOOLS, "true", "asks for Spring Boot DevTools, but there is no spring-boot-devtools JAR in BOOT-INF/lib", `Package devtools into the JAR (Maven: <excludeDevtools>false</excludeDevtools>), or unset ${DEVTOOLS}.`);
  }
  const devtools = available && options.devtools !== "false";
  const hotswap = options.hotswap;
  const agent = hotswap === undefined ? [] : [agentOption(hotswap)];
  const hotswapSummary =
    hotswap !== undefined
      ? [
          `Hot swap: class changes are applied inside the running JVM when it can redefine them; other changes restart ${devtools ? "the app (DevTools) or the JVM (JARs)" : "the JVM"}, one line each in the app's output (${HOTSWAP}=false to restart on every change)`,
        ]
      : options.hotswapOff !== undefined
        ? [`Hot swap is off: ${options.hotswapOff}`]
        : [];
  if (!devtools || app.kind !== "spring-boot") {
    return {
      defaults,
      devtools: false,
      javaToolOptions: [options.jvmOptions, ...agent].filter((o) => o !== "").join(" "),
      watchexecOnTrigger: true,
      hotswap,
      summary: hotswapSummary,
    };
  }
  // With hot swap, DevTools restarts only when the agent asks (its trigger file), in both modes:
  // the agent decides what a sync needs, and a class it redefined needs nothing.
  const trigger =
    hotswap !== undefined
      ? [`-Dspring.devtools.restart.additional-paths=${hotswap.devtoolsDir}`, `-Dspring.devtools.restart.trigger-file=${DEVTOOLS_TRIGGER_NAME}`]
      : options.triggerDir === undefined
        ? []
        : [`-Dspring.devtools.restart.additional-paths=${options.triggerDir}`, "-Dspring.devtools.restart.trigger-file=sync"];
  return {
    // With hot swap, the JVM is started anew by a sync only when it is not running: watchexec
    // watches what the agent watches (the agent restarts it for BOOT-INF/lib itself).
    defaults: hotswap !== undefined ? defaults : { ...defaults, watch: [join(appDir, app.lib)] },
    devtools: true,
    javaToolOptions: [options.jvmOptions, "-Dspring.devtools.restart.enabled=true", DEVTOOLS_TIMING, ...trigger, ...agent].filter((o) => o !== "").join(" "),
    watchexecOnTrigger: hotswap !== undefined,
    hotswap,
    summary:
      hotswap !== undefined
        ? hotswapSummary
        : [
            `Spring Boot DevTools restarts the app inside the JVM on class changes${options.triggerDir !== undefined ? " when the trigger file sync is written" : ""}; watchexec restarts the JVM when ${app.lib} changes (${DEVTOOLS}=false for JVM restarts only)`,
            ...hotswapSummary,
          ],
  };
}
