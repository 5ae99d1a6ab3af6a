import { describe, expect, it } from "vitest";
import type { EarlierBuildpack } from "../cnb/launch.ts";
import { testdirsRemovedAfterEach, type TreeEntry } from "../testing/testdir.ts";
import { chooseWatchexec, findProvidedWatchexec, type ProvidedWatchexec, type WatchexecChoice } from "./provided.ts";

const tempdir = testdirsRemovedAfterEach();

const LAUNCH = "[types]\nlaunch = true\n";
/** A stand-in for watchexec: only its --version output matters here. */
const fakeWatchexec = (output: string, status = 0): TreeEntry => ({ content: `#!/bin/sh\nprintf '%s\\n' '${output}'\nexit ${status}\n`, mode: 0o755 });
const WATCHEXEC_251 = fakeWatchexec("watchexec 2.5.1");

describe("findProvidedWatchexec", () => {
  const IDS = ["paketo-buildpacks/watchexec", "paketo-buildpacks/node-start"];

  it.each<[string, Record<string, TreeEntry>, { buildpackId: string; binary: string; version: string | undefined } | undefined]>([
    [
      "Paketo's watchexec layer",
      { "paketo-buildpacks_watchexec/watchexec.toml": LAUNCH, "paketo-buildpacks_watchexec/watchexec/bin/watchexec": WATCHEXEC_251 },
      { buildpackId: "paketo-buildpacks/watchexec", binary: "paketo-buildpacks_watchexec/watchexec/bin/watchexec", version: "2.5.1" },
    ],
    [
      "the real --version output (several lines)",
      { "paketo-buildpacks_watchexec/w.toml": LAUNCH, "paketo-buildpacks_watchexec/w/bin/watchexec": fakeWatchexec("watchexec 2.5.1 (2026-11-30) +pid1\nbuild-date: 2026-11-30\nrelease: 2.5.1") },
      { buildpackId: "paketo-buildpacks/watchexec", binary: "paketo-buildpacks_watchexec/w/bin/watchexec", version: "2.5.1" },
    ],
    [
      "a v before the version",
      { "paketo-buildpacks_watchexec/w.toml": LAUNCH, "paketo-buildpacks_watchexec/w/bin/watchexec": fakeWatchexec("watchexec v2.4.1") },
      { buildpackId: "paketo-buildpacks/watchexec", binary: "paketo-buildpacks_watchexec/w/bin/watchexec", version: "2.4.1" },
    ],
    [
      "1.x's --version (watchexec-cli)",
      { "paketo-buildpacks_watchexec/w.toml": LAUNCH, "paketo-buildpacks_watchexec/w/bin/watchexec": fakeWatchexec("watchexec-cli 1.25.1") },
      { buildpackId: "paketo-buildpacks/watchexec", binary: "paketo-buildpacks_watchexec/w/bin/watchexec", version: "1.25.1" },
    ],
    [
      "a version it cannot read",
      { "paketo-buildpacks_watchexec/w.toml": LAUNCH, "paketo-buildpacks_watchexec/w/bin/watchexec": fakeWatchexec("something else") },
      { buildpackId: "paketo-buildpacks/watchexec", binary: "paketo-buildpacks_watchexec/w/bin/watchexec", version: undefined },
    ],
    [
      "--version fails",
      { "paketo-buildpacks_watchexec/w.toml": LAUNCH, "paketo-buildpacks_watchexec/w/bin/watchexec": fakeWatchexec("watchexec 2.5.1", 1) },
      { buildpackId: "paketo-buildpacks/watchexec", binary: "paketo-buildpacks_watchexec/w/bin/watchexec", version: undefined },
    ],
    [
      "an older layer metadata format (launch at the top level)",
      { "paketo-buildpacks_watchexec/w.toml": "launch = true\n", "paketo-buildpacks_watchexec/w/bin/watchexec": WATCHEXEC_251 },
      { buildpackId: "paketo-buildpacks/watchexec", binary: "paketo-buildpacks_watchexec/w/bin/watchexec", version: "2.5.1" },
    ],
    ["a build-only layer is not on PATH at launch", { "paketo-buildpacks_watchexec/w.toml": "[types]\nbuild = true\n", "paketo-buildpacks_watchexec/w/bin/watchexec": WATCHEXEC_251 }, undefined],
    ["a layer without metadata", { "paketo-buildpacks_watchexec/w/bin/watchexec": WATCHEXEC_251 }, undefined],
    ["a file that is not executable", { "paketo-buildpacks_watchexec/w.toml": LAUNCH, "paketo-buildpacks_watchexec/w/bin/watchexec": { content: "#!/bin/sh\n", mode: 0o644 } }, undefined],
    ["a dir named watchexec", { "paketo-buildpacks_watchexec/w.toml": LAUNCH, "paketo-buildpacks_watchexec/w/bin/watchexec/": "" }, undefined],
    ["not in bin/", { "paketo-buildpacks_watchexec/w.toml": LAUNCH, "paketo-buildpacks_watchexec/w/watchexec": WATCHEXEC_251 }, undefined],
    ["no layers at all", {}, undefined],
    [
      // The launcher prepends each layer's bin/ in group order: the last buildpack's comes first.
      "the last buildpack's wins",
      {
        "paketo-buildpacks_watchexec/w.toml": LAUNCH,
        "paketo-buildpacks_watchexec/w/bin/watchexec": WATCHEXEC_251,
        "paketo-buildpacks_node-start/z.toml": LAUNCH,
        "paketo-buildpacks_node-start/z/bin/watchexec": fakeWatchexec("watchexec 2.4.1"),
      },
      { buildpackId: "paketo-buildpacks/node-start", binary: "paketo-buildpacks_node-start/z/bin/watchexec", version: "2.4.1" },
    ],
    [
      "within a buildpack, the last layer by name wins",
      {
        "paketo-buildpacks_watchexec/b.toml": LAUNCH,
        "paketo-buildpacks_watchexec/b/bin/watchexec": WATCHEXEC_251,
        "paketo-buildpacks_watchexec/a.toml": LAUNCH,
        "paketo-buildpacks_watchexec/a/bin/watchexec": fakeWatchexec("watchexec 2.4.1"),
      },
      { buildpackId: "paketo-buildpacks/watchexec", binary: "paketo-buildpacks_watchexec/b/bin/watchexec", version: "2.5.1" },
    ],
    [
      "a later buildpack's build-only layer does not hide an earlier launch layer",
      {
        "paketo-buildpacks_watchexec/w.toml": LAUNCH,
        "paketo-buildpacks_watchexec/w/bin/watchexec": WATCHEXEC_251,
        "paketo-buildpacks_node-start/z.toml": "[types]\nbuild = true\n",
        "paketo-buildpacks_node-start/z/bin/watchexec": fakeWatchexec("watchexec 2.4.1"),
      },
      { buildpackId: "paketo-buildpacks/watchexec", binary: "paketo-buildpacks_watchexec/w/bin/watchexec", version: "2.5.1" },
    ],
  ])("%s", async (_name, tree, expected) => {
    const dir = await tempdir(Object.fromEntries(Object.entries(tree).map(([path, entry]) => [`layers/${path}`, entry])));
    const group: EarlierBuildpack[] = IDS.map((id) => ({ id, api: "0.7", layersDir: dir.join("layers", id.replace("/", "_")) }));
    const found = await findProvidedWatchexec(group);
    expect(found).toEqual(expected === undefined ? undefined : { ...expected, binary: dir.join("layers", expected.binary) });
  });

  it("an empty group provides none", async () => {
    expect(await findProvidedWatchexec([])).toBeUndefined();
  });
});

