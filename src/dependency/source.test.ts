import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Binding, DependencyRecord } from "../cnb/types.ts";
import { ChecksumMismatchError, ContractError, DownloadError, MirrorConfigurationError, MirrorFetchError, UnsafeArchiveError } from "../errors.ts";
import { collectMirrors, parseMirror, type Mirrors } from "./mirror.ts";
import { attributeToMirror, chooseSource, DEPENDENCY_MAPPING, describeSource, offlinePath, type ArtifactSource } from "./source.ts";

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
    expect(chooseSource(dependency, bindings, offline, new Map())).toEqual(expected);
  });
});

const mirrors = (variables: Record<string, string>, bindings: Binding[] = []): Mirrors => collectMirrors({ variables, bindings });
const MIRRORED = "https://mirror.example.com/github.com/watchexec/watchexec/releases/download/v2.5.1/watchexec-2.5.1-x86_64-unknown-linux-musl.tar.xz";

describe("chooseSource with mirrors: libpak's precedence", () => {
  const OFFLINE = "/cnb/buildpacks/reloadable/0.1.0/dependencies/x/watchexec.tar.xz";
  const DEFAULT_MIRROR = { BP_DEPENDENCY_MIRROR: "https://mirror.example.com/{originalHost}" };

  it.each<{ name: string; bindings?: Binding[]; offline?: string; variables: Record<string, string>; expected: unknown }>([
    {
      name: "a mirror replaces the network",
      variables: DEFAULT_MIRROR,
      expected: { kind: "mirror", uri: MIRRORED, mirror: expect.objectContaining({ origin: { kind: "variable", name: "BP_DEPENDENCY_MIRROR" } }) },
    },
    {
      name: "the host's own mirror, from a binding",
      variables: DEFAULT_MIRROR,
      bindings: [binding("corp", "dependency-mirror", { "github.com": "file:///srv/gh" })],
      expected: { kind: "mirror", uri: `file:///srv/gh${new URL(URI).pathname}`, mirror: expect.objectContaining({ origin: { kind: "binding", binding: "corp", entry: "github.com" } }) },
    },
    { name: "a mirror for another host: the network", variables: { BP_DEPENDENCY_MIRROR_GITLAB_COM: "https://mirror.example.com" }, expected: { kind: "network", uri: URI } },
    {
      name: "a dependency-mapping binding beats every mirror, and names the one not used",
      variables: DEFAULT_MIRROR,
      bindings: [binding("map", DEPENDENCY_MAPPING, { [SHA]: "https://internal.example.com/w.tar.xz" })],
      offline: OFFLINE,
      expected: { kind: "binding", uri: "https://internal.example.com/w.tar.xz", binding: "map", unusedMirror: { kind: "variable", name: "BP_DEPENDENCY_MIRROR" } },
    },
    {
      name: "a mapping binding to a file: only a default mirror would have applied",
      variables: { BP_DEPENDENCY_MIRROR_GITHUB_COM: "https://mirror.example.com" },
      bindings: [binding("map", DEPENDENCY_MAPPING, { [SHA]: "file:///bindings/w.tar.xz" })],
      expected: { kind: "binding", uri: "file:///bindings/w.tar.xz", binding: "map" },
    },
    {
      name: "the offline package beats the mirror (libpak reads its cache first)",
      variables: DEFAULT_MIRROR,
      offline: OFFLINE,
      expected: { kind: "offline", path: OFFLINE, unusedMirror: { kind: "variable", name: "BP_DEPENDENCY_MIRROR" } },
    },
  ])("$name", ({ bindings, offline, variables, expected }) => {
    expect(chooseSource(dependency, bindings ?? [], offline, mirrors(variables, bindings))).toEqual(expected);
  });

  it("a mirror with credentials is used, and described with the password masked", () => {
    const source = chooseSource(dependency, [], undefined, mirrors({ BP_DEPENDENCY_MIRROR_GITHUB_COM: "https://user:secret@mirror.example.com" }));
    expect(source).toMatchObject({ kind: "mirror", uri: expect.stringMatching(/^https:\/\/user:secret@mirror\.example\.com\//) });
    expect(describeSource(source)).toMatch(/^https:\/\/user:\*\*\*@mirror\.example\.com\/.* \(mirror from BP_DEPENDENCY_MIRROR_GITHUB_COM\)$/);
    expect(describeSource(source)).not.toContain("secret");
  });

  it("a mirror with credentials is no error when it is not used", () => {
    const withCredentials = mirrors({ BP_DEPENDENCY_MIRROR: "https://user:secret@mirror.example.com" });
    expect(chooseSource(dependency, [], "/offline.tar.xz", withCredentials).kind).toBe("offline");
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
    [
      { kind: "binding", uri: "https://mirror/w.tar.xz", binding: "mirror", unusedMirror: { kind: "variable", name: "BP_DEPENDENCY_MIRROR" } },
      'https://mirror/w.tar.xz (dependency-mapping binding "mirror"; the mirror from BP_DEPENDENCY_MIRROR is not used)',
    ],
    [
      { kind: "offline", path: "/bp/dependencies/x/w.tar.xz", unusedMirror: { kind: "binding", binding: "corp", entry: "default" } },
      "/bp/dependencies/x/w.tar.xz (offline package; the mirror from dependency-mirror binding corp/default is not used)",
    ],
    [
      { kind: "mirror", uri: "https://user:secret@m.example.com/a/w.tar.xz", mirror: parseMirror("https://user:secret@m.example.com/a", { kind: "variable", name: "BP_DEPENDENCY_MIRROR" }, "default") },
      "https://user:***@m.example.com/a/w.tar.xz (mirror from BP_DEPENDENCY_MIRROR)",
    ],
  ])("%j", (source, text) => {
    expect(describeSource(source)).toBe(text);
  });
});

describe("attributeToMirror", () => {
  const mirror = parseMirror("https://m.example.com/{originalHost}", { kind: "binding", binding: "corp", entry: "default" }, "default");
  const fromMirror: ArtifactSource = { kind: "mirror", uri: MIRRORED, mirror };

  it.each<{ name: string; error: Error; message: string; fix: string }>([
    {
      name: "a failed download names the binding and the URL",
      error: new DownloadError(MIRRORED, "HTTP 404 Not Found", false),
      message: `the mirror from dependency-mirror binding corp/default failed: HTTP 404 Not Found (${MIRRORED})`,
      fix: `Check that the mirror holds ${MIRRORED} (the mirror's path, then the original path without skip-path), or correct dependency-mirror binding corp/default. Nothing was installed.`,
    },
    {
      name: "a wrong artifact: the SHA-256 is still verified",
      error: new ChecksumMismatchError(MIRRORED, "aa", "bb"),
      message: `the mirror from dependency-mirror binding corp/default served an artifact that is not the one buildpack.toml names: SHA-256 mismatch for ${MIRRORED}: expected aa, got bb`,
      fix: `Replace the mirror's copy at ${MIRRORED} with the release file buildpack.toml names, or correct dependency-mirror binding corp/default. Nothing was installed.`,
    },
    {
      name: "an unsafe archive",
      error: new UnsafeArchiveError(MIRRORED, 'absolute path "/etc/x"'),
      message: `the mirror from dependency-mirror binding corp/default served an archive that cannot be installed: absolute path "/etc/x" in ${MIRRORED}`,
      fix: `Replace the mirror's copy at ${MIRRORED} with the release file buildpack.toml names, or correct dependency-mirror binding corp/default. Nothing was installed.`,
    },
  ])("$name", ({ error, message, fix }) => {
    const attributed = attributeToMirror(error, fromMirror);
    expect(attributed).toBeInstanceOf(MirrorFetchError);
    expect((attributed as MirrorFetchError).message).toBe(message);
    expect((attributed as MirrorFetchError).fix).toBe(fix);
    expect((attributed as MirrorFetchError).cause).toBe(error);
  });

  it("other errors, and errors of other sources, pass unchanged", () => {
    const layerError = new ContractError("layer.toml is malformed", "fix it");
    expect(attributeToMirror(layerError, fromMirror)).toBe(layerError);
    const download = new DownloadError(URI, "HTTP 404 Not Found", false);
    expect(attributeToMirror(download, { kind: "network", uri: URI })).toBe(download);
  });
});
