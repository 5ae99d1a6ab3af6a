import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../errors.ts";
import type { JavaApp } from "./app.ts";
import { DEFAULT_JVM_OPTIONS } from "./jvm-options.ts";
import { javaReloadDefaults } from "./processes.ts";
import { DEVTOOLS, parseDevtoolsSetting, planJvmReload, type DevtoolsSetting, type JvmReloadPlan } from "./reload.ts";
import { hotswapPaths, type HotswapPaths } from "./hotswap.ts";

const APP = "/workspace";
const TRIGGER = "/layers/reloadable_watchexec/trigger";
const HOTSWAP_PATHS = hotswapPaths("/layers/reloadable_watchexec");
const AGENT = "-javaagent:/layers/reloadable_watchexec/hotswap/reloadable-hotswap.jar=/layers/reloadable_watchexec/hotswap/agent.conf";
const TIMING = ["-Dspring.devtools.restart.poll-interval=200ms", "-Dspring.devtools.restart.quiet-period=100ms"];

function boot(devtools: boolean): JavaApp {
  return {
    kind: "spring-boot",
    startClass: "com.example.Demo",
    launcher: "org.springframework.boot.loader.launch.JarLauncher",
    classes: "BOOT-INF/classes",
    lib: "BOOT-INF/lib",
    devtools,
  };
}

const APPS: [string, JavaApp][] = [
  ["Spring Boot with the devtools JAR", boot(true)],
  ["Spring Boot without it", boot(false)],
  ["exploded", { kind: "exploded", mainClass: "app.Main", classPath: ["lib/a.jar"] }],
  ["packed JAR", { kind: "jar", jar: "x.jar", mainClass: "app.Main" }],
];
const SETTINGS: DevtoolsSetting[] = ["auto", "true", "false"];
const TRIGGERS: [string, string | undefined][] = [
  ["no trigger", undefined],
  ["trigger", TRIGGER],
];
const JVM_OPTIONS: [string, string][] = [
  ["default options", DEFAULT_JVM_OPTIONS],
  ["custom options", "-Xmx512m -XX:+UseSerialGC"],
  ["no options", ""],
];

const HOTSWAPS: [string, HotswapPaths | undefined][] = [
  ["no hot swap", undefined],
  ["hot swap", HOTSWAP_PATHS],
];

type Case = [name: string, app: JavaApp, setting: DevtoolsSetting, triggerDir: string | undefined, jvmOptions: string, hotswap: HotswapPaths | undefined];
const CASES: Case[] = APPS.flatMap(([appName, app]) =>
  SETTINGS.flatMap((setting) =>
    TRIGGERS.flatMap(([triggerName, triggerDir]) =>
      JVM_OPTIONS.flatMap(([optionsName, jvmOptions]) =>
        HOTSWAPS.map(([hotswapName, hotswap]): Case => [`${appName}, ${setting}, ${triggerName}, ${optionsName}, ${hotswapName}`, app, setting, triggerDir, jvmOptions, hotswap]),
      ),
    ),
  ),
);

describe("planJvmReload", () => {
  it("covers every combination", () => {
    expect(CASES).toHaveLength(4 * 3 * 2 * 3 * 2);
  });

  it.each(CASES)("%s", (_name, app, setting, triggerDir, jvmOptions, hotswap) => {
    const plan = () => planJvmReload(app, APP, { jvmOptions, devtools: setting, triggerDir, hotswap });
    const jarPresent = app.kind === "spring-boot" && app.devtools;

    if (setting === "true" && !jarPresent) {
      expect(plan).toThrow(ConfigurationError);
      expect(plan).toThrow(/^BP_LIVE_RELOAD_DEVTOOLS="true" asks for Spring Boot DevTools, but there is no spring-boot-devtools JAR in BOOT-INF\/lib$/);
      return;
    }
    const result = plan();
    const devtools = jarPresent && setting !== "false";
    expect(result.devtools).toBe(devtools);
    expect(result.hotswap).toBe(hotswap);
    // The agent comes last, after the speed options that the tests and the bench read first.
    const agent = hotswap === undefined ? [] : [AGENT];
    if (!devtools) {
      expect(result).toEqual<JvmReloadPlan>({
        defaults: javaReloadDefaults(app, APP),
        devtools: false,
        javaToolOptions: [...(jvmOptions === "" ? [] : [jvmOptions]), ...agent].join(" "),
        watchexecOnTrigger: true,
        hotswap,
        summary: hotswap === undefined ? [] : [expect.stringMatching(/^Hot swap: class changes are applied inside the running JVM/)],
      });
      return;
    }
    if (hotswap === undefined) {
      expect(result.defaults).toEqual({ watch: [`${APP}/BOOT-INF/lib`], stopTimeout: "20s" });
      expect(result.watchexecOnTrigger).toBe(false);
    } else {
      // The agent decides; watchexec starts the JVM when it is not running, on any sync.
      expect(result.defaults).toEqual(javaReloadDefaults(app, APP));
      expect(result.watchexecOnTrigger).toBe(true);
    }
    const trigger =
      hotswap !== undefined
        ? [`-Dspring.devtools.restart.additional-paths=${hotswap.devtoolsDir}`, "-Dspring.devtools.restart.trigger-file=reloadable-devtools-restart"]
        : triggerDir === undefined
          ? []
          : [`-Dspring.devtools.restart.additional-paths=${triggerDir}`, "-Dspring.devtools.restart.trigger-file=sync"];
    const options = [...(jvmOptions === "" ? [] : [jvmOptions]), "-Dspring.devtools.restart.enabled=true", ...TIMING, ...trigger, ...agent];
    expect(result.javaToolOptions).toBe(options.join(" "));
    expect(result.javaToolOptions).not.toMatch(/^ | $|  /);
    expect(result.summary).toHaveLength(1);
  });
});