describe("chooseWatchexec", () => {
  const provided = (version: string | undefined): ProvidedWatchexec => ({ buildpackId: "paketo-buildpacks/watchexec", binary: "/layers/p/watchexec/bin/watchexec", version });
  const use = (version: string): WatchexecChoice => ({ use: "provided", provided: { ...provided(version), version } });
  const own = (reason: string | undefined): WatchexecChoice => ({ use: "own", reason });

  it.each<[string, ProvidedWatchexec | undefined, string | undefined, WatchexecChoice]>([
    ["none provided", undefined, undefined, own(undefined)],
    ["none provided, a constraint", undefined, "2.5.1", own(undefined)],
    ["2.5.1", provided("2.5.1"), undefined, use("2.5.1")],
    ["2.4.1, the oldest with the flags used", provided("2.4.1"), undefined, use("2.4.1")],
    ["2.6.1", provided("2.6.1"), undefined, use("2.6.1")],
    ["2.5.1 meets 2.5.*", provided("2.5.1"), "2.5.*", use("2.5.1")],
    ["2.5.1 meets an exact 2.5.1 with spaces", provided("2.5.1"), " 2.5.1 \n", use("2.5.1")],
    ["an empty constraint is none", provided("2.5.1"), "", use("2.5.1")],
    ["a blank constraint is none", provided("2.5.1"), "  ", use("2.5.1")],
    [
      "an unreadable version",
      provided(undefined),
      undefined,
      own("paketo-buildpacks/watchexec installed a watchexec whose version could not be read (/layers/p/watchexec/bin/watchexec --version)"),
    ],
    ["2.4.0, too old", provided("2.4.0"), undefined, own("paketo-buildpacks/watchexec installed watchexec 2.4.0; the reloadable processes need >=2.4.1 <3.0.0")],
    ["1.25.1, another major", provided("1.25.1"), undefined, own("paketo-buildpacks/watchexec installed watchexec 1.25.1; the reloadable processes need >=2.4.1 <3.0.0")],
    ["3.0.0, another major", provided("3.0.0"), undefined, own("paketo-buildpacks/watchexec installed watchexec 3.0.0; the reloadable processes need >=2.4.1 <3.0.0")],
    ["2.5.1 does not meet 2.4.x", provided("2.5.1"), "2.4.x", own("paketo-buildpacks/watchexec installed watchexec 2.5.1, which does not meet BP_WATCHEXEC_VERSION=2.4.x")],
    ["unsupported beats the constraint", provided("2.3.0"), "2.3.0", own("paketo-buildpacks/watchexec installed watchexec 2.3.0; the reloadable processes need >=2.4.1 <3.0.0")],
  ])("%s", (_name, found, constraint, expected) => {
    expect(chooseWatchexec(found, constraint)).toEqual(expected);
  });
});
