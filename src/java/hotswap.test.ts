import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Launch, ProcessSpec } from "../cnb/types.ts";
import { BuildpackError, ConfigurationError } from "../errors.ts";
import { parseReloadConfig, type ReloadMode } from "../reload/config.ts";
import type { JavaApp } from "./app.ts";
import {
  agentConfigText,
  agentOption,
  agentSettings,
  checkRunsJava,
  classDirs,
  contributeHotswapLayer,
  decideHotswap,
  hotswapPaths,
  parseHotswapSetting,
  runsJava,
  type HotswapSetting,
} from "./hotswap.ts";

const APP = "/workspace";
const LAYERS = "/layers/reloadable_watchexec";
const BOOT: JavaApp = { kind: "spring-boot", startClass: "com.example.Demo", launcher: "org.springframework.boot.loader.launch.JarLauncher", classes: "BOOT-INF/classes", lib: "BOOT-INF/lib", devtools: true };
const EXPLODED: JavaApp = { kind: "exploded", mainClass: "app.Main", classPath: ["lib/util.jar", "extra-classes/"] };
const PACKED: JavaApp = { kind: "jar", jar: "app.jar", mainClass: "app.Main" };
const RESTART: ReloadMode = { kind: "restart" };
const SIGNAL: ReloadMode = { kind: "signal", signal: "SIGHUP" };

