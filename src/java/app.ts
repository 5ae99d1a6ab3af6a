import { readdir, readFile } from "node:fs/promises";
import { exists } from "../files.ts";
import { join } from "node:path";
import { ContractError } from "../errors.ts";
import { parseManifest, type Manifest } from "./manifest.ts";
import { readZipEntry } from "./zip.ts";

export const BOOT_LAUNCHERS = [
  "org.springframework.boot.loader.launch.JarLauncher", // Spring Boot 3.2+
  "org.springframework.boot.loader.JarLauncher", // up to 3.1
] as const;

/** What kind of JVM app the app dir holds, with what the processes and defaults need. */
export type JavaApp =
  | { kind: "spring-boot"; startClass: string; launcher: string | undefined; classes: string; lib: string; devtools: boolean }
  | { kind: "exploded"; mainClass: string | undefined; classPath: string[] }
  | { kind: "jar"; jar: string; mainClass: string };

function classFile(className: string): string {
  return `${className.replaceAll(".", "/")}.class`;
}

function fromExploded(manifest: Manifest): Omit<Extract<JavaApp, { kind: "exploded" }>, never> {
  const classPath = (manifest.get("Class-Path") ?? "").split(" ").filter((p) => p !== "");
  return { kind: "exploded", mainClass: manifest.get("Main-Class"), classPath };
}

/**
 * An exploded JAR (what pack leaves in the app dir when given a JAR: `META-INF/MANIFEST.MF` at
 * the top), Spring Boot's layout of one, or a single executable JAR. Undefined otherwise.
 */
export async function detectJavaApp(appDir: string): Promise<JavaApp | undefined> {
  const manifestPath = join(appDir, "META-INF", "MANIFEST.MF");
  const content = await readFile(manifestPath).catch(() => undefined);
  if (content !== undefined) {
    const manifest = parseManifest(content, manifestPath);
    const startClass = manifest.get("Start-Class");
    if (startClass !== undefined || manifest.get("Spring-Boot-Classes") !== undefined) {
      const classes = (manifest.get("Spring-Boot-Classes") ?? "BOOT-INF/classes/").replace(/\/$/, "");
      const lib = (manifest.get("Spring-Boot-Lib") ?? "BOOT-INF/lib/").replace(/\/$/, "");
      let launcher: string | undefined;
      for (const candidate of BOOT_LAUNCHERS) {
        if (await exists(join(appDir, classFile(candidate)))) {
          launcher = candidate;
          break;
        }
      }
      const libs = await readdir(join(appDir, lib)).catch(() => [] as string[]);
      return {
        kind: "spring-boot",
        startClass: startClass ?? manifest.get("Main-Class") ?? "",
        launcher,
        classes,
        lib,
        devtools: libs.some((f) => /^spring-boot-devtools-.*\.jar$/.test(f)),
      };
    }
    return fromExploded(manifest);
  }

  const entries = await readdir(appDir, { withFileTypes: true }).catch(() => []);
  const jars = entries.filter((e) => e.isFile() && e.name.endsWith(".jar")).map((e) => e.name);
  const executable: { jar: string; mainClass: string }[] = [];
  for (const jar of jars) {
    // A .jar that is no ZIP is not an executable JAR; it must not fail the build of any app.
    const entry = await readZipEntry(join(appDir, jar), "META-INF/MANIFEST.MF").catch((error: unknown) => {
      if (error instanceof ContractError) return undefined;
      throw error;
    });
    const mainClass = entry === undefined ? undefined : parseManifest(entry, `${jar}!/META-INF/MANIFEST.MF`).get("Main-Class");
    if (mainClass !== undefined) executable.push({ jar, mainClass });
  }
  const only = executable.length === 1 ? executable[0] : undefined;
  return only === undefined ? undefined : { kind: "jar", ...only };
}
