import { spawnSync } from "node:child_process";
import { lstat, readdir, readFile, readlink, stat } from "node:fs/promises";
import { join } from "node:path";
import TOML from "@iarna/toml";
import { describe, expect, it } from "vitest";
import { testdirsRemovedAfterEach, type TestDir, type TreeEntry } from "../testing/testdir.ts";
import { contributeHelpers, HELPER_BINARY } from "./helpers.ts";
import { EXEC_HELPER, INIT, PROFILE_SHELL, SETTLE, TAR, TOOL, TRIGGER_WRITER } from "./own-programs.ts";

const tempdir = testdirsRemovedAfterEach();

/** A stand-in for the static helper: like it, it dispatches on the name it was run by. */
const FAKE_HELPER = '#!/bin/sh\necho "helper run as $(basename "$0")"\n';
const PROFILE = "#!/bin/bash\necho profile shell\n";

async function setup(extra: Record<string, TreeEntry> = {}): Promise<{ dir: TestDir; layers: string; buildpack: string; bin: string }> {
  const dir = await tempdir({ [`buildpack/bin/${HELPER_BINARY}`]: { content: FAKE_HELPER, mode: 0o755 }, "layers/me/": "", ...extra });
  return { dir, layers: dir.join("layers", "me"), buildpack: dir.join("buildpack"), bin: dir.join("layers", "me", "helpers", "bin") };
}

/** The names the one helper binary runs as (src/native/helper.c dispatches on them). */
const HELPER_NAMES = [INIT, EXEC_HELPER, SETTLE, TAR, TRIGGER_WRITER, TOOL];

const runs = (program: string): string => spawnSync(program, [], { encoding: "utf8" }).stdout;

describe("contributeHelpers", () => {
  it.each<[string, string | undefined, string[]]>([
    ["without a profile shell", undefined, HELPER_NAMES],
    ["with a profile shell", PROFILE, [...HELPER_NAMES, PROFILE_SHELL]],
  ])("%s: a launch layer whose bin/ holds the helper and its names", async (_name, profileShell, programs) => {
    const { layers, buildpack, bin } = await setup();
    expect(await contributeHelpers(layers, buildpack, profileShell, { appDir: "/workspace" })).toEqual(programs);
    expect((await readdir(bin)).sort()).toEqual([HELPER_BINARY, ...programs].sort());
    expect(await readFile(join(bin, HELPER_BINARY), "utf8")).toBe(FAKE_HELPER);
    expect((await stat(join(bin, HELPER_BINARY))).mode & 0o777).toBe(0o755);
    // The helper's names are relative links, so they resolve in the image where the layer moves.
    for (const name of HELPER_NAMES) {
      expect((await lstat(join(bin, name))).isSymbolicLink()).toBe(true);
      expect(await readlink(join(bin, name))).toBe(HELPER_BINARY);
      expect(runs(join(bin, name))).toBe(`helper run as ${name}\n`);
    }
    if (profileShell !== undefined) {
      expect(await readFile(join(bin, PROFILE_SHELL), "utf8")).toBe(profileShell);
      expect((await stat(join(bin, PROFILE_SHELL))).mode & 0o777).toBe(0o755);
      expect(runs(join(bin, PROFILE_SHELL))).toBe("profile shell\n");
    }
    expect(TOML.parse(await readFile(join(layers, "helpers.toml"), "utf8"))).toEqual({ types: { launch: true, build: false, cache: false }, metadata: { helpers: programs } });
  });

  it("replaces what a previous build left, a profile shell no longer needed included", async () => {
    const { layers, buildpack, bin } = await setup({
      "layers/me/helpers.toml": '[types]\nlaunch = true\n[metadata]\nhelpers = ["old"]\n',
      "layers/me/helpers/bin/reloadable-shell": "old shell",
      "layers/me/helpers/bin/stale": "x",
    });
    await contributeHelpers(layers, buildpack, undefined, { appDir: "/workspace" });
    expect((await readdir(bin)).sort()).toEqual([HELPER_BINARY, ...HELPER_NAMES].sort());
    await contributeHelpers(layers, buildpack, PROFILE, { appDir: "/workspace" });
    expect(await readFile(join(bin, PROFILE_SHELL), "utf8")).toBe(PROFILE);
  });

  it.each<[string, string | undefined, Record<string, string>]>([
    ["app-dir mode", undefined, { "RELOADABLE_APP_DIR.default": "/workspace" }],
    ["trigger mode", "/layers/me/trigger", { "RELOADABLE_APP_DIR.default": "/workspace", "RELOADABLE_TRIGGER_DIR.default": "/layers/me/trigger" }],
  ])("%s: the launch env tells the helpers the app dir (and the trigger dir)", async (_name, triggerDir, files) => {
    const { layers, buildpack } = await setup();
    await contributeHelpers(layers, buildpack, undefined, { appDir: "/workspace", triggerDir });
    const env = join(layers, "helpers", "env.launch");
    expect((await readdir(env)).sort()).toEqual(Object.keys(files).sort());
    for (const [file, value] of Object.entries(files)) expect(await readFile(join(env, file), "utf8")).toBe(value);
  });

  it("a buildpack without the helper binary: an error naming it, no temp file left", async () => {
    const dir = await tempdir({ "buildpack/bin/": "", "layers/me/": "" });
    await expect(contributeHelpers(dir.join("layers", "me"), dir.join("buildpack"), undefined, { appDir: "/workspace" })).rejects.toMatchObject({ code: "ENOENT", message: expect.stringContaining(HELPER_BINARY) });
    expect(await readdir(dir.join("layers", "me", "helpers", "bin")).catch(() => [])).toEqual([]);
  });
});
