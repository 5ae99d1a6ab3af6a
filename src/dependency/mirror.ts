import type { Binding } from "../cnb/types.ts";
import { MirrorConfigurationError } from "../errors.ts";

/**
 * Dependency mirrors with the meaning libpak (v1.73) gives them, so that one company-wide setting
 * points every Paketo buildpack and this one at the same mirror:
 *
 * - `BP_DEPENDENCY_MIRROR` is the mirror for every host; `BP_DEPENDENCY_MIRROR_<HOST>` for one
 *   host, written with `_` for `.` and `__` for `-` (`BP_DEPENDENCY_MIRROR_GITHUB_COM`).
 * - A `dependency-mirror` binding holds the same: an entry `default`, and entries named by host.
 * - A variable replaces a binding entry for the same host; a host's own mirror beats the default,
 *   wherever each came from.
 * - A mirror is `<url>` or `mirror=<url>[,skip-path=<text>]`, each part percent-decoded. Fetching
 *   `https://host/a/b` through `https://m.example/base` asks for `https://m.example/base/a/b`:
 *   scheme, credentials, host and port are the mirror's; the path is the mirror's path (its first
 *   `{originalHost}` replaced by the original host name) followed by the original path without
 *   the first occurrence of `skip-path`; the original query stays.
 *
 * Where libpak ignores a bad mirror (another scheme, an unparsable URL, an unknown argument), this
 * module throws an error naming the setting, the value and the fix.
 */

export const DEPENDENCY_MIRROR = "BP_DEPENDENCY_MIRROR";
export const DEPENDENCY_MIRROR_BINDING = "dependency-mirror";
/** The key of the mirror for every host, in the map and in bindings. */
export const DEFAULT_MIRROR = "default";
const ORIGINAL_HOST = "{originalHost}";
/** How a URL's pathname spells it: WHATWG URLs percent-encode the braces. */
const ORIGINAL_HOST_IN_PATH = "%7BoriginalHost%7D";

/** Where a mirror setting was read from; every message about the mirror names it. */
export type MirrorOrigin = { kind: "variable"; name: string } | { kind: "binding"; binding: string; entry: string };

export interface Mirror {
  /** `default`, or the lower-case host name whose URIs it replaces. */
  host: string;
  origin: MirrorOrigin;
  /** The setting as given (trimmed), for messages. */
  value: string;
  /** The mirror URL: scheme, credentials, host and port. */
  url: URL;
  /**
   * The mirror's path, encoded, `{originalHost}` still in it; "" when the URL has none. A URL
   * object can't tell `https://m` (the original path follows directly) from `https://m/` (which
   * libpak follows with a second slash), so it is kept apart.
   */
  path: string;
  /** Removed (its first occurrence) from the original path; empty for none. */
  skipPath: string;
}

/** Mirrors by host (`default` for all). */
export type Mirrors = ReadonlyMap<string, Mirror>;

export function describeOrigin(origin: MirrorOrigin): string {
  return origin.kind === "variable" ? origin.name : `${DEPENDENCY_MIRROR_BINDING} binding ${origin.binding}/${origin.entry}`;
}

/**
 * Hides the credentials of every URL in `text`: `https://user:secret@host` becomes
 * `https://user:***@host`, and a lone user name (often a token) becomes `***`. Percent-escapes are
 * decoded first, so `user%3Asecret%40host` (a libpak-style escaped value) is masked too.
 */
export function maskCredentials(text: string): string {
  const masked = maskUserinfo(text);
  if (masked !== text) return masked;
  const decoded = percentDecoded(text);
  const maskedDecoded = maskUserinfo(decoded);
  return maskedDecoded !== decoded ? maskedDecoded : text;
}

function maskUserinfo(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^/?#\s]*)@/gi, (_match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(":");
    return `${scheme}${colon < 0 ? "***" : `${userinfo.slice(0, colon)}:***`}@`;
  });
}

/** libpak percent-decodes mirror values; a value with a malformed escape stays as it is. */
function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/**
 * The host a mirror variable is for: `default` for `BP_DEPENDENCY_MIRROR`, else the suffix after
 * `BP_DEPENDENCY_MIRROR_` with `__` read as `-` and `_` as `.`, in lower case.
 */
export function hostOfVariable(name: string, value: string): string {
  if (name === DEPENDENCY_MIRROR) return DEFAULT_MIRROR;
  const setting = { kind: "variable", name } as const;
  const suffix = name.startsWith(`${DEPENDENCY_MIRROR}_`) ? name.slice(DEPENDENCY_MIRROR.length + 1) : undefined;
  if (suffix === undefined || suffix === "") {
    throw settingError(setting, value, "is not a mirror variable", `Name it ${DEPENDENCY_MIRROR} (every host) or ${DEPENDENCY_MIRROR}_<HOST> (one host, e.g. ${DEPENDENCY_MIRROR}_GITHUB_COM for github.com).`);
  }
  if (suffix.toLowerCase() === DEFAULT_MIRROR) {
    throw settingError(setting, value, "names no host (libpak ignores it)", `Use ${DEPENDENCY_MIRROR} for the mirror of every host.`);
  }
  const host = suffix.replaceAll("__", "-").replaceAll("_", ".").toLowerCase();
  if (!HOST_NAME.test(host)) {
    throw settingError(setting, value, `names "${host}", which is not a host name`, `Write the host with _ for . and __ for -: ${DEPENDENCY_MIRROR}_MY__MIRROR_EXAMPLE_COM is my-mirror.example.com.`);
  }
  return host;
}

