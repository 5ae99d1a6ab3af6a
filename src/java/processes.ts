import { join } from "node:path";
import type { Process } from "../cnb/types.ts";
import type { JavaApp } from "./app.ts";

export interface JavaProcesses {
  processes: Process[];
  warnings: string[];
}

/**
 * The `web` process for a JVM app that no earlier buildpack gave one (no JVM buildpack, or one
 * that declares no processes).
 */
export function javaProcesses(app: JavaApp, appDir: string): JavaProcesses {
  const web = (command: string[]): Process => ({ type: "web", command, args: [], default: true });
  switch (app.kind) {
    case "spring-boot": {
      // Run Boot's own launcher over the exploded JAR, never Start-Class directly: the launcher
      // builds the class path from BOOT-INF/classes and BOOT-INF/lib.
      if (app.launcher === undefined) {
        return { processes: [], warnings: ["Spring Boot app without a JarLauncher class in the app dir: no web process declared"] };
      }
      return { processes: [web(["java", "-cp", appDir, app.launcher])], warnings: [] };
    }
    case "exploded": {
      if (app.mainClass === undefined) return { processes: [], warnings: ["META-INF/MANIFEST.MF has no Main-Class: no web process declared"] };
      const classPath = [appDir, ...app.classPath.map((entry) => join(appDir, entry))].join(":");
      return { processes: [web(["java", "-cp", classPath, app.mainClass])], warnings: [] };
    }
    case "jar":
      return {
        processes: [web(["java", "-jar", join(appDir, app.jar)])],
        warnings: [
          `${app.jar} is a packed JAR: every reload needs the whole JAR synced. Give pack the JAR (pack build --path app.jar) so the app dir holds it exploded, and sync class files instead.`,
        ],
      };
  }
}

export function describeJavaApp(app: JavaApp): string {
  switch (app.kind) {
    case "spring-boot":
      return `Spring Boot, ${app.launcher ?? "no JarLauncher"}, Start-Class ${app.startClass}${app.devtools ? ", DevTools in " + app.lib : ""}`;
    case "exploded":
      return `exploded JAR, Main-Class ${app.mainClass ?? "(none)"}`;
    case "jar":
      return `packed JAR ${app.jar}`;
  }
}

export interface JavaReloadDefaults {
  /** Absolute paths to watch. */
  watch: string[];
  /** Long enough for a JVM's graceful shutdown (Spring Boot's is on by default from 3.4). */
  stopTimeout: string;
}

export const JVM_STOP_TIMEOUT = "20s";

/**
 * What changes between syncs of a JVM app. The dependency JARs are watched too: a changed JAR
 * needs a new JVM, and with nothing watching it the app kept running the old one. (With
 * DevTools, planJvmReload narrows this to BOOT-INF/lib: DevTools reloads the classes itself.)
 * No ignores of the app's own: watchexec anchors a glob with a "/" at its project origin, which
 * moves with the markers it finds (package.json, pom.xml, .git...), so `lib/**` could miss.
 */
export function javaReloadDefaults(app: JavaApp, appDir: string): JavaReloadDefaults {
  switch (app.kind) {
    case "spring-boot":
      return { watch: [join(appDir, app.classes), join(appDir, app.lib), join(appDir, "META-INF")], stopTimeout: JVM_STOP_TIMEOUT };
    case "exploded":
    case "jar":
      return { watch: [appDir], stopTimeout: JVM_STOP_TIMEOUT };
  }
}
