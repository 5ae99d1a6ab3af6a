import { describe, expect, it } from "vitest";
import type { Process } from "../cnb/types.ts";
import type { JavaApp } from "./app.ts";
import { describeJavaApp, javaProcesses, javaReloadDefaults, JVM_STOP_TIMEOUT, type JavaReloadDefaults } from "./processes.ts";

const APP = "/workspace";
const NEW_LAUNCHER = "org.springframework.boot.loader.launch.JarLauncher";
const OLD_LAUNCHER = "org.springframework.boot.loader.JarLauncher";

function boot(overrides: Partial<Extract<JavaApp, { kind: "spring-boot" }>> = {}): JavaApp {
  return { kind: "spring-boot", startClass: "com.example.Demo", launcher: NEW_LAUNCHER, classes: "BOOT-INF/classes", lib: "BOOT-INF/lib", devtools: false, ...overrides };
}

function exploded(mainClass: string | undefined, classPath: string[] = []): JavaApp {
  return { kind: "exploded", mainClass, classPath };
}

const PACKED: JavaApp = { kind: "jar", jar: "x.jar", mainClass: "app.Main" };

function web(command: string[]): Process {
  return { type: "web", command, args: [], default: true };
}

describe("javaProcesses", () => {
  it.each<[string, JavaApp, string, string[]]>([
    ["Spring Boot 3.2+: the launcher over the app dir", boot(), APP, ["java", "-cp", APP, NEW_LAUNCHER]],
    ["Spring Boot <= 3.1: the old launcher", boot({ launcher: OLD_LAUNCHER }), APP, ["java", "-cp", APP, OLD_LAUNCHER]],
    ["Spring Boot never runs Start-Class directly", boot({ startClass: "x.Y", devtools: true }), "/app", ["java", "-cp", "/app", NEW_LAUNCHER]],
    [
      "exploded with Class-Path",
      exploded("app.Main", ["lib/a.jar", "lib/b.jar"]),
      APP,
      ["java", "-cp", `${APP}:${APP}/lib/a.jar:${APP}/lib/b.jar`, "app.Main"],
    ],
    ["exploded without Class-Path", exploded("app.Main"), APP, ["java", "-cp", APP, "app.Main"]],
    ["exploded, Class-Path entries are relative to the app dir", exploded("app.Main", ["a.jar", "deps/x/y.jar"]), "/srv/app", ["java", "-cp", "/srv/app:/srv/app/a.jar:/srv/app/deps/x/y.jar", "app.Main"]],
    ["packed JAR", PACKED, APP, ["java", "-jar", `${APP}/x.jar`]],
  ])("%s", (_name, app, appDir, command) => {
    const result = javaProcesses(app, appDir);
    expect(result.processes).toEqual([web(command)]);
    if (app.kind !== "jar") expect(result.warnings).toEqual([]);
  });

  it("web is the one process and the default", () => {
    for (const app of [boot(), exploded("app.Main"), PACKED]) {
      const { processes } = javaProcesses(app, APP);
      expect(processes.map((p) => [p.type, p.default])).toEqual([["web", true]]);
      expect(processes[0]?.args).toEqual([]);
    }
  });

  it("packed JAR: warns that every reload syncs the whole JAR", () => {
    const { warnings } = javaProcesses({ kind: "jar", jar: "demo-0.0.1.jar", mainClass: "app.Main" }, APP);
    expect(warnings).toEqual([
      "demo-0.0.1.jar is a packed JAR: every reload needs the whole JAR synced. Give pack the JAR (pack build --path app.jar) so the app dir holds it exploded, and sync class files instead.",
    ]);
  });

  it.each<[string, JavaApp, string]>([
    ["Spring Boot without a launcher class", boot({ launcher: undefined }), "Spring Boot app without a JarLauncher class in the app dir: no web process declared"],
    ["exploded without Main-Class", exploded(undefined, ["lib/a.jar"]), "META-INF/MANIFEST.MF has no Main-Class: no web process declared"],
  ])("%s: a warning and no process", (_name, app, warning) => {
    expect(javaProcesses(app, APP)).toEqual({ processes: [], warnings: [warning] });
  });
});

describe("javaReloadDefaults", () => {
  it.each<[string, JavaApp, string, JavaReloadDefaults]>([
    [
      "Spring Boot: the classes dir, the dependency JARs (a changed one needs a new JVM) and META-INF",
      boot(),
      APP,
      { watch: [`${APP}/BOOT-INF/classes`, `${APP}/BOOT-INF/lib`, `${APP}/META-INF`], stopTimeout: "20s" },
    ],
    [
      "Spring Boot with devtools: the same (the plan changes it)",
      boot({ devtools: true, launcher: undefined }),
      APP,
      { watch: [`${APP}/BOOT-INF/classes`, `${APP}/BOOT-INF/lib`, `${APP}/META-INF`], stopTimeout: "20s" },
    ],
    [
      "Spring Boot: the dirs the manifest names",
      boot({ classes: "WEB-INF/classes", lib: "WEB-INF/lib" }),
      "/srv/app",
      { watch: ["/srv/app/WEB-INF/classes", "/srv/app/WEB-INF/lib", "/srv/app/META-INF"], stopTimeout: "20s" },
    ],
    ["exploded: the app dir, its Class-Path dirs included", exploded("app.Main", ["lib/a.jar", "lib/b.jar"]), APP, { watch: [APP], stopTimeout: "20s" }],
    ["exploded without Class-Path", exploded("app.Main"), APP, { watch: [APP], stopTimeout: "20s" }],
    ["exploded without Main-Class", exploded(undefined, ["lib/a.jar"]), APP, { watch: [APP], stopTimeout: "20s" }],
    ["packed JAR: the app dir", PACKED, APP, { watch: [APP], stopTimeout: "20s" }],
  ])("%s", (_name, app, appDir, expected) => {
    expect(javaReloadDefaults(app, appDir)).toEqual(expected);
  });

  it("the stop timeout is 20s", () => {
    expect(JVM_STOP_TIMEOUT).toBe("20s");
  });
});

describe("describeJavaApp", () => {
  it.each<[string, JavaApp, string]>([
    ["Spring Boot", boot(), `Spring Boot, ${NEW_LAUNCHER}, Start-Class com.example.Demo`],
    ["Spring Boot with DevTools", boot({ devtools: true }), `Spring Boot, ${NEW_LAUNCHER}, Start-Class com.example.Demo, DevTools in BOOT-INF/lib`],
    ["Spring Boot with the old launcher", boot({ launcher: OLD_LAUNCHER }), `Spring Boot, ${OLD_LAUNCHER}, Start-Class com.example.Demo`],
    ["Spring Boot without a launcher", boot({ launcher: undefined }), "Spring Boot, no JarLauncher, Start-Class com.example.Demo"],
    ["exploded", exploded("app.Main", ["lib/a.jar"]), "exploded JAR, Main-Class app.Main"],
    ["exploded without Main-Class", exploded(undefined), "exploded JAR, Main-Class (none)"],
    ["packed", PACKED, "packed JAR x.jar"],
  ])("%s", (_name, app, text) => {
    expect(describeJavaApp(app)).toBe(text);
  });
});
