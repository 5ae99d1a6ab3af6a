import { describe, expect, it } from "vitest";
import type { Platform } from "./cnb/types.ts";
import { ENABLED, Settings } from "./config.ts";
import { detect } from "./detect.ts";
import { ConfigurationError } from "./errors.ts";

function settings(env: Record<string, string>, processEnv: NodeJS.ProcessEnv = {}): Settings {
  const platform: Platform = { dir: "/platform", env, bindings: [] };
  return new Settings(platform, processEnv, [{ name: ENABLED, default: "false", description: "", build: true, launch: false }]);
}

const notJava = async () => false;

const PASS = { pass: true, plan: { provides: [{ name: "watchexec" }], requires: [{ name: "watchexec" }] } };

describe("detect", () => {
  it.each<[string, Record<string, string>, NodeJS.ProcessEnv]>([
    ["unset", {}, {}],
    ["empty", { [ENABLED]: "" }, {}],
    ["false", { [ENABLED]: "false" }, {}],
    ["0", { [ENABLED]: "0" }, {}],
    ["off, with a newline", { [ENABLED]: "off\n" }, {}],
    ["false in the env file over true in the process env", { [ENABLED]: "false" }, { [ENABLED]: "true" }],
  ])("%s -> fail naming %s", async (_name, env, processEnv) => {
    const result = await detect(settings(env, processEnv), notJava);
    expect(result.pass).toBe(false);
    expect(!result.pass && result.reason).toBe(`${ENABLED} is not true: live reload is off (enable it with -e ${ENABLED}=true)`);
  });

  it.each<[string, Record<string, string>, NodeJS.ProcessEnv]>([
    ["true", { [ENABLED]: "true" }, {}],
    ["TRUE with a newline", { [ENABLED]: "TRUE\n" }, {}],
    ["1", { [ENABLED]: "1" }, {}],
    ["yes", { [ENABLED]: "yes" }, {}],
    ["on in the process env", {}, { [ENABLED]: "on" }],
  ])("%s -> pass with a plan that provides and requires watchexec", async (_name, env, processEnv) => {
    expect(await detect(settings(env, processEnv), notJava)).toEqual(PASS);
  });

  it("a JVM app asks for a jre at launch, with the watchexec-only plan as the alternative", async () => {
    expect(await detect(settings({ [ENABLED]: "true" }), async () => true)).toEqual({
      pass: true,
      plan: {
        provides: [{ name: "watchexec" }],
        requires: [{ name: "watchexec" }, { name: "jre", metadata: { launch: true } }],
        or: [PASS.plan],
      },
    });
  });

  it("does not look at the app when disabled", async () => {
    let looked = false;
    await detect(settings({}), async () => (looked = true));
    expect(looked).toBe(false);
  });

  it.each<[string, Record<string, string>, NodeJS.ProcessEnv]>([
    ["ture", { [ENABLED]: "ture" }, {}],
    ["enabled", { [ENABLED]: "enabled" }, {}],
    ["ture in the process env", {}, { [ENABLED]: "ture" }],
  ])("%s -> ConfigurationError", async (_name, env, processEnv) => {
    let error: unknown;
    try {
      await detect(settings(env, processEnv), notJava);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).variable).toBe(ENABLED);
    expect((error as ConfigurationError).message).toMatch(new RegExp(`^${ENABLED}=".*" is not a boolean`));
  });
});
