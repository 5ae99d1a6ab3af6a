import { describe, expect, it } from "vitest";
import type { Binding } from "../cnb/types.ts";
import { MirrorConfigurationError } from "../errors.ts";
import {
  collectMirrors,
  DEPENDENCY_MIRROR_BINDING,
  describeOrigin,
  hostOf,
  hostOfVariable,
  maskCredentials,
  mirrorFor,
  mirroredUri,
  parseMirror,
  withMirrorRows,
  type MirrorOrigin,
} from "./mirror.ts";

const ORIGINAL = "https://github.com/watchexec/watchexec/releases/download/v2.5.1/watchexec-2.5.1-x86_64-unknown-linux-musl.tar.xz";
const PATH = "/watchexec/watchexec/releases/download/v2.5.1/watchexec-2.5.1-x86_64-unknown-linux-musl.tar.xz";
const VARIABLE: MirrorOrigin = { kind: "variable", name: "BP_DEPENDENCY_MIRROR" };

function thrown(fn: () => unknown): MirrorConfigurationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MirrorConfigurationError);
    return error as MirrorConfigurationError;
  }
  throw new Error("expected a MirrorConfigurationError");
}

describe("hostOfVariable", () => {
  it.each<[string, string]>([
    ["BP_DEPENDENCY_MIRROR", "default"],
    ["BP_DEPENDENCY_MIRROR_GITHUB_COM", "github.com"],
    ["BP_DEPENDENCY_MIRROR_EXAMP__LE_COM", "examp-le.com"],
    ["BP_DEPENDENCY_MIRROR_MY__MIRROR_EXAMPLE_COM", "my-mirror.example.com"],
    ["BP_DEPENDENCY_MIRROR_127_0_0_1", "127.0.0.1"],
    ["BP_DEPENDENCY_MIRROR_LOCALHOST", "localhost"],
    // libpak allows these (with a warning about shells); so do we
    ["BP_DEPENDENCY_MIRROR_github.com", "github.com"],
    ["BP_DEPENDENCY_MIRROR_examp-le_COM", "examp-le.com"],
  ])("%s -> %s", (name, host) => {
    expect(hostOfVariable(name, "https://m")).toBe(host);
  });

  it.each<[string, string]>([
    ["BP_DEPENDENCY_MIRROR_DEFAULT", "names no host"],
    ["BP_DEPENDENCY_MIRROR_default", "names no host"],
    ["BP_DEPENDENCY_MIRROR_", "is not a mirror variable"],
    ["BP_DEPENDENCY_MIRRORS", "is not a mirror variable"],
    ["BP_DEPENDENCY_MIRROR_GITHUB__", 'names "github-", which is not a host name'],
    ["BP_DEPENDENCY_MIRROR_A___B", 'names "a-.b", which is not a host name'],
    ["BP_DEPENDENCY_MIRROR__GITHUB_COM", 'names ".github.com", which is not a host name'],
    ["BP_DEPENDENCY_MIRROR_GIT HUB", 'names "git hub", which is not a host name'],
  ])("%s -> error: %s", (name, problem) => {
    const error = thrown(() => hostOfVariable(name, "https://user:secret@m"));
    expect(error.message).toContain(`${name}="https://user:***@m" ${problem}`);
    expect(error.message).not.toContain("secret");
    expect(error.fix).toContain("BP_DEPENDENCY_MIRROR");
  });
});

