import { basename, join } from "node:path";
import type { Binding, DependencyRecord } from "../cnb/types.ts";
import { ChecksumMismatchError, DownloadError, MirrorConfigurationError, MirrorFetchError, UnsafeArchiveError } from "../errors.ts";
import { describeOrigin, hostOf, maskCredentials, mirrorFor, mirroredUri, type Mirror, type MirrorOrigin, type Mirrors } from "./mirror.ts";

/**
 * Where a dependency's artifact comes from, in libpak's order of preference. `unusedMirror`
 * names a mirror that is set for the URI but not needed, so the log explains why it got no request.
 */
export type ArtifactSource =
  | { kind: "binding"; uri: string; binding: string; unusedMirror?: MirrorOrigin }
  | { kind: "offline"; path: string; unusedMirror?: MirrorOrigin }
  | { kind: "mirror"; uri: string; mirror: Mirror }
  | { kind: "network"; uri: string };

export const DEPENDENCY_MAPPING = "dependency-mapping";

/** `dependencies/<sha256>/<file name of the uri>` inside the buildpack: an offline package. */
export function offlinePath(buildpackDir: string, dependency: DependencyRecord): string {
  return join(buildpackDir, "dependencies", dependency.sha256, basename(new URL(dependency.uri).pathname));
}

/**
 * 1. a dependency-mapping binding with an entry named by the sha256 (libpak then ignores every
 *    mirror, and says so);
 * 2. the buildpack's own offline copy, when it exists (libpak reads its cache before it downloads,
 *    so a mirror is never asked for it);
 * 3. the mirror for the uri's host, else the default mirror;
 * 4. the network, at the uri in buildpack.toml.
 */
export function chooseSource(
  dependency: DependencyRecord,
  bindings: readonly Binding[],
  offlineCopy: string | undefined,
  mirrors: Mirrors,
): ArtifactSource {
  for (const binding of bindings) {
    if (binding.type.toLowerCase() !== DEPENDENCY_MAPPING) continue;
    const uri = binding.entries[dependency.sha256];
    if (uri !== undefined && uri !== "") return { kind: "binding", uri, binding: binding.name, ...unused(mirrorFor(mirrors, hostOf(uri))) };
  }
  const mirror = mirrorFor(mirrors, hostOf(dependency.uri));
  if (offlineCopy !== undefined) return { kind: "offline", path: offlineCopy, ...unused(mirror) };
  if (mirror !== undefined) {
    return { kind: "mirror", uri: mirroredUri(dependency.uri, mirror), mirror };
  }
  return { kind: "network", uri: dependency.uri };
}

function unused(mirror: Mirror | undefined): { unusedMirror?: MirrorOrigin } {
  return mirror === undefined ? {} : { unusedMirror: mirror.origin };
}

export function describeSource(source: ArtifactSource): string {
  const unusedNote = (s: { unusedMirror?: MirrorOrigin }) => (s.unusedMirror === undefined ? "" : `; the mirror from ${describeOrigin(s.unusedMirror)} is not used`);
  switch (source.kind) {
    case "binding":
      return `${source.uri} (dependency-mapping binding "${source.binding}"${unusedNote(source)})`;
    case "offline":
      return `${source.path} (offline package${unusedNote(source)})`;
    case "mirror":
      return `${maskCredentials(source.uri)} (mirror from ${describeOrigin(source.mirror.origin)})`;
    case "network":
      return source.uri;
  }
}

/**
 * A failed fetch from a mirror, told as one: which setting chose the mirror, the URL asked for,
 * and how that URL was made. Other errors, and errors of other sources, pass unchanged.
 */
export function attributeToMirror(error: unknown, source: ArtifactSource): unknown {
  if (source.kind !== "mirror") return error;
  if (!(error instanceof DownloadError || error instanceof ChecksumMismatchError || error instanceof UnsafeArchiveError)) return error;
  const setting = describeOrigin(source.mirror.origin);
  const uri = maskCredentials(source.uri);
  const cause = maskCredentials(error.message);
  const [what, fix] =
    error instanceof DownloadError
      ? ["failed", `Check that the mirror holds ${uri} (the mirror's path, then the original path without skip-path), or correct ${setting}.`]
      : [
          error instanceof ChecksumMismatchError ? "served an artifact that is not the one buildpack.toml names" : "served an archive that cannot be installed",
          `Replace the mirror's copy at ${uri} with the release file buildpack.toml names, or correct ${setting}.`,
        ];
  return new MirrorFetchError(`the mirror from ${setting} ${what}: ${cause}`, `${fix} Nothing was installed.`, { cause: error });
}
