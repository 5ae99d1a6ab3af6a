import { afterEach, describe, expect, it } from "vitest";
import { testdir, type TestDir, type TreeEntry, testdirsRemovedAfterEach } from "../testing/testdir.ts";
import { lookupVariable, readBindings, readPlatform, readPlatformEnv } from "./platform.ts";
import type { Platform } from "./types.ts";

const tempdir = testdirsRemovedAfterEach();
async function tree(entries: Record<string, TreeEntry>): Promise<TestDir> {
  const dir = await tempdir(entries);
  return dir;
}

describe("readPlatformEnv", () => {
  it("reads each env file verbatim, skipping dotfiles", async () => {
    const dir = await tree({
      "env/BP_LIVE_RELOAD_ENABLED": "true",
      "env/WITH_NEWLINE": "x\n",
      "env/EMPTY": "",
      "env/.hidden": "no",
      "env/MULTI": "a\nb\n",
    });
    expect(await readPlatformEnv(dir.path)).toEqual({ BP_LIVE_RELOAD_ENABLED: "true", WITH_NEWLINE: "x\n", EMPTY: "", MULTI: "a\nb\n" });
  });

  it("no env dir -> no variables", async () => {
    const dir = await tree({});
    expect(await readPlatformEnv(dir.path)).toEqual({});
  });
});

describe("readBindings", () => {
  it("reads bindings with a type; others are ignored; type and provider are not entries", async () => {
    const dir = await tree({
      "bindings/ca/type": "ca-certificates\n",
      "bindings/ca/cert.pem": "  PEM  \n",
      "bindings/mapping/type": "dependency-mapping",
      "bindings/mapping/provider": "acme",
      "bindings/mapping/abc123": "file:///deps/watchexec.tar.xz\n",
      "bindings/untyped/key": "value",
      "bindings/.hidden/type": "secret",
      "bindings/ca/.dotfile": "skipped",
      "bindings/ca/subdir/": "",
    });
    expect(await readBindings(dir.join("bindings"))).toEqual([
      { name: "ca", type: "ca-certificates", entries: { "cert.pem": "PEM" } },
      { name: "mapping", type: "dependency-mapping", entries: { abc123: "file:///deps/watchexec.tar.xz" } },
    ]);
  });

  // Regression test (the bug is fixed): a regular file directly in the bindings root (not a binding dir) makes
  // readBindings throw ENOTDIR (scandir of the file), failing the build, instead of being skipped
  // like a binding without a type.
  it("a stray file in the bindings root is ignored", async () => {
    const dir = await tree({ "bindings/one/type": "t", "bindings/README": "notes" });
    expect(await readBindings(dir.join("bindings"))).toEqual([{ name: "one", type: "t", entries: {} }]);
  });

  it("a missing root -> no bindings", async () => {
    const dir = await tree({});
    expect(await readBindings(dir.join("bindings"))).toEqual([]);
  });

  it("an empty binding dir is ignored", async () => {
    const dir = await tree({ "bindings/empty/": "" });
    expect(await readBindings(dir.join("bindings"))).toEqual([]);
  });

  it("follows symlinked entries as Kubernetes projects them", async () => {
    const dir = await tree({
      "bindings/db/..data/type": "postgresql",
      "bindings/db/..data/host": "db.local",
      "bindings/db/type": { symlink: "..data/type" },
      "bindings/db/host": { symlink: "..data/host" },
    });
    expect(await readBindings(dir.join("bindings"))).toEqual([{ name: "db", type: "postgresql", entries: { host: "db.local" } }]);
  });
});

describe("readPlatform", () => {
  const files = {
    "platform/env/BP_LIVE_RELOAD_ENABLED": "true",
    "platform/bindings/one/type": "one-type",
    "elsewhere/two/type": "two-type",
  };

  it.each<[string, (dir: TestDir) => NodeJS.ProcessEnv, string[]]>([
    ["<platform>/bindings by default", () => ({}), ["one"]],
    ["an empty SERVICE_BINDING_ROOT is unset", () => ({ SERVICE_BINDING_ROOT: "" }), ["one"]],
    ["SERVICE_BINDING_ROOT when set", (dir) => ({ SERVICE_BINDING_ROOT: dir.join("elsewhere") }), ["two"]],
  ])("bindings from %s", async (_name, env, names) => {
    const dir = await tree(files);
    const platform = await readPlatform(dir.join("platform"), env(dir));
    expect(platform.dir).toBe(dir.join("platform"));
    expect(platform.env).toEqual({ BP_LIVE_RELOAD_ENABLED: "true" });
    expect(platform.bindings.map((b) => b.name)).toEqual(names);
  });
});

describe("lookupVariable", () => {
  const platform: Platform = {
    dir: "/platform",
    env: { FROM_FILE: "file", NEWLINE: "value\n", CRLF: "value\r\n", TWO_NEWLINES: "value\n\n", EMPTY: "", INNER: "a\nb" },
    bindings: [],
  };

  it.each<[string, NodeJS.ProcessEnv, string | undefined]>([
    ["FROM_FILE", { FROM_FILE: "process" }, "file"],
    ["FROM_FILE", {}, "file"],
    ["ONLY_ENV", { ONLY_ENV: "process" }, "process"],
    ["ONLY_ENV", { ONLY_ENV: "" }, ""],
    ["MISSING", {}, undefined],
    ["NEWLINE", {}, "value"],
    ["CRLF", {}, "value"],
    ["TWO_NEWLINES", {}, "value\n"],
    ["EMPTY", { EMPTY: "process" }, ""],
    ["INNER", {}, "a\nb"],
  ])("%s with process env %j -> %j", (name, env, expected) => {
    expect(lookupVariable(platform, env, name)).toBe(expected);
  });

  it("reads what readPlatform read", async () => {
    const dir = await tree({ "env/BP_LIVE_RELOAD_MODE": "signal:SIGHUP\n" });
    const read = await readPlatform(dir.path, {});
    expect(lookupVariable(read, { BP_LIVE_RELOAD_MODE: "restart" }, "BP_LIVE_RELOAD_MODE")).toBe("signal:SIGHUP");
  });
});
