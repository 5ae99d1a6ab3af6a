import { describe, expect, it } from "vitest";
import type { ConfigurationDeclaration, Platform } from "./cnb/types.ts";
import { ENABLED, parseFlag, Settings, WATCHEXEC_VERSION } from "./config.ts";
import { ConfigurationError } from "./errors.ts";

describe("parseFlag", () => {
  it.each<[string | undefined, boolean, boolean]>([
    ["true", false, true],
    ["1", false, true],
    ["yes", false, true],
    ["on", false, true],
    ["TRUE", false, true],
    ["True", false, true],
    ["YES", false, true],
    [" On ", false, true],
    ["true\n", false, true],
    ["false", true, false],
    ["0", true, false],
    ["no", true, false],
    ["off", true, false],
    ["FALSE", true, false],
    ["\tOff", true, false],
    [undefined, false, false],
    [undefined, true, true],
    ["", false, false],
    ["", true, true],
    ["   ", true, true],
  ])("%j (default %s) -> %s", (value, defaultValue, expected) => {
    expect(parseFlag(ENABLED, value, defaultValue)).toBe(expected);
  });

  it("defaults to false", () => {
    expect(parseFlag(ENABLED, undefined)).toBe(false);
  });

  it.each(["ture", "2", "enable", "enabled", "y", "n", "-1", "truefalse", "on off"])("%j -> ConfigurationError", (value) => {
    let error: unknown;
    try {
      parseFlag(ENABLED, value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const config = error as ConfigurationError;
    expect(config.variable).toBe(ENABLED);
    expect(config.value).toBe(value);
    expect(config.message).toBe(
      `BP_LIVE_RELOAD_ENABLED=${JSON.stringify(value)} is not a boolean: accepted values are true, 1, yes, on, false, 0, no, off (case-insensitive)`,
    );
    expect(config.fix).toBe("Set BP_LIVE_RELOAD_ENABLED to true to enable live reload, or false (or unset it) to disable it.");
  });

  it("names the variable it was given", () => {
    expect(() => parseFlag("BP_OTHER", "maybe")).toThrow(/^BP_OTHER="maybe" is not a boolean/);
  });
});

describe("Settings", () => {
  const declarations: ConfigurationDeclaration[] = [
    { name: ENABLED, default: "false", description: "whether to make the app's processes live-reloadable", build: true, launch: false },
    { name: WATCHEXEC_VERSION, default: "*", description: "the watchexec version to install", build: true, launch: false },
    { name: "BP_LAUNCH_ONLY", default: "x", description: "read at launch", build: false, launch: true },
  ];
  const platform = (env: Record<string, string>): Platform => ({ dir: "/platform", env, bindings: [] });

  it.each<{ name: string; env: Record<string, string>; processEnv: NodeJS.ProcessEnv; raw: string | undefined; value: string }>([
    { name: "unset: the declared default", env: {}, processEnv: {}, raw: undefined, value: "*" },
    { name: "from the process env", env: {}, processEnv: { [WATCHEXEC_VERSION]: "2.5.0" }, raw: "2.5.0", value: "2.5.0" },
    {
      name: "the platform env file wins",
      env: { [WATCHEXEC_VERSION]: "2.4.1" },
      processEnv: { [WATCHEXEC_VERSION]: "2.5.0" },
      raw: "2.4.1",
      value: "2.4.1",
    },
    { name: "one trailing newline of an env file is dropped", env: { [WATCHEXEC_VERSION]: "2.4.1\n" }, processEnv: {}, raw: "2.4.1", value: "2.4.1" },
    { name: "a CRLF too", env: { [WATCHEXEC_VERSION]: "2.4.1\r\n" }, processEnv: {}, raw: "2.4.1", value: "2.4.1" },
    { name: "an empty env file is a value", env: { [WATCHEXEC_VERSION]: "" }, processEnv: {}, raw: "", value: "" },
  ])("raw and value: $name", ({ env, processEnv, raw, value }) => {
    const settings = new Settings(platform(env), processEnv, declarations);
    expect(settings.raw(WATCHEXEC_VERSION)).toBe(raw);
    expect(settings.value(WATCHEXEC_VERSION)).toBe(value);
  });

  it.each<{ name: string; env: Record<string, string>; processEnv: NodeJS.ProcessEnv; expected: Record<string, string> }>([
    { name: "none set", env: {}, processEnv: { PATH: "/bin" }, expected: {} },
    {
      name: "from env files and the process env, sorted, the env file winning",
      env: { BP_DEPENDENCY_MIRROR_GITHUB_COM: "https://a\n", BP_DEPENDENCY_MIRROR: "https://b" },
      processEnv: { BP_DEPENDENCY_MIRROR: "https://c", BP_DEPENDENCY_MIRROR_EXAMPLE_COM: "https://d", BP_OTHER: "x" },
      expected: { BP_DEPENDENCY_MIRROR: "https://b", BP_DEPENDENCY_MIRROR_EXAMPLE_COM: "https://d", BP_DEPENDENCY_MIRROR_GITHUB_COM: "https://a" },
    },
    { name: "the prefix is case-sensitive, as in libpak", env: { bp_dependency_mirror: "https://a" }, processEnv: {}, expected: {} },
    { name: "an unset process variable is not a value", env: {}, processEnv: { BP_DEPENDENCY_MIRROR: undefined }, expected: {} },
  ])("withPrefix: $name", ({ env, processEnv, expected }) => {
    expect(new Settings(platform(env), processEnv, declarations).withPrefix("BP_DEPENDENCY_MIRROR")).toEqual(expected);
  });

  it("value of an undeclared, unset variable is empty", () => {
    expect(new Settings(platform({}), {}, declarations).value("BP_NOPE")).toBe("");
  });

  it("table: a header, then each build variable with the value in effect, its default and description", () => {
    const settings = new Settings(platform({ [ENABLED]: "true\n" }), { [WATCHEXEC_VERSION]: "2.5.*", BP_LAUNCH_ONLY: "y" }, declarations);
    expect(settings.table()).toEqual([
      ["Variable", "Value", "Default", "Description"],
      [ENABLED, "true", "false", "whether to make the app's processes live-reloadable"],
      [WATCHEXEC_VERSION, "2.5.*", "*", "the watchexec version to install"],
    ]);
  });

  it("table: unset variables show their default as the value", () => {
    expect(new Settings(platform({}), {}, declarations).table()).toEqual([
      ["Variable", "Value", "Default", "Description"],
      [ENABLED, "false", "false", "whether to make the app's processes live-reloadable"],
      [WATCHEXEC_VERSION, "*", "*", "the watchexec version to install"],
    ]);
  });

  it("table: values worked out by the build win over the user's and the default (a JVM app's stop timeout, trigger mode's window)", () => {
    const settings = new Settings(platform({ [WATCHEXEC_VERSION]: "2.5.*" }), {}, declarations);
    expect(settings.table({ [WATCHEXEC_VERSION]: "2.5.1", [ENABLED]: "true" })).toEqual([
      ["Variable", "Value", "Default", "Description"],
      [ENABLED, "true", "false", "whether to make the app's processes live-reloadable"],
      [WATCHEXEC_VERSION, "2.5.1", "*", "the watchexec version to install"],
    ]);
  });
});