describe("planJvmReload: details", () => {
  it("the error names the variable and says how to fix it", () => {
    let error: unknown;
    try {
      planJvmReload(boot(false), APP, { jvmOptions: "", devtools: "true", triggerDir: undefined });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).variable).toBe(DEVTOOLS);
    expect((error as ConfigurationError).value).toBe("true");
    expect((error as ConfigurationError).fix).toContain("BP_LIVE_RELOAD_DEVTOOLS");
  });

  it("DevTools watches the Spring-Boot-Lib dir the manifest names", () => {
    const app: JavaApp = { ...(boot(true) as Extract<JavaApp, { kind: "spring-boot" }>), classes: "WEB-INF/classes", lib: "WEB-INF/lib" };
    expect(planJvmReload(app, "/srv/app", { jvmOptions: "", devtools: "auto", triggerDir: undefined }).defaults.watch).toEqual(["/srv/app/WEB-INF/lib"]);
  });

  it("with DevTools, the JVM options come first and the trigger options last", () => {
    const plan = planJvmReload(boot(true), APP, { jvmOptions: "-Xmx1g", devtools: "auto", triggerDir: TRIGGER });
    expect(plan.javaToolOptions).toBe(
      `-Xmx1g -Dspring.devtools.restart.enabled=true ${TIMING.join(" ")} -Dspring.devtools.restart.additional-paths=${TRIGGER} -Dspring.devtools.restart.trigger-file=sync`,
    );
  });

  it.each<[string, string | undefined, string]>([
    [
      "no trigger",
      undefined,
      "Spring Boot DevTools restarts the app inside the JVM on class changes; watchexec restarts the JVM when BOOT-INF/lib changes (BP_LIVE_RELOAD_DEVTOOLS=false for JVM restarts only)",
    ],
    [
      "trigger",
      TRIGGER,
      "Spring Boot DevTools restarts the app inside the JVM on class changes when the trigger file sync is written; watchexec restarts the JVM when BOOT-INF/lib changes (BP_LIVE_RELOAD_DEVTOOLS=false for JVM restarts only)",
    ],
  ])("summary with DevTools, %s", (_name, triggerDir, line) => {
    expect(planJvmReload(boot(true), APP, { jvmOptions: "", devtools: "true", triggerDir }).summary).toEqual([line]);
  });

  it("without DevTools the defaults are javaReloadDefaults' for Spring Boot", () => {
    expect(planJvmReload(boot(true), APP, { jvmOptions: "", devtools: "false", triggerDir: TRIGGER }).defaults).toEqual({
      watch: [`${APP}/BOOT-INF/classes`, `${APP}/BOOT-INF/lib`, `${APP}/META-INF`],
      stopTimeout: "20s",
    });
  });
});

describe("parseDevtoolsSetting", () => {
  it.each<[string, string | undefined, DevtoolsSetting]>([
    ["unset", undefined, "auto"],
    ["empty", "", "auto"],
    ["blank", "   ", "auto"],
    ["auto", "auto", "auto"],
    ["AUTO", "AUTO", "auto"],
    ["true", "true", "true"],
    ["TRUE", "TRUE", "true"],
    ["1", "1", "true"],
    ["yes", "yes", "true"],
    ["On", "On", "true"],
    ["padded", " true\n", "true"],
    ["false", "false", "false"],
    ["0", "0", "false"],
    ["no", "no", "false"],
    ["off", "off", "false"],
    ["OFF", "OFF", "false"],
  ])("%s -> %s", (_name, value, expected) => {
    expect(parseDevtoolsSetting(value)).toBe(expected);
  });

  it.each<[string, string]>([
    ["maybe", "maybe"],
    ["2", "2"],
    ["enabled", "enabled"],
    ["t", "t"],
  ])("%s -> ConfigurationError naming the variable and value", (_name, value) => {
    expect(() => parseDevtoolsSetting(value)).toThrow(ConfigurationError);
    expect(() => parseDevtoolsSetting(value)).toThrow(`BP_LIVE_RELOAD_DEVTOOLS=${JSON.stringify(value)} is not auto, true or false`);
  });
});