describe("parseMirror and mirroredUri", () => {
  it.each<{ mirror: string; original?: string; expected: string }>([
    { mirror: "https://mirror.example.com", expected: `https://mirror.example.com${PATH}` },
    { mirror: "https://mirror.example.com/base", expected: `https://mirror.example.com/base${PATH}` },
    { mirror: "HTTPS://Mirror.Example.com/Base", expected: `https://mirror.example.com/Base${PATH}` },
    // libpak joins the paths as they are: a trailing slash gives two
    { mirror: "https://mirror.example.com/", expected: `https://mirror.example.com/${PATH}` },
    { mirror: "https://mirror.example.com/{originalHost}", expected: `https://mirror.example.com/github.com${PATH}` },
    { mirror: "https://mirror.example.com/{originalHost}/cache", expected: `https://mirror.example.com/github.com/cache${PATH}` },
    { mirror: "https://mirror.example.com/%7BoriginalHost%7D", expected: `https://mirror.example.com/github.com${PATH}` },
    { mirror: "https://127.0.0.1:8443/m", expected: `https://127.0.0.1:8443/m${PATH}` },
    { mirror: "https://127.0.0.1:8443/m", original: "https://github.com:444/a/b.tar.xz", expected: "https://127.0.0.1:8443/m/a/b.tar.xz" },
    { mirror: "https://m.example.com", original: "http://downloads.example.com/a/b.tar.xz?raw=true", expected: "https://m.example.com/a/b.tar.xz?raw=true" },
    { mirror: "https://m.example.com/{originalHost}", original: "https://Downloads.Example.com/a", expected: "https://m.example.com/downloads.example.com/a" },
    // skip-path: the first occurrence of the text leaves the original path
    { mirror: "https://m.example.com/flat,skip-path=/watchexec/watchexec/releases/download/v2.5.1", expected: "https://m.example.com/flat/watchexec-2.5.1-x86_64-unknown-linux-musl.tar.xz" },
    { mirror: "mirror=https://m.example.com/flat,skip-path=/watchexec/watchexec/releases/download/v2.5.1", expected: "https://m.example.com/flat/watchexec-2.5.1-x86_64-unknown-linux-musl.tar.xz" },
    { mirror: " mirror = https://m.example.com/flat , skip-path = /watchexec/watchexec ", expected: "https://m.example.com/flat/releases/download/v2.5.1/watchexec-2.5.1-x86_64-unknown-linux-musl.tar.xz" },
    { mirror: "https://m.example.com,skip-path=/not/in/the/path", expected: `https://m.example.com${PATH}` },
    { mirror: "https://m.example.com,skip-path=/releases/download", expected: "https://m.example.com/watchexec/watchexec/v2.5.1/watchexec-2.5.1-x86_64-unknown-linux-musl.tar.xz" },
    { mirror: "https://m.example.com/test-skip,skip-path=/test%2Cpath", original: "https://s.example.com/test,path", expected: "https://m.example.com/test-skip" },
    { mirror: "https://m.example.com/{originalHost},skip-path=/watchexec", expected: `https://m.example.com/github.com/watchexec/releases/download/v2.5.1/watchexec-2.5.1-x86_64-unknown-linux-musl.tar.xz` },
    // credentials are the mirror's; percent-escapes are decoded first, as libpak does
    { mirror: "https://user:secret@m.example.com/base", expected: `https://user:secret@m.example.com/base${PATH}` },
    { mirror: "https://user%3Apa%24%24word%2C%40m.example.com%2Fescaped", expected: `https://user:pa$$word,@m.example.com/escaped${PATH}` },
    { mirror: "https://m.example.com/with%20space", expected: `https://m.example.com/with%20space${PATH}` },
    { mirror: "https://m.example.com/a", original: "https://s.example.com/x%20y/100%25.tar.xz", expected: "https://m.example.com/a/x%20y/100%25.tar.xz" },
    // file:// mirrors: a directory on the build's file system
    { mirror: "file:///srv/mirror", expected: `file:///srv/mirror${PATH}` },
    { mirror: "file:///srv/mirror/{originalHost}", expected: `file:///srv/mirror/github.com${PATH}` },
    { mirror: "file://localhost/srv/mirror", expected: `file:///srv/mirror${PATH}` },
    { mirror: "FILE:///srv/mirror", expected: `file:///srv/mirror${PATH}` },
  ])("$mirror: $expected", ({ mirror, original, expected }) => {
    expect(mirroredUri(original ?? ORIGINAL, parseMirror(mirror, VARIABLE, "default"))).toBe(expected);
  });

  it.each<[string, string, string]>([
    ["", "is empty", "mirror URL"],
    ["   ", "is empty", "mirror URL"],
    ["http://mirror.example.com", "uses http://, which is not a mirror scheme", "https://"],
    ["ftp://mirror.example.com", "uses ftp://, which is not a mirror scheme", "https:// or file://"],
    ["mirror.example.com", "is not an absolute URL", "https:// or file://"],
    ["/srv/mirror", "is not an absolute URL", "file://"],
    ["https://exa mple.com", "is not an absolute URL", "https://"],
    ["https://mirror.example.com:port", "is not an absolute URL", "https://"],
    ["https://", "is not an absolute URL", "https://"],
    ["https://mirror.example.com,foo=bar", 'has the unknown argument "foo"', "skip-path"],
    ["https://mirror.example.com,Skip-Path=/a", 'has the unknown argument "Skip-Path"', "skip-path"],
    ["https://mirror.example.com,skip-path", "has an argument without a value", "%2C"],
    ["https://mirror.example.com,,skip-path=/a", "has an empty argument", "%2C"],
    ["https://mirror.example.com,", "has an empty argument", "%2C"],
    ["https://a.example.com,https://b.example.com", "names more than one mirror URL", "mirror=<url>"],
    ["mirror=https://a.example.com,mirror=https://b.example.com", "names more than one mirror URL", "mirror=<url>"],
    ["https://a.example.com,mirror=https://b.example.com", "names more than one mirror URL", "mirror=<url>"],
    ["skip-path=/a", "has no mirror URL", "https://"],
    ["mirror=,skip-path=/a", "has no mirror URL", "https://"],
    ["https://mirror.example.com,skip-path=", "has an empty skip-path", "skip-path="],
    ["https://mirror.example.com,skip-path=/a,skip-path=/b", "has skip-path twice", "once"],
    ["https://mirror.example.com/?token=abc", "has a ?query or #fragment", "Remove"],
    ["https://mirror.example.com/#top", "has a ?query or #fragment", "Remove"],
    ["https://{originalHost}.mirror.example.com", "has {originalHost} in its host name", "path"],
    ["https://m.example.com/{originalHost}/{originalHost}", "has {originalHost} more than once", "once"],
    ["file://fileserver/srv/mirror", 'names the host "fileserver"', "file:///"],
    ["file://user:secret@localhost/srv/mirror", "has credentials", "Remove"],
  ])("%j -> error: %s", (value, problem, fix) => {
    const error = thrown(() => parseMirror(value, VARIABLE, "default"));
    expect(error.message).toContain(`BP_DEPENDENCY_MIRROR=${JSON.stringify(maskCredentials(value))} ${problem}`);
    expect(error.fix).toContain(fix);
    expect(`${error.message} ${error.fix}`).not.toContain("secret");
  });

  it("names a binding entry in its errors, and never the password", () => {
    const error = thrown(() => parseMirror("http://user:secret@mirror.example.com", { kind: "binding", binding: "corp", entry: "github.com" }, "github.com"));
    expect(error.message).toBe('dependency-mirror binding corp/github.com="http://user:***@mirror.example.com" uses http://, which is not a mirror scheme: only https:// and file:// mirrors are used (libpak ignores others)');
  });

  it("an unencoded comma in a password: the error shows no part of it", () => {
    const error = thrown(() => parseMirror("https://user:pa,ssword@mirror.example.com", VARIABLE, "default"));
    expect(error.message).toBe('BP_DEPENDENCY_MIRROR="https://user:***@mirror.example.com" has an argument without a value after a comma');
  });
});

