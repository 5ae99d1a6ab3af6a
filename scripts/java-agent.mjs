// Builds bin/reloadable-hotswap.jar: Reloadable's hot swap agent (src/java-agent/), compiled with
// the machine's JDK for Java 17 (the oldest JVM it runs in) and jarred with a fixed date, so the
// same sources give the same bytes. No library: the JDK's java.instrument is all it uses.
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

export function buildJavaAgent(root) {
  const sources = javaSources(join(root, "src", "java-agent"));
  const out = join(root, "dist", "java-agent");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, "classes"), { recursive: true });
  execFileSync("javac", ["--release", "17", "-Xlint:all", "-Werror", "-encoding", "UTF-8", "-d", join(out, "classes"), ...sources], { stdio: "inherit" });
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
  const jar = join(root, "bin", AGENT_JAR);
  rmSync(jar, { force: true });
  execFileSync("jar", ["--create", "--date=2000-01-01T00:00:02Z", "--file", jar, "--manifest", manifest, "-C", join(out, "classes"), "."], { stdio: "inherit" });
  return jar;
}