describe("parseHotswapSetting", () => {
  it.each<[string | undefined, HotswapSetting]>([
    [undefined, "auto"],
    ["", "auto"],
    ["  ", "auto"],
    ["auto", "auto"],
    ["AUTO", "auto"],
    [" auto\n", "auto"],
    ["false", "false"],
    ["FALSE", "false"],
    ["0", "false"],
    ["no", "false"],
    ["off", "false"],
  ])("%j -> %s", (value, expected) => {
    expect(parseHotswapSetting(value)).toBe(expected);
  });

  it.each(["true", "on", "yes", "1", "maybe", "hotswap", "auto,false"])("%j is an error naming the variable, the value and the fix", (value) => {
    expect(() => parseHotswapSetting(value)).toThrow(ConfigurationError);
    expect(() => parseHotswapSetting(value)).toThrow(`BP_LIVE_RELOAD_JVM_HOTSWAP=${JSON.stringify(value)} is not auto or false`);
    try {
      parseHotswapSetting(value);
    } catch (error) {
      expect((error as BuildpackError).fix).toMatch(/^Set BP_LIVE_RELOAD_JVM_HOTSWAP to auto \(the default/);
    }
  });
});

describe("decideHotswap", () => {
  it.each<[string, HotswapSetting, JavaApp, ReloadMode, string | undefined, string | undefined, string]>([
    ["Spring Boot, auto", "auto", BOOT, RESTART, undefined, undefined, "auto (on)"],
    ["exploded JAR, auto", "auto", EXPLODED, RESTART, undefined, undefined, "auto (on)"],
    ["false", "false", BOOT, RESTART, undefined, "BP_LIVE_RELOAD_JVM_HOTSWAP=false", "false"],
    ["a packed JAR", "auto", PACKED, RESTART, undefined, "app.jar is a packed JAR, whose classes cannot be synced one by one", "auto (off)"],
    ["signal mode", "auto", BOOT, SIGNAL, undefined, "BP_LIVE_RELOAD_MODE=signal:SIGHUP: the app reloads itself on the signal", "auto (off)"],
    ["a pre-command", "auto", EXPLODED, RESTART, "javac -d . src/*.java", "BP_LIVE_RELOAD_PRE_COMMAND must run before each start, and a class change applied in the JVM starts nothing", "auto (off)"],
    ["false wins over a packed JAR", "false", PACKED, RESTART, undefined, "BP_LIVE_RELOAD_JVM_HOTSWAP=false", "false"],
  ])("%s", (_name, setting, app, mode, preCommand, off, inEffect) => {
    const decision = decideHotswap(setting, app, LAYERS, { mode, preCommand });
    expect(decision.off).toBe(off);
    expect(decision.inEffect).toBe(inEffect);
    expect(decision.paths).toEqual(off === undefined ? hotswapPaths(LAYERS) : undefined);
  });
});

describe("decideHotswap: restart by path and dev commands", () => {
  it.each<[string, { restartOn?: boolean; devProcfile?: string }, string | undefined]>([
    ["neither", {}, undefined],
    ["BP_LIVE_RELOAD_RESTART_ON", { restartOn: true }, "BP_LIVE_RELOAD_RESTART_ON is set: only those paths restart the process, and the app handles the rest itself"],
    ["a Procfile.dev", { devProcfile: "Procfile.dev" }, "Procfile.dev runs dev commands, which reload the app their own way"],
  ])("%s", (_name, extra, off) => {
    const decision = decideHotswap("auto", BOOT, LAYERS, { mode: RESTART, preCommand: undefined, ...extra });
    expect(decision.off).toBe(off);
    expect(decision.inEffect).toBe(off === undefined ? "auto (on)" : "auto (off)");
  });
});

describe("hotswapPaths, agentOption", () => {
  it("the agent, its config and the dirs it writes are in the hotswap layer", () => {
    expect(hotswapPaths(LAYERS)).toEqual({
      layerDir: `${LAYERS}/hotswap`,
      agentJar: `${LAYERS}/hotswap/reloadable-hotswap.jar`,
      configFile: `${LAYERS}/hotswap/agent.conf`,
      restartDir: `${LAYERS}/hotswap/restart`,
      restartRequest: `${LAYERS}/hotswap/restart/request`,
      stateDir: `${LAYERS}/hotswap/state`,
      restartMarker: `${LAYERS}/hotswap/state/restart-asked`,
      devtoolsDir: `${LAYERS}/hotswap/devtools`,
      devtoolsTrigger: `${LAYERS}/hotswap/devtools/reloadable-devtools-restart`,
    });
    expect(agentOption(hotswapPaths(LAYERS))).toBe(`-javaagent:${LAYERS}/hotswap/reloadable-hotswap.jar=${LAYERS}/hotswap/agent.conf`);
  });

  it.each(["/my layers/reloadable_watchexec", "/layers/it's", '/layers/"x"', "/layers/a\tb", "/layers/a\\b"])("a layers dir JAVA_TOOL_OPTIONS cannot carry (%j) is a build error", (layers) => {
    expect(() => agentOption(hotswapPaths(layers))).toThrow(BuildpackError);
    expect(() => agentOption(hotswapPaths(layers))).toThrow(/which JAVA_TOOL_OPTIONS cannot carry/);
  });
});

describe("classDirs", () => {
  it.each<[string, JavaApp, string[]]>([
    ["Spring Boot: its Spring-Boot-Classes", BOOT, ["/workspace/BOOT-INF/classes"]],
    ["an exploded JAR: the app dir and the dirs of its Class-Path", EXPLODED, ["/workspace", "/workspace/extra-classes"]],
    ["a packed JAR: none", PACKED, []],
  ])("%s", (_name, app, expected) => {
    expect(classDirs(app, APP)).toEqual(expected);
  });
});

describe("agentSettings and agentConfigText", () => {
  const paths = hotswapPaths(LAYERS);
  const reload = (raw: Record<string, string> = {}) =>
    parseReloadConfig(raw, APP, { debounce: "50ms", quietPeriod: "80ms", stopTimeout: "20s", watch: ["/workspace/BOOT-INF/classes", "/workspace/BOOT-INF/lib"] });

  it("app-dir mode with DevTools: the watch paths and ignores of the reload, the quiet period, DevTools' trigger", () => {
    const settings = agentSettings(BOOT, APP, reload(), paths, { devtools: true, triggerDir: undefined });
    expect(settings).toMatchObject({
      classDirs: ["/workspace/BOOT-INF/classes"],
      watch: ["/workspace/BOOT-INF/classes", "/workspace/BOOT-INF/lib"],
      origin: APP,
      triggerDir: undefined,
      quietMs: 80,
      pollMs: undefined,
      restartRequest: paths.restartRequest,
      restartMarker: paths.restartMarker,
      devtoolsTrigger: paths.devtoolsTrigger,
      stopTimeoutMs: 20_000,
    });
    expect(settings.ignore).toContain("**/*.log");
  });

  it.each<[string, Record<string, string>, string | undefined, boolean, Partial<ReturnType<typeof agentSettings>>]>([
    ["trigger mode: the trigger dir", { BP_LIVE_RELOAD_TRIGGER: "true" }, "/layers/reloadable_watchexec/trigger", false, { triggerDir: "/layers/reloadable_watchexec/trigger", devtoolsTrigger: undefined }],
    ["no quiet period: the window instead", { BP_LIVE_RELOAD_QUIET_PERIOD: "0", BP_LIVE_RELOAD_DEBOUNCE: "120ms" }, undefined, false, { quietMs: 120 }],
    ["polling", { BP_LIVE_RELOAD_POLL: "1s" }, undefined, false, { pollMs: 1000 }],
    ["a stop timeout", { BP_LIVE_RELOAD_STOP_TIMEOUT: "2m" }, undefined, false, { stopTimeoutMs: 120_000 }],
  ])("%s", (_name, raw, triggerDir, devtools, expected) => {
    expect(agentSettings(EXPLODED, APP, reload(raw), paths, { devtools, triggerDir })).toMatchObject(expected);
  });

  it("the config file: one `key value` line each, lists a key per value", () => {
    const text = agentConfigText({
      classDirs: ["/workspace/BOOT-INF/classes"],
      watch: ["/workspace/BOOT-INF/classes", "/workspace/BOOT-INF/lib"],
      ignore: ["**/*.log", "dir with space/**"],
      origin: APP,
      triggerDir: "/layers/r/trigger",
      quietMs: 0,
      pollMs: 500,
      restartRequest: paths.restartRequest,
      restartMarker: paths.restartMarker,
      devtoolsTrigger: paths.devtoolsTrigger,
      stopTimeoutMs: 20_000,
    });
    expect(text.split("\n")).toEqual([
      "# Reloadable's hot swap agent: written by the build, read at each JVM start",
      "class-dir /workspace/BOOT-INF/classes",
      "watch /workspace/BOOT-INF/classes",
      "watch /workspace/BOOT-INF/lib",
      "ignore **/*.log",
      "ignore dir with space/**",
      "origin /workspace",
      "trigger-dir /layers/r/trigger",
      "quiet-ms 0",
      "poll-ms 500",
      `restart-request ${paths.restartRequest}`,
      `restart-marker ${paths.restartMarker}`,
      `devtools-trigger ${paths.devtoolsTrigger}`,
      "stop-timeout-ms 20000",
      "",
    ]);
  });

  it.each([
    ["a watch path", { watch: ["/workspace/a\nb"] }],
    ["an ignore glob", { ignore: ["x\r"] }],
  ])("%s with a line break is a build error", (_name, overrides) => {
    const settings = { ...agentSettings(EXPLODED, APP, reload(), paths, { devtools: false, triggerDir: undefined }), ...overrides };
    expect(() => agentConfigText(settings)).toThrow(BuildpackError);
    expect(() => agentConfigText(settings)).toThrow(/which has a line break/);
  });
});

describe("runsJava and checkRunsJava", () => {
  const exec = (argv: string[], args: string[] = []): Launch => ({ kind: "exec", argv, args });
  const shell = (command: string, args: string[] = []): Launch => ({ kind: "shell", command, args });
  const spec = (type: string, launch: Launch): ProcessSpec => ({ type, launch, default: type === "web" });

  it.each<[string, Launch, boolean]>([
    ["java", exec(["java", "-cp", "/workspace", "app.Main"]), true],
    ["an absolute java", exec(["/layers/paketo-buildpacks_bellsoft-liberica/jre/bin/java", "-jar", "x.jar"]), true],
    ["Paketo API 0.7: command java, the rest in args", exec(["java"], ["org.springframework.boot.loader.launch.JarLauncher"]), true],
    ["a shell command: java first", shell("java -Dserver.port=$PORT -jar app.jar"), true],
    ["a shell command: exec java", shell("exec java -jar app.jar"), true],
    ["a shell command that runs java later", shell("cd /workspace && exec java -jar app.jar"), true],
    ["node", exec(["node", "server.js"]), false],
    ["a start script", exec(["./bin/app"]), false],
    ["a shell start script", shell("./run.sh $PORT"), false],
    ["javascript is not java", exec(["javascript"]), false],
    ["a shell command mentioning a java file", shell("python3 gen.py > Main.java"), false],
  ])("%s -> %s", (_name, launch, expected) => {
    expect(runsJava(spec("web", launch))).toBe(expected);
  });

  it("a Paketo watchexec wrapper around java is seen through", () => {
    expect(() => checkRunsJava([spec("reload", exec(["watchexec", "--restart", "--watch", "/workspace", "--shell", "none", "--", "java", "app.Main"]))], ["reload"])).not.toThrow();
  });

  it("only the reloadable processes count", () => {
    expect(() => checkRunsJava([spec("web", exec(["java", "app.Main"])), spec("worker", exec(["python3", "worker.py"]))], ["web"])).not.toThrow();
  });

  it("a reloadable process that runs no JVM is an error naming it, its command and the fixes", () => {
    let error: unknown;
    try {
      checkRunsJava([spec("web", exec(["java", "app.Main"])), spec("worker", exec(["python3", "worker.py"]))], ["web", "worker"]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).variable).toBe("BP_LIVE_RELOAD_JVM_HOTSWAP");
    expect((error as Error).message).toBe(
      'BP_LIVE_RELOAD_JVM_HOTSWAP="auto" applies class changes inside the JVM, but the reloadable process "worker" runs "python3 worker.py", not java: it would never reload',
    );
    expect((error as BuildpackError).fix).toBe('Set BP_LIVE_RELOAD_JVM_HOTSWAP=false (restart on every change), run java directly in "worker", or leave it out of BP_LIVE_RELOAD_PROCESSES (now: web,worker).');
  });
});

describe("contributeHotswapLayer", () => {
  it("copies the agent, writes its config, makes the dirs it writes group-writable, tells reloadable-settle", async () => {
    const root = await mkdtemp(join(tmpdir(), "hotswap-layer-"));
    try {
      const buildpack = join(root, "buildpack");
      await mkdir(join(buildpack, "bin"), { recursive: true });
      await writeFile(join(buildpack, "bin", "reloadable-hotswap.jar"), "agent bytes");
      const layers = join(root, "layers");
      await mkdir(layers);
      const paths = hotswapPaths(layers);
      // A previous build's layer is replaced as a whole.
      await mkdir(join(paths.layerDir, "stale"), { recursive: true });
      await contributeHotswapLayer(layers, buildpack, paths, "class-dir /workspace\n");
      expect(await readFile(paths.agentJar, "utf8")).toBe("agent bytes");
      expect(await readFile(paths.configFile, "utf8")).toBe("class-dir /workspace\n");
      for (const dir of [paths.restartDir, paths.stateDir, paths.devtoolsDir]) expect((await stat(dir)).mode & 0o777).toBe(0o775);
      expect(await readFile(join(paths.layerDir, "env.launch", "RELOADABLE_HOTSWAP_MARKER.default"), "utf8")).toBe(paths.restartMarker);
      await expect(stat(join(paths.layerDir, "stale"))).rejects.toThrow();
      expect(await readFile(join(layers, "hotswap.toml"), "utf8")).toMatch(/launch = true/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