describe("maskCredentials", () => {
  it.each<[string, string]>([
    ["https://mirror.example.com/a", "https://mirror.example.com/a"],
    ["https://user:secret@mirror.example.com/a", "https://user:***@mirror.example.com/a"],
    ["https://token@mirror.example.com/a", "https://***@mirror.example.com/a"],
    ["https://user:p@ss@mirror.example.com/a", "https://user:***@mirror.example.com/a"],
    ["mirror=https://user:secret@m.example.com,skip-path=/a@b", "mirror=https://user:***@m.example.com,skip-path=/a@b"],
    ["https://user%3Asecret%40m.example.com%2Fescaped", "https://user:***@m.example.com/escaped"],
    ["Fetching https://u:s@a.example.com/x and https://v:t@b.example.com/y", "Fetching https://u:***@a.example.com/x and https://v:***@b.example.com/y"],
    ["https://m.example.com/a@b", "https://m.example.com/a@b"],
    ["https://m.example.com/100%25", "https://m.example.com/100%25"],
    ["not a url", "not a url"],
  ])("%s -> %s", (text, masked) => {
    expect(maskCredentials(text)).toBe(masked);
  });
});

const mirrorBinding = (name: string, entries: Record<string, string>, type = DEPENDENCY_MIRROR_BINDING): Binding => ({ name, type, entries });