/** The host a binding entry is for: `default`, or the entry's name as a host name. */
function hostOfEntry(origin: MirrorOrigin & { kind: "binding" }, value: string): string {
  const host = origin.entry.toLowerCase();
  if (host === DEFAULT_MIRROR || HOST_NAME.test(host)) return host;
  throw settingError(origin, value, `is an entry named "${origin.entry}", which is neither "${DEFAULT_MIRROR}" nor a host name`, `Name each file of the binding ${DEFAULT_MIRROR} (every host) or after the host it mirrors (e.g. github.com).`);
}

function settingError(origin: MirrorOrigin, value: string, problem: string, fix: string): MirrorConfigurationError {
  return new MirrorConfigurationError(describeOrigin(origin), maskCredentials(value), problem, fix);
}

const EXAMPLE = `https://mirror.example.com/${ORIGINAL_HOST}`;

/** Parses one mirror value: `<url>` or `mirror=<url>`, optionally followed by `,skip-path=<text>`. */
export function parseMirror(value: string, origin: MirrorOrigin, host: string): Mirror {
  const fail = (problem: string, fix: string) => settingError(origin, value, problem, fix);
  const trimmed = value.trim();
  if (trimmed === "") throw fail("is empty", `Set it to a mirror URL such as ${EXAMPLE}, or remove it.`);

  let raw: string | undefined;
  let skipPath: string | undefined;
  for (const [index, text] of trimmed.split(",").entries()) {
    const part = text.trim();
    // `key=...` only when the key is a plain word: a URL may hold "=" in its query.
    const keyed = /^([a-z][a-z-]*)\s*=(.*)$/is.exec(part);
    if (keyed === null) {
      if (index === 0) raw = part;
      else if (part === "") throw fail("has an empty argument (two commas, or a trailing comma)", "Remove it; percent-encode a comma inside the URL as %2C.");
      else if (part.includes("://")) throw fail("names more than one mirror URL", "Give one URL, then the arguments: mirror=<url>,skip-path=<prefix>.");
      // Not echoed: an unencoded comma in a password puts part of it here.
      else throw fail("has an argument without a value after a comma", "Write <url> or mirror=<url>,skip-path=<prefix>; percent-encode a comma inside the URL (a password too) as %2C.");
      continue;
    }
    const [, key = "", argument = ""] = keyed;
    if (key === "mirror") {
      if (raw !== undefined) throw fail("names more than one mirror URL", "Give one URL, then the arguments: mirror=<url>,skip-path=<prefix>.");
      raw = argument.trim();
    } else if (key === "skip-path") {
      if (skipPath !== undefined) throw fail("has skip-path twice", "Give skip-path once.");
      skipPath = percentDecoded(argument.trim());
      if (skipPath === "") throw fail("has an empty skip-path", "Give the part of the original path to drop (e.g. skip-path=/releases/download), or remove the argument.");
    } else {
      throw fail(`has the unknown argument "${key}": the arguments are mirror=<url> and skip-path=<prefix>`, "Write <url> or mirror=<url>,skip-path=<prefix>; percent-encode a comma inside the URL as %2C.");
    }
  }
  if (raw === undefined || raw === "") throw fail("has no mirror URL", `Give the URL first: ${EXAMPLE},skip-path=<prefix>.`);

  const decoded = percentDecoded(raw);
  if (/^file:\/\/[^/]*@/i.test(decoded)) throw fail("has credentials, which a file:// mirror cannot use", "Remove the user:password@ part.");
  let url: URL;
  try {
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(decoded)) throw new TypeError("no scheme");
    url = new URL(decoded);
  } catch {
    throw fail("is not an absolute URL (scheme://host/path)", `Use an https:// or file:// URL, such as ${EXAMPLE} or file:///mirror/${ORIGINAL_HOST}.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "file:") {
    throw fail(
      `uses ${url.protocol}//, which is not a mirror scheme: only https:// and file:// mirrors are used (libpak ignores others)`,
      url.protocol === "http:" ? `Serve the mirror over https:// (e.g. ${EXAMPLE}), or copy it to a file:// path.` : `Use an https:// or file:// URL, such as ${EXAMPLE}.`,
    );
  }
  if (url.search !== "" || url.hash !== "") {
    throw fail("has a ?query or #fragment, which no mirror request would carry (the original URL's query is kept)", "Remove it from the mirror URL.");
  }
  if (url.hostname.includes(ORIGINAL_HOST.toLowerCase())) {
    throw fail(`has ${ORIGINAL_HOST} in its host name; it is replaced only in the path`, `Put it in the path: ${EXAMPLE}.`);
  }
  if (url.pathname.split(ORIGINAL_HOST_IN_PATH).length > 2) {
    throw fail(`has ${ORIGINAL_HOST} more than once; only the first would be replaced`, `Use it once, e.g. ${EXAMPLE}.`);
  }
  // The URL parser already turned file://localhost/ into file:///.
  if (url.protocol === "file:" && url.host !== "") {
    throw fail(`names the host "${url.host}"; a file:// mirror is a directory on the build's own file system`, "Write file:///<absolute path> (three slashes).");
  }
  const hasPath = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*\//i.test(decoded);
  return { host, origin, value: trimmed, url, path: hasPath ? url.pathname : "", skipPath: skipPath ?? "" };
}

