import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import TOML from "@iarna/toml";
import { describe, expect, it } from "vitest";
import type { EarlierBuildpack } from "../cnb/launch.ts";
import { testdirsRemovedAfterEach, type TestDir, type TreeEntry } from "../testing/testdir.ts";
import { contributeNoReloadEnv } from "./process-env.ts";

const tempdir = testdirsRemovedAfterEach();

const LAUNCH = "[types]\nlaunch = true\n";
const BUILD_ONLY = "[types]\nbuild = true\nlaunch = false\n";

/** Every file under `root`, relative, sorted, with its content. */
async function files(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[relative(root, path)] = await readFile(path, "utf8");
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

async function setup(tree: Record<string, TreeEntry>): Promise<{ dir: TestDir; own: string; group: EarlierBuildpack[] }> {
  const dir = await tempdir({ "layers/me_me/": "", ...tree });
  const group = ["a/one", "b/two"].map((id) => ({ id, api: "0.7", layersDir: dir.join("layers", id.replace("/", "_")) }));
  return { dir, own: dir.join("layers", "me_me"), group };
}

describe("contributeNoReloadEnv", () => {
  it.each<[string, Record<string, TreeEntry>, Record<string, string>, string[], Record<string, string>]>([
    [
      "env.launch/web of earlier launch layers goes to web-no-reload",
      {
        "layers/a_one/runtime.toml": LAUNCH,
        "layers/a_one/runtime/env.launch/web/NODE_ENV.override": "development",
        "layers/b_two/tools.toml": LAUNCH,
        "layers/b_two/tools/env.launch/web/PATH.prepend": "/tools/bin",
        "layers/b_two/tools/env.launch/web/PATH.delim": ":",
      },
      { web: "web-no-reload" },
      ["web-no-reload"],
      {
        "no-reload-env-01/env.launch/web-no-reload/NODE_ENV.override": "development",
        "no-reload-env-01/env.launch/web-no-reload/PATH.delim": ":",
        "no-reload-env-01/env.launch/web-no-reload/PATH.prepend": "/tools/bin",
      },
    ],
    [
      "a type whose original is another type (Paketo's no-reload) gets nothing",
      { "layers/a_one/runtime.toml": LAUNCH, "layers/a_one/runtime/env.launch/web/X": "1" },
      { web: "no-reload" },
      [],
      {},
    ],
    [
      "only the type's own dir, only launch layers",
      {
        "layers/a_one/runtime.toml": LAUNCH,
        "layers/a_one/runtime/env.launch/worker/W": "worker only",
        "layers/a_one/runtime/env.launch/ALL": "every type",
        "layers/a_one/runtime/env/BUILD_AND_LAUNCH": "every type",
        "layers/a_one/build.toml": BUILD_ONLY,
        "layers/a_one/build/env.launch/web/B": "not a launch layer",
        "layers/a_one/nometa/env.launch/web/N": "no layer metadata",
        "layers/b_two/legacy.toml": "launch = true\n",
        "layers/b_two/legacy/env.launch/web/L": "API < 0.6 layer metadata",
      },
      { web: "web-no-reload" },
      ["web-no-reload"],
      { "no-reload-env-01/env.launch/web-no-reload/L": "API < 0.6 layer metadata" },
    ],
    [
      "several types",
      {
        "layers/a_one/r.toml": LAUNCH,
        "layers/a_one/r/env.launch/web/A": "web",
        "layers/a_one/r/env.launch/worker/A": "worker",
      },
      { web: "web-no-reload", worker: "worker-no-reload", reload: "executable-jar" },
      ["web-no-reload", "worker-no-reload"],
      { "no-reload-env-01/env.launch/web-no-reload/A": "web", "no-reload-env-01/env.launch/worker-no-reload/A": "worker" },
    ],
    [
      // The launcher applies layers in name order: a later file of the same name must come later.
      "a name met again goes to the next layer, in group then layer order",
      {
        "layers/a_one/z.toml": LAUNCH,
        "layers/a_one/z/env.launch/web/OPTS.append": "a-z",
        "layers/a_one/a.toml": LAUNCH,
        "layers/a_one/a/env.launch/web/OPTS.append": "a-a",
        "layers/b_two/m.toml": LAUNCH,
        "layers/b_two/m/env.launch/web/OPTS.append": "b-m",
        "layers/b_two/m/env.launch/web/OTHER": "b-m",
      },
      { web: "web-no-reload" },
      ["web-no-reload"],
      {
        "no-reload-env-01/env.launch/web-no-reload/OPTS.append": "a-a",
        "no-reload-env-01/env.launch/web-no-reload/OTHER": "b-m",
        "no-reload-env-02/env.launch/web-no-reload/OPTS.append": "a-z",
        "no-reload-env-03/env.launch/web-no-reload/OPTS.append": "b-m",
      },
    ],
    ["no earlier layers at all", {}, { web: "web-no-reload" }, [], {}],
  ])("%s", async (_name, tree, originals, types, expected) => {
    const { own, group } = await setup(tree);
    expect(await contributeNoReloadEnv(own, group, originals)).toEqual(types);
    const written = await files(own);
    expect(Object.fromEntries(Object.entries(written).filter(([path]) => !path.endsWith(".toml")))).toEqual(expected);
    // Each layer written is a launch layer (and only a launch layer).
    const layers = [...new Set(Object.keys(expected).map((path) => path.split("/")[0]!))];
    expect(Object.keys(written).filter((path) => path.endsWith(".toml"))).toEqual(layers.map((layer) => `${layer}.toml`));
    for (const layer of layers) {
      expect(TOML.parse(written[`${layer}.toml`]!)).toMatchObject({ types: { launch: true, build: false, cache: false } });
    }
  });

  it("removes the layers of a previous build, metadata included", async () => {
    const { own, group } = await setup({
      "layers/me_me/no-reload-env-01.toml": LAUNCH,
      "layers/me_me/no-reload-env-01/env.launch/web-no-reload/OLD": "old",
      "layers/me_me/no-reload-env-02.toml": LAUNCH,
      "layers/me_me/helpers.toml": LAUNCH,
      "layers/me_me/helpers/bin/x": "kept",
      "layers/a_one/r.toml": LAUNCH,
      "layers/a_one/r/env.launch/web/NEW": "new",
    });
    await contributeNoReloadEnv(own, group, { web: "web-no-reload" });
    expect(Object.keys(await files(own))).toEqual(["helpers.toml", "helpers/bin/x", "no-reload-env-01.toml", "no-reload-env-01/env.launch/web-no-reload/NEW"]);
    await contributeNoReloadEnv(own, group, { web: "no-reload" });
    expect(Object.keys(await files(own))).toEqual(["helpers.toml", "helpers/bin/x"]);
  });

  // An `.append`/`.prepend` file and its `.delim` work as a pair in ONE dir: the lifecycle reads
  // NAME.delim beside NAME.append. Keying the next-layer rule by file name alone splits a pair
  // when the earlier buildpack wrote NAME.append without a delim: b's delim lands beside a's
  // append (changing its delimiter) and b's append goes on without one.
  it("an .append and its .delim from the same dir stay together", async () => {
    const { own, group } = await setup({
      "layers/a_one/r.toml": LAUNCH,
      "layers/a_one/r/env.launch/web/JAVA_TOOL_OPTIONS.append": "-Da=1",
      "layers/b_two/r.toml": LAUNCH,
      "layers/b_two/r/env.launch/web/JAVA_TOOL_OPTIONS.append": "-Db=2",
      "layers/b_two/r/env.launch/web/JAVA_TOOL_OPTIONS.delim": " ",
    });
    await contributeNoReloadEnv(own, group, { web: "web-no-reload" });
    const written = await files(own);
    const dirs = Object.keys(written).filter((p) => p.includes("JAVA_TOOL_OPTIONS")).map((p) => [p.split("/")[0], written[p]]);
    const layerOf = (content: string) => dirs.find(([, c]) => c === content)?.[0];
    expect(layerOf(" ")).toBe(layerOf("-Db=2"));
    expect(layerOf("-Da=1")).not.toBe(layerOf(" "));
  });
});