describe("collectMirrors and mirrorFor: which mirror a host gets", () => {
  it.each<{ name: string; variables?: Record<string, string>; bindings?: Binding[]; host: string; expected: string | undefined }>([
    { name: "nothing set: no mirror", host: "github.com", expected: undefined },
    { name: "BP_DEPENDENCY_MIRROR for every host", variables: { BP_DEPENDENCY_MIRROR: "https://a.example.com" }, host: "github.com", expected: "BP_DEPENDENCY_MIRROR" },
    {
      name: "a host's own variable beats the default",
      variables: { BP_DEPENDENCY_MIRROR: "https://a.example.com", BP_DEPENDENCY_MIRROR_GITHUB_COM: "https://b.example.com" },
      host: "github.com",
      expected: "BP_DEPENDENCY_MIRROR_GITHUB_COM",
    },
    {
      name: "another host's variable leaves the default",
      variables: { BP_DEPENDENCY_MIRROR: "https://a.example.com", BP_DEPENDENCY_MIRROR_GITLAB_COM: "https://b.example.com" },
      host: "github.com",
      expected: "BP_DEPENDENCY_MIRROR",
    },
    { name: "only another host's variable: no mirror", variables: { BP_DEPENDENCY_MIRROR_GITLAB_COM: "https://b.example.com" }, host: "github.com", expected: undefined },
    { name: "a binding's default entry", bindings: [mirrorBinding("corp", { default: "https://a.example.com" })], host: "github.com", expected: "dependency-mirror binding corp/default" },
    {
      name: "a binding's host entry beats its default entry",
      bindings: [mirrorBinding("corp", { default: "https://a.example.com", "github.com": "https://b.example.com" })],
      host: "github.com",
      expected: "dependency-mirror binding corp/github.com",
    },
    {
      name: "BP_DEPENDENCY_MIRROR replaces a binding's default entry",
      variables: { BP_DEPENDENCY_MIRROR: "https://a.example.com" },
      bindings: [mirrorBinding("corp", { default: "https://b.example.com" })],
      host: "github.com",
      expected: "BP_DEPENDENCY_MIRROR",
    },
    {
      name: "a host variable replaces a binding's entry for that host",
      variables: { BP_DEPENDENCY_MIRROR_GITHUB_COM: "https://a.example.com" },
      bindings: [mirrorBinding("corp", { "github.com": "https://b.example.com" })],
      host: "github.com",
      expected: "BP_DEPENDENCY_MIRROR_GITHUB_COM",
    },
    {
      name: "a binding's host entry beats BP_DEPENDENCY_MIRROR (host before default, wherever each is set)",
      variables: { BP_DEPENDENCY_MIRROR: "https://a.example.com" },
      bindings: [mirrorBinding("corp", { "github.com": "https://b.example.com" })],
      host: "github.com",
      expected: "dependency-mirror binding corp/github.com",
    },
    {
      name: "entries of two bindings add up",
      bindings: [mirrorBinding("one", { default: "https://a.example.com" }), mirrorBinding("two", { "github.com": "https://b.example.com" })],
      host: "github.com",
      expected: "dependency-mirror binding two/github.com",
    },
    {
      name: "the binding type is case-insensitive, entry names too",
      bindings: [mirrorBinding("corp", { Default: "https://a.example.com" }, "Dependency-Mirror")],
      host: "github.com",
      expected: "dependency-mirror binding corp/Default",
    },
    { name: "a binding of another type is not a mirror", bindings: [mirrorBinding("map", { default: "https://a.example.com" }, "dependency-mapping")], host: "github.com", expected: undefined },
    { name: "host names match in any case", variables: { BP_DEPENDENCY_MIRROR_GITHUB_COM: "https://a.example.com" }, host: "GitHub.com", expected: "BP_DEPENDENCY_MIRROR_GITHUB_COM" },
  ])("$name", ({ variables, bindings, host, expected }) => {
    const mirror = mirrorFor(collectMirrors({ variables: variables ?? {}, bindings: bindings ?? [] }), host);
    expect(mirror === undefined ? undefined : describeOrigin(mirror.origin)).toBe(expected);
  });

  it.each<{ name: string; variables?: Record<string, string>; bindings?: Binding[]; message: string }>([
    {
      name: "two bindings with an entry for the same host",
      bindings: [mirrorBinding("one", { default: "https://a.example.com" }), mirrorBinding("two", { DEFAULT: "https://b.example.com" })],
      message: 'dependency-mirror binding two/DEFAULT="https://b.example.com" is a second mirror for default, after dependency-mirror binding one/default',
    },
    {
      name: "two variables for the same host",
      variables: { BP_DEPENDENCY_MIRROR_GITHUB_COM: "https://a.example.com", "BP_DEPENDENCY_MIRROR_github.com": "https://b.example.com" },
      message: 'BP_DEPENDENCY_MIRROR_github.com="https://b.example.com" is a second mirror for github.com, after BP_DEPENDENCY_MIRROR_GITHUB_COM',
    },
    {
      name: "a bad mirror for a host this buildpack never fetches from",
      variables: { BP_DEPENDENCY_MIRROR_REPO1_MAVEN_ORG: "http://maven.example.com" },
      message: 'BP_DEPENDENCY_MIRROR_REPO1_MAVEN_ORG="http://maven.example.com" uses http://',
    },
    {
      name: "a binding entry that names no host",
      bindings: [mirrorBinding("corp", { "mirror.txt ": "https://a.example.com" })],
      message: 'dependency-mirror binding corp/mirror.txt ="https://a.example.com" is an entry named "mirror.txt ", which is neither "default" nor a host name',
    },
    { name: "an empty binding entry", bindings: [mirrorBinding("corp", { default: "" })], message: 'dependency-mirror binding corp/default="" is empty' },
    { name: "BP_DEPENDENCY_MIRROR_DEFAULT", variables: { BP_DEPENDENCY_MIRROR_DEFAULT: "https://a.example.com" }, message: 'BP_DEPENDENCY_MIRROR_DEFAULT="https://a.example.com" names no host' },
  ])("error: $name", ({ variables, bindings, message }) => {
    const error = thrown(() => collectMirrors({ variables: variables ?? {}, bindings: bindings ?? [] }));
    expect(error.message).toContain(message);
  });
});

