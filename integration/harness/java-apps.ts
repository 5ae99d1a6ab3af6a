// The JVM apps the tests build for real: the java-plain fixture (javac) and the Spring Boot
// example (Maven), laid out as pack leaves a JAR in /workspace (exploded).
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fixturesDir, repoRoot, scratchRoot } from "./paths.ts";

export const springExample = join(repoRoot, "examples", "java-spring-boot");

/** Temp dirs for built apps; `removeAll` when the test file is done. */
export class JavaWorkspace {
  private readonly dirs: string[] = [];

  tempDir(name: string): string {
    const dir = mkdtempSync(join(scratchRoot(), `reloadable-java-${name}-`));
    this.dirs.push(dir);
    return dir;
  }

  removeAll(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }

  /** The plain app compiled by javac into an exploded-JAR layout, with the greeting built in. */
  buildPlain(greeting: string): string {
    const out = this.tempDir("plain");
    execFileSync("bash", [join(fixturesDir, "apps", "java-plain", "build.sh"), out, greeting], { stdio: "pipe" });
    return out;
  }

  /**
   * A Gradle-style distribution of the plain app (what Paketo's dist-zip runs): bin/app, a start
   * script, and lib/app.jar (Main-Class app.Main) with lib/util.jar.
   */
  buildDistribution(greeting: string): string {
    const exploded = this.buildPlain(greeting);
    const out = this.tempDir("dist");
    execFileSync("bash", ["-c", `mkdir -p "$1/app/bin" "$1/app/lib" && cp "$2/lib/util.jar" "$1/app/lib/" && jar --create --file "$1/app/lib/app.jar" --manifest "$2/META-INF/MANIFEST.MF" -C "$2" app`, "_", out, exploded]);
    writeFileSync(join(out, "app", "bin", "app"), '#!/bin/sh\nAPP_HOME=$(cd "$(dirname "$0")/.." && pwd)\nexec java -cp "$APP_HOME/lib/app.jar:$APP_HOME/lib/util.jar" app.Main "$@"\n', { mode: 0o755 });
    return out;
  }

  /** The Spring Boot example: a developer's checkout (Maven-built), and the JAR exploded. */
  buildSpringBoot(): SpringBootBuild {
    const checkout = this.tempDir("checkout");
    cpSync(springExample, checkout, { recursive: true, filter: (src) => !src.includes("/target") });
    execFileSync("mvn", ["-q", "-B", "package", "-DskipTests"], { cwd: checkout, stdio: "pipe" });
    const jar = readdirSync(join(checkout, "target")).find((f) => f.endsWith(".jar"));
    if (jar === undefined) throw new Error("mvn package made no JAR");
    const exploded = this.tempDir("exploded");
    execFileSync("jar", ["xf", join(checkout, "target", jar)], { cwd: exploded });
    return new SpringBootBuild(checkout, exploded);
  }
}

export class SpringBootBuild {
  constructor(
    readonly checkout: string,
    readonly exploded: string,
  ) {}

  private get controller(): string {
    return join(this.checkout, "src/main/java/com/example/reloadable/GreetingController.java");
  }

  /**
   * Puts `greeting` into the controller and compiles as the IDE or `mvn -o compile` would.
   * Returns the class files that changed, relative to the checkout (what Tilt would sync).
   */
  editGreeting(greeting: string): string[] {
    const compiledBefore = Date.now();
    writeFileSync(this.controller, readFileSync(this.controller, "utf8").replace(/hello from spring boot [^\\"]*/, `hello from spring boot ${greeting}`));
    execFileSync("mvn", ["-o", "-q", "-B", "compile"], { cwd: this.checkout, stdio: "pipe" });
    return readdirSync(join(this.checkout, "target", "classes"), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name))
      .filter((f) => statSync(f).mtimeMs >= compiledBefore - 1000)
      .map((f) => relative(this.checkout, f));
  }
}
