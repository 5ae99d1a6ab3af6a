import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Binding, DependencyRecord } from "../cnb/types.ts";
import { chooseSource, DEPENDENCY_MAPPING, describeSource, offlinePath, type ArtifactSource } from "./source.ts";

const SHA = "9efabd08de720c1ee7e57b487fe11904f0966828e76146e2b5ea5deee90626be";
const OTHER_SHA = "e8015bffea46d9de5cc7ff061afa2d27593e1a1914b406343ef47bb65f5f0634";
const URI = "https://github.com/watchexec/watchexec/releases/download/v2.5.1/watchexec-2.5.1-x86_64-unknown-linux-musl.tar.xz";

const dependency: DependencyRecord = {
  id: "watchexec",
  name: "Watchexec",
  version: "2.5.1",
  uri: URI,
  sha256: SHA,
  purl: "pkg:generic/watchexec@2.5.1?arch=amd64",
  cpes: [],
  licenses: [],
  stacks: ["*"],
};

const binding = (name: string, type: string, entries: Record<string, string>): Binding => ({ name, type, entries });

describe("chooseSource", () => {
  const OFFLINE = "/cnb/buildpacks/reloadable/0.1.0/dependencies/x/watchexec.tar.xz";

  it.each<{ name: string; bindings: Binding[]; offline: string | undefined; expected: ArtifactSource }>([
    { name: "nothing else: the network", bindings: [], offline: undefined, expected: { kind: "network", uri: URI } },
    { name: "an offline copy", bindings: [], offline: OFFLINE, expected: { kind: "offline", path: OFFLINE } },
    {
      name: "a mapping binding for the sha256 beats the offline copy",
      bindings: [binding("mirror", DEPENDENCY_MAPPING, { [SHA]: "https://mirror.internal/w.tar.xz" })],
      offline: OFFLINE,
      expected: { kind: "binding", uri: "https://mirror.internal/w.tar.xz", binding: "mirror" },
    },
    {
      name: "the binding type is case-insensitive",
      bindings: [binding("mirror", "Dependency-Mapping", { [SHA]: "file:///bindings/w.tar.xz" })],
      offline: undefined,
      expected: { kind: "binding", uri: "file:///bindings/w.tar.xz", binding: "mirror" },
    },
    {
      name: "a binding of another type is ignored",
      bindings: [binding("ca", "ca-certificates", { [SHA]: "https://mirror.internal/w.tar.xz" })],
      offline: undefined,
      expected: { kind: "network", uri: URI },
    },
    {
      name: "a mapping binding for another sha256 falls through to the offline copy",
      bindings: [binding("mirror", DEPENDENCY_MAPPING, { [OTHER_SHA]: "https://mirror.internal/other.tar.xz" })],
      offline: OFFLINE,
      expected: { kind: "offline", path: OFFLINE },
    },
    {
      name: "an empty entry falls through",
      bindings: [binding("mirror", DEPENDENCY_MAPPING, { [SHA]: "" })],
      offline: undefined,
      expected: { kind: "network", uri: URI },
    },
    {
      name: "the first mapping binding that names the sha256 wins",
      bindings: [
        binding("a", DEPENDENCY_MAPPING, { [OTHER_SHA]: "https://a/other" }),
        binding("b", DEPENDENCY_MAPPING, { [SHA]: "https://b/w.tar.xz" }),
        binding("c", DEPENDENCY_MAPPING, { [SHA]: "https://c/w.tar.xz" }),
      ],
      offline: OFFLINE,
      expected: { kind: "binding", uri: "https://b/w.tar.xz", binding: "b" },
    },
  ])("$name", ({ bindings, offline, expected }) => {
    expect(chooseSource(dependency, bindings, offline)).toEqual(expected);
  });
});

describe("offlinePath", () => {
  it.each<[string, string]>([
    [URI, "watchexec-2.5.1-x86_64-unknown-linux-musl.tar.xz"],
    ["https://example.com/dl/w.tar.xz?token=abc#frag", "w.tar.xz"],
    ["file:///srv/mirror/watchexec.tar.xz", "watchexec.tar.xz"],
  ])("%s -> dependencies/<sha256>/%s", (uri, file) => {
    expect(offlinePath("/cnb/buildpacks/bp", { ...dependency, uri })).toBe(join("/cnb/buildpacks/bp", "dependencies", SHA, file));
  });
});

describe("describeSource", () => {
  it.each<[ArtifactSource, string]>([
    [{ kind: "network", uri: URI }, URI],
    [{ kind: "offline", path: "/bp/dependencies/x/w.tar.xz" }, "/bp/dependencies/x/w.tar.xz (offline package)"],
    [{ kind: "binding", uri: "https://mirror/w.tar.xz", binding: "mirror" }, 'https://mirror/w.tar.xz (dependency-mapping binding "mirror")'],
  ])("%j", (source, text) => {
    expect(describeSource(source)).toBe(text);
  });
});
