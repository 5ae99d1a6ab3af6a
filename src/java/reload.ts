import { join } from "node:path";
import { ConfigurationError } from "../errors.ts";
import type { JavaApp } from "./app.ts";
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
  options: { jvmOptions: string; devtools: DevtoolsSetting; triggerDir: string | undefined },
): JvmReloadPlan {
  const defaults = javaReloadDefaults(app, appDir);
  const available = app.kind === "spring-boot" && app.devtools;
  if (options.devtools === "true" && !available) {
    throw new ConfigurationError(DEVTOOLS, "true", "asks for Spring Boot DevTools, but there is no spring-boot-devtools JAR in BOOT-INF/lib", `Package devtools into the JAR (Maven: <excludeDevtools>false</excludeDevtools>), or unset ${DEVTOOLS}.`);
  }
  const devtools = available && options.devtools !== "false";
  if (!devtools || app.kind !== "spring-boot") {
    return { defaults, devtools: false, javaToolOptions: options.jvmOptions, watchexecOnTrigger: true, summary: [] };
  }
  const trigger =
    options.triggerDir === undefined
      ? []
      : [`-Dspring.devtools.restart.additional-paths=${options.triggerDir}`, "-Dspring.devtools.restart.trigger-file=sync"];
  return {
    defaults: { ...defaults, watch: [join(appDir, app.lib)] },
    devtools: true,
    javaToolOptions: [options.jvmOptions, "-Dspring.devtools.restart.enabled=true", DEVTOOLS_TIMING, ...trigger].filter((o) => o !== "").join(" "),
    watchexecOnTrigger: false,
    summary: [
      `Spring Boot DevTools restarts the app inside the JVM on class changes${options.triggerDir !== undefined ? " when the trigger file sync is written" : ""}; watchexec restarts the JVM when ${app.lib} changes (${DEVTOOLS}=false for JVM restarts only)`,
    ],
  };
}
