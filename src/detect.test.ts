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

/** watchexec from an earlier buildpack (Paketo's), needed at launch; Reloadable provides none. */
const EARLIER_WATCHEXEC = { provides: [], requires: [{ name: "watchexec", metadata: { launch: true } }] };
/** Reloadable's own watchexec: the plan is valid alone or last in any group. */
const OWN_WATCHEXEC = { provides: [{ name: "watchexec" }], requires: [{ name: "watchexec", metadata: { launch: true } }] };
const JRE = { name: "jre", metadata: { launch: true } };

const PASS = { pass: true, plan: { ...EARLIER_WATCHEXEC, or: [OWN_WATCHEXEC] } };

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
  ])("%s -> pass: an earlier buildpack's watchexec first, its own second", async (_name, env, processEnv) => {
    expect(await detect(settings(env, processEnv), notJava)).toEqual(PASS);
  });

  it("a JVM app asks for a jre at launch in the first two alternatives, then the same two without", async () => {
    expect(await detect(settings({ [ENABLED]: "true" }), async () => true)).toEqual({
      pass: true,
      plan: {
        provides: [],
        requires: [{ name: "watchexec", metadata: { launch: true } }, JRE],
        or: [
          { provides: [{ name: "watchexec" }], requires: [{ name: "watchexec", metadata: { launch: true } }, JRE] },
          EARLIER_WATCHEXEC,
          OWN_WATCHEXEC,
        ],
      },
    });
  });

  // The lifecycle takes the first alternative whose requires are all provided in the group and
  // whose provides are all required: check each alternative stands on its own.
  it.each<[string, boolean]>([
    ["not a JVM app", false],
    ["a JVM app", true],
  ])("%s: every alternative provides only what it requires", async (_name, java) => {
    const result = await detect(settings({ [ENABLED]: "true" }), async () => java);
    if (!result.pass) throw new Error(result.reason);
    const { or, ...first } = result.plan;
    for (const plan of [first, ...(or ?? [])]) {
      expect("or" in plan).toBe(false);
      const required = plan.requires.map((r) => r.name);
      for (const provided of plan.provides) expect(required).toContain(provided.name);
      expect(required).toContain("watchexec");
    }
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