describe("hostOf", () => {
  it.each<[string, string]>([
    [ORIGINAL, "github.com"],
    ["https://127.0.0.1:8443/x", "127.0.0.1"],
    ["file:///srv/x.tar.xz", ""],
    ["/srv/x.tar.xz", ""],
  ])("%s -> %j", (uri, host) => {
    expect(hostOf(uri)).toBe(host);
  });
});

describe("withMirrorRows", () => {
  const header = ["Variable", "Value", "Default", "Description"];
  const enabled = ["BP_LIVE_RELOAD_ENABLED", "true", "false", "whether..."];

  it.each<{ name: string; rows: string[][]; variables: Record<string, string>; expected: string[][] }>([
    {
      name: "masks BP_DEPENDENCY_MIRROR and adds each host variable after it",
      rows: [header, enabled, ["BP_DEPENDENCY_MIRROR", "https://u:secret@m.example.com", "", "the mirror"]],
      variables: { BP_DEPENDENCY_MIRROR: "https://u:secret@m.example.com", BP_DEPENDENCY_MIRROR_GITHUB_COM: " https://t@g.example.com\n", BP_DEPENDENCY_MIRROR_EXAMP__LE_COM: "file:///m" },
      expected: [
        header,
        enabled,
        ["BP_DEPENDENCY_MIRROR", "https://u:***@m.example.com", "", "the mirror"],
        ["BP_DEPENDENCY_MIRROR_EXAMP__LE_COM", "file:///m", "", "the dependency mirror for examp-le.com"],
        ["BP_DEPENDENCY_MIRROR_GITHUB_COM", "https://***@g.example.com", "", "the dependency mirror for github.com"],
      ],
    },
    {
      name: "nothing set: the table as it was",
      rows: [header, enabled, ["BP_DEPENDENCY_MIRROR", "", "", "the mirror"]],
      variables: {},
      expected: [header, enabled, ["BP_DEPENDENCY_MIRROR", "", "", "the mirror"]],
    },
    {
      name: "a bad name still gets its row, masked, before the error",
      rows: [header, enabled],
      variables: { BP_DEPENDENCY_MIRROR_DEFAULT: "https://u:secret@m.example.com" },
      expected: [header, enabled, ["BP_DEPENDENCY_MIRROR_DEFAULT", "https://u:***@m.example.com", "", "the dependency mirror for (not a host: see the error below)"]],
    },
  ])("$name", ({ rows, variables, expected }) => {
    expect(withMirrorRows(rows, variables)).toEqual(expected);
  });
});