export interface MirrorSettingsInput {
  /** Every variable whose name starts with BP_DEPENDENCY_MIRROR, by name. */
  variables: Readonly<Record<string, string>>;
  bindings: readonly Binding[];
}

/**
 * Reads and checks every mirror setting, also those for hosts this buildpack never fetches from:
 * they are the same settings every other buildpack in the build reads. Binding entries first,
 * then variables, which replace an entry for the same host.
 */
export function collectMirrors(input: MirrorSettingsInput): Mirrors {
  const fromBindings = new Map<string, Mirror>();
  for (const binding of input.bindings) {
    if (binding.type.toLowerCase() !== DEPENDENCY_MIRROR_BINDING) continue;
    for (const [entry, value] of Object.entries(binding.entries).sort(([a], [b]) => a.localeCompare(b))) {
      const origin = { kind: "binding", binding: binding.name, entry } as const;
      const host = hostOfEntry(origin, value);
      const earlier = fromBindings.get(host);
      if (earlier !== undefined) {
        throw settingError(origin, value, `is a second mirror for ${host}, after ${describeOrigin(earlier.origin)} (libpak refuses this too)`, `Keep one ${DEPENDENCY_MIRROR_BINDING} entry for ${host}.`);
      }
      fromBindings.set(host, parseMirror(value, origin, host));
    }
  }
  const fromVariables = new Map<string, Mirror>();
  for (const [name, value] of Object.entries(input.variables).sort(([a], [b]) => a.localeCompare(b))) {
    const origin = { kind: "variable", name } as const;
    const host = hostOfVariable(name, value);
    const earlier = fromVariables.get(host);
    if (earlier !== undefined) {
      throw settingError(origin, value, `is a second mirror for ${host}, after ${describeOrigin(earlier.origin)}`, `Keep one variable for ${host}.`);
    }
    fromVariables.set(host, parseMirror(value, origin, host));
  }
  return new Map([...fromBindings, ...fromVariables]);
}

/** The mirror for URIs of `hostname`: the host's own, else the default. */
export function mirrorFor(mirrors: Mirrors, hostname: string): Mirror | undefined {
  return mirrors.get(hostname.toLowerCase()) ?? mirrors.get(DEFAULT_MIRROR);
}

/** The host name of a URI, "" for a path or a URI without one. */
export function hostOf(uri: string): string {
  try {
    return new URL(uri).hostname;
  } catch {
    return "";
  }
}

/**
 * Where `original` is fetched from through `mirror`. skip-path is matched against the decoded
 * original path, as libpak matches it; that path is encoded again when it joins the mirror's.
 */
export function mirroredUri(original: string, mirror: Mirror): string {
  const from = new URL(original);
  const to = new URL(mirror.url.href);
  const path = percentDecoded(from.pathname);
  const skip = mirror.skipPath === "" ? -1 : path.indexOf(mirror.skipPath);
  const kept = skip < 0 ? path : path.slice(0, skip) + path.slice(skip + mirror.skipPath.length);
  // The pathname setter encodes spaces, "?" and "#", but takes "%" for an escape already made.
  to.pathname = mirror.path.replace(ORIGINAL_HOST_IN_PATH, from.hostname) + kept.replaceAll("%", "%25");
  to.search = from.search;
  return to.href;
}

/**
 * The configuration table with mirror values masked, and a row for each per-host variable set
 * (their names are not declared in buildpack.toml). Works on the raw values, so the table can be
 * printed before they are checked.
 */
export function withMirrorRows(rows: readonly (readonly string[])[], variables: Readonly<Record<string, string>>): string[][] {
  const perHost = Object.entries(variables)
    .filter(([name]) => name !== DEPENDENCY_MIRROR)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => [name, maskCredentials(value.trim()), "", `the dependency mirror for ${describeHost(name)}`]);
  const out: string[][] = [];
  for (const row of rows) {
    if (row[0] !== DEPENDENCY_MIRROR) {
      out.push([...row]);
      continue;
    }
    out.push([row[0], maskCredentials(row[1] ?? ""), ...row.slice(2)], ...perHost);
  }
  if (!rows.some((row) => row[0] === DEPENDENCY_MIRROR)) out.push(...perHost);
  return out;
}

function describeHost(name: string): string {
  try {
    return hostOfVariable(name, "");
  } catch {
    return "(not a host: see the error below)";
  }
}
