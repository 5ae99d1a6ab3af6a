import { readdir, readFile, stat } from "node:fs/promises";
import TOML from "@iarna/toml";
import { afterEach, describe, expect, it } from "vitest";
import { testdir, type TestDir, testdirsRemovedAfterEach } from "../testing/testdir.ts";
import { contributeJvmOptions, DEFAULT_JVM_OPTIONS, jvmOptionsFrom, JVM_OPTIONS } from "./jvm-options.ts";

const tempdir = testdirsRemovedAfterEach();

async function layers(): Promise<TestDir> {
  const dir = await tempdir({ "layers/": "" });
  return dir;
}

async function readToml(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(JSON.stringify(TOML.parse(await readFile(path, "utf8")))) as Record<string, unknown>;
}

describe("jvmOptionsFrom", () => {
  it.each<[string, string | undefined, string]>([
    ["unset -> the default", undefined, "-XX:TieredStopAtLevel=1"],
    ["empty -> none", "", ""],
    ["blank -> none", "  \t ", ""],
    ["set -> replaces the default, trimmed", "  -Xmx1g ", "-Xmx1g"],
    ["inner spaces kept", "-Xmx1g  -Xss512k", "-Xmx1g  -Xss512k"],
    ["the default spelled out", "-XX:TieredStopAtLevel=1", "-XX:TieredStopAtLevel=1"],
  ])("%s", (_name, raw, expected) => {
    expect(jvmOptionsFrom(raw)).toBe(expected);
  });

  it("names", () => {
    expect(JVM_OPTIONS).toBe("BP_LIVE_RELOAD_JVM_OPTIONS");
    expect(DEFAULT_JVM_OPTIONS).toBe("-XX:TieredStopAtLevel=1");
  });
});

describe("contributeJvmOptions", () => {
  it.each<[string, string[], string]>([
    ["one type", ["web"], "-XX:TieredStopAtLevel=1"],
    ["two types", ["web", "worker"], "-Xmx1g -Dspring.devtools.restart.enabled=true"],
  ])("%s: an append and a delim per type, launch-only", async (_name, types, options) => {
    const dir = await layers();
    await contributeJvmOptions(dir.join("layers"), types, options);

    const envLaunch = dir.join("layers", "jvm-options", "env.launch");
    expect((await readdir(envLaunch)).sort()).toEqual([...types].sort());
    for (const type of types) {
      expect((await readdir(`${envLaunch}/${type}`)).sort()).toEqual(["JAVA_TOOL_OPTIONS.append", "JAVA_TOOL_OPTIONS.delim"]);
      expect(await readFile(`${envLaunch}/${type}/JAVA_TOOL_OPTIONS.append`, "utf8")).toBe(options);
      expect(await readFile(`${envLaunch}/${type}/JAVA_TOOL_OPTIONS.delim`, "utf8")).toBe(" ");
    }
    // Nothing for every process (env/, env.launch/JAVA_TOOL_OPTIONS.*) or for the build.
    expect(await readdir(dir.join("layers", "jvm-options"))).toEqual(["env.launch"]);

    const toml = await readToml(dir.join("layers", "jvm-options.toml"));
    expect(toml.types).toEqual({ launch: true, build: false, cache: false });
    expect(toml.metadata).toEqual({ "java-tool-options": options, processes: types });
  });

  it("the TOML says [types] launch = true", async () => {
    const dir = await layers();
    await contributeJvmOptions(dir.join("layers"), ["web"], "-Xmx1g");
    const text = await readFile(dir.join("layers", "jvm-options.toml"), "utf8");
    expect(text).toMatch(/^\[types\]$/m);
    expect(text).toMatch(/^launch = true$/m);
  });

  it("a second call with other types removes the old type dirs", async () => {
    const dir = await layers();
    const root = dir.join("layers");
    await contributeJvmOptions(root, ["web", "worker"], "-Xmx1g");
    await contributeJvmOptions(root, ["api"], "-Xmx2g");

    const envLaunch = dir.join("layers", "jvm-options", "env.launch");
    expect(await readdir(envLaunch)).toEqual(["api"]);
    expect(await readFile(`${envLaunch}/api/JAVA_TOOL_OPTIONS.append`, "utf8")).toBe("-Xmx2g");
    const toml = await readToml(dir.join("layers", "jvm-options.toml"));
    expect(toml.metadata).toEqual({ "java-tool-options": "-Xmx2g", processes: ["api"] });
  });

  it("a second call with the same type replaces its options", async () => {
    const dir = await layers();
    const root = dir.join("layers");
    await contributeJvmOptions(root, ["web"], "-Xmx1g -Xss1m");
    await contributeJvmOptions(root, ["web"], "-Xmx2g");
    expect(await readFile(dir.join("layers", "jvm-options", "env.launch", "web", "JAVA_TOOL_OPTIONS.append"), "utf8")).toBe("-Xmx2g");
  });

  it("stray files in an old layer dir are removed", async () => {
    const dir = await tempdir({ "layers/jvm-options/env/JAVA_TOOL_OPTIONS": "-Xold", "layers/jvm-options/env.launch/old/JAVA_TOOL_OPTIONS.append": "-Xold" });
    await contributeJvmOptions(dir.join("layers"), ["web"], "-Xmx1g");
    expect(await readdir(dir.join("layers", "jvm-options"))).toEqual(["env.launch"]);
    expect(await readdir(dir.join("layers", "jvm-options", "env.launch"))).toEqual(["web"]);
  });

  it("a type with a dash (web-no-reload style names) is a dir of its own", async () => {
    const dir = await layers();
    await contributeJvmOptions(dir.join("layers"), ["my-web"], "-Xmx1g");
    expect((await stat(dir.join("layers", "jvm-options", "env.launch", "my-web", "JAVA_TOOL_OPTIONS.append"))).isFile()).toBe(true);
  });
});
