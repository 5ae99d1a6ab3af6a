// Builds reloadable-hotswap.jar (into dist/sea/; build-sea.mjs links it to bin/): Reloadable's hot
// swap agent (src/java-agent/), compiled with the machine's JDK (17) for Java 8, and jarred with
// a fixed date, so the same sources give the same bytes. Java 8: the agent is in
// JAVA_TOOL_OPTIONS of every JVM app the buildpack makes reloadable, and a JVM that cannot load
// an agent's class refuses to start (Paketo's JREs go back to 8, and Spring Boot 2 apps run on 8
// and 11). No library: java.instrument is all it uses.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const AGENT_JAR = "reloadable-hotswap.jar";

function javaSources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return javaSources(path);
    return name.endsWith(".java") ? [path] : [];
  });
}

export function buildJavaAgent(root, jar) {
  const sources = javaSources(join(root, "src", "java-agent"));
  const out = join(root, "dist", "java-agent");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, "classes"), { recursive: true });
  execFileSync("javac", ["--release", "8", "-Xlint:all,-options", "-Werror", "-encoding", "UTF-8", "-d", join(out, "classes"), ...sources], { stdio: "inherit" });
  const manifest = join(out, "MANIFEST.MF");
  writeFileSync(
    manifest,
    [
      "Premain-Class: reloadable.hotswap.Agent",
      "Can-Redefine-Classes: true",
      "Main-Class: reloadable.hotswap.Main",
      "Implementation-Title: Reloadable hot swap agent",
      "",
    ].join("\n"),
  );
  rmSync(jar, { force: true });
  execFileSync("jar", ["--create", "--date=2000-01-01T00:00:02Z", "--file", jar, "--manifest", manifest, "-C", join(out, "classes"), "."], { stdio: "inherit" });
  return jar;
}
