import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ContractError } from "../errors.ts";
import { parseDescriptor, readDescriptor } from "./descriptor.ts";
import { readToml, type TomlTable } from "./toml.ts";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

const DEFAULTS: [string, string][] = [
  ["BP_LIVE_RELOAD_ENABLED", "false"],
  ["BP_WATCHEXEC_VERSION", "*"],
  ["BP_LIVE_RELOAD_PROCESSES", ""],
  ["BP_LIVE_RELOAD_WATCH", ""],
  ["BP_LIVE_RELOAD_IGNORE", ""],
  ["BP_LIVE_RELOAD_MODE", "restart"],
  ["BP_LIVE_RELOAD_DEBOUNCE", "10ms"],
  ["BP_LIVE_RELOAD_QUIET_PERIOD", "60ms"],
  ["BP_LIVE_RELOAD_STOP_SIGNAL", "SIGTERM"],
  ["BP_LIVE_RELOAD_STOP_TIMEOUT", "5s"],
  ["BP_LIVE_RELOAD_POLL", ""],
  ["BP_LIVE_RELOAD_PRE_COMMAND", ""],
  ["BP_LIVE_RELOAD_PROCFILE", ""],
  ["BP_LIVE_RELOAD_RESTART_ON", ""],
];

describe("parseDescriptor on the real buildpack.toml", () => {
  it("reads the buildpack info", async () => {
    const descriptor = await readDescriptor(REPO);
    expect(descriptor.info).toEqual({
      id: "reloadable/watchexec",
      name: "Reloadable Buildpack for watchexec",
      version: "0.1.0",
      homepage: "https://github.com/reloadable/watchexec",
    });
  });

  // The 11 the brief names; another change may add more (e.g. BP_LIVE_RELOAD_TRIGGER), so this
  // checks that these are all present rather than pinning the total.
  it("has the 11 documented configurations, all build-time and unique", async () => {
    const { configurations } = await readDescriptor(REPO);
    expect(configurations.map((c) => c.name)).toEqual(expect.arrayContaining(DEFAULTS.map(([name]) => name)));
    expect(configurations.length).toBeGreaterThanOrEqual(11);
    expect(configurations.every((c) => c.build && !c.launch)).toBe(true);
    expect(new Set(configurations.map((c) => c.name)).size).toBe(configurations.length);
  });

  it.each(DEFAULTS)("configuration %s defaults to %j", async (name, value) => {
    const { configurations } = await readDescriptor(REPO);
    const configuration = configurations.find((c) => c.name === name);
    expect(configuration?.default).toBe(value);
    expect(configuration?.description).not.toBe("");
  });

  it("declares BP_DEPENDENCY_MIRROR, empty by default, and documents the per-host form", async () => {
    const { configurations } = await readDescriptor(REPO);
    const mirror = configurations.find((c) => c.name === "BP_DEPENDENCY_MIRROR");
    expect(mirror).toMatchObject({ default: "", build: true, launch: false });
    expect(mirror?.description).toContain("BP_DEPENDENCY_MIRROR_<HOST>");
  });

  it("has 6 watchexec dependencies, with lowercase sha256", async () => {
    const dependencies = (await readDescriptor(REPO)).dependencies.filter((d) => d.id === "watchexec");
    expect(dependencies).toHaveLength(6);
    for (const d of dependencies) {
      expect(d.id).toBe("watchexec");
      expect(d.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(d["source-sha256"]).toMatch(/^[0-9a-f]{64}$/);
      expect(d.uri).toContain(`/v${d.version}/watchexec-${d.version}-`);
      expect(d.licenses).toEqual([{ type: "Apache-2.0", uri: "https://github.com/watchexec/watchexec/blob/main/LICENSE" }]);
      expect(d.stacks).toEqual(["*"]);
    }
    expect(dependencies.map((d) => d.version)).toEqual(["2.5.1", "2.5.1", "2.5.0", "2.5.0", "2.4.1", "2.4.1"]);
  });

  it("has busybox 1.35.0 for amd64 and arm64: Debian's busybox-static packages, GPL-2.0-only", async () => {
    const busybox = (await readDescriptor(REPO)).dependencies.filter((d) => d.id === "busybox");
    expect(busybox.map((d) => new URLSearchParams(d.purl.split("?")[1]).get("arch"))).toEqual(["amd64", "arm64"]);
    for (const d of busybox) {
      expect(d.version).toBe("1.35.0");
      expect(d.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(d.uri).toMatch(/^https:\/\/deb\.debian\.org\/debian\/pool\/main\/b\/busybox\/busybox-static_1\.35\.0-4%2Bdeb12u1%2Bb1_(amd64|arm64)\.deb$/);
      expect(d.licenses.map((l) => l.type)).toEqual(["GPL-2.0-only"]);
    }
    expect(new Set(busybox.map((d) => d.sha256)).size).toBe(2);
  });
});

describe("the real buildpack.toml's platform fields", () => {
  // The lifecycle reads targets; Spring Boot's build-image (3.4) accepts a buildpack directory or
  // .tgz only when its descriptor has stacks or order: both, as Paketo's own buildpacks do.
  it("declares the linux/amd64 and linux/arm64 targets and any stack, and no order", async () => {
    const toml = await readToml(`${REPO}/buildpack.toml`);
    expect(toml.targets).toEqual([{ os: "linux", arch: "amd64" }, { os: "linux", arch: "arm64" }]);
    expect(toml.stacks).toEqual([{ id: "*" }]);
    expect(toml.order).toBeUndefined();
  });
});

describe("parseDescriptor", () => {
  const minimal = (metadata?: TomlTable): TomlTable => ({ buildpack: { id: "x/y", version: "1.0.0" }, ...(metadata === undefined ? {} : { metadata }) });
  const dependency = (extra: TomlTable = {}): TomlTable => ({ id: "watchexec", version: "2.5.1", uri: "https://example.com/w.tar.xz", sha256: "AB".repeat(32), ...extra });

  it("fills the defaults", () => {
    expect(parseDescriptor(minimal())).toEqual({
      info: { id: "x/y", name: "x/y", version: "1.0.0", homepage: "" },
      configurations: [],
      dependencies: [],
    });
  });

  it("lowercases sha256 and fills the dependency defaults", () => {
    expect(parseDescriptor(minimal({ dependencies: [dependency()] })).dependencies).toEqual([
      { id: "watchexec", name: "watchexec", version: "2.5.1", uri: "https://example.com/w.tar.xz", sha256: "ab".repeat(32), purl: "", cpes: [], licenses: [], stacks: [] },
    ]);
  });

  it("a configuration without default or description", () => {
    expect(parseDescriptor(minimal({ configurations: [{ name: "BP_X", launch: true }] })).configurations).toEqual([
      { name: "BP_X", default: "", description: "", build: false, launch: true },
    ]);
  });

  it.each<[string, TomlTable, RegExp]>([
    ["no [buildpack]", {}, /\[buildpack\] must be a table/],
    ["[buildpack] is a string", { buildpack: "x" }, /\[buildpack\] must be a table/],
    ["no buildpack id", { buildpack: { version: "1" } }, /\[buildpack\]\.id must be a string/],
    ["numeric version", { buildpack: { id: "x", version: 1 } }, /\[buildpack\]\.version must be a string/],
    ["metadata is an array", { ...minimal(), metadata: [] }, /\[metadata\] must be a table/],
    ["configuration without a name", minimal({ configurations: [{ default: "x" }] }), /metadata\.configurations\[0\]\.name must be a string/],
    ["configuration is not a table", minimal({ configurations: ["BP_X"] }), /configurations\[0\] must be a table/],
    ["dependency without a version", minimal({ dependencies: [dependency(), dependency({ version: undefined })] }), /metadata\.dependencies\[1\]\.version must be a string/],
    ["dependency without sha256", minimal({ dependencies: [dependency({ sha256: undefined })] }), /metadata\.dependencies\[0\]\.sha256 must be a string/],
    ["dependency without uri", minimal({ dependencies: [dependency({ uri: 42 })] }), /metadata\.dependencies\[0\]\.uri must be a string/],
    ["license without a type", minimal({ dependencies: [dependency({ licenses: [{ uri: "u" }] })] }), /metadata\.dependencies\[0\]\.licenses\.type must be a string/],
  ])("%s -> ContractError", (_name, toml, message) => {
    let error: unknown;
    try {
      parseDescriptor(JSON.parse(JSON.stringify(toml)) as TomlTable);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ContractError);
    expect((error as ContractError).message).toMatch(/^buildpack\.toml: /);
    expect((error as ContractError).message).toMatch(message);
    expect((error as ContractError).fix).toBe("Fix buildpack.toml.");
  });

  it("readDescriptor on a missing dir rejects", async () => {
    await expect(readDescriptor("/nonexistent-buildpack-dir")).rejects.toMatchObject({ code: "ENOENT" });
  });
});
