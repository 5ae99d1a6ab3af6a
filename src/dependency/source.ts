import { basename, join } from "node:path";
import type { Binding, DependencyRecord } from "../cnb/types.ts";

/** Where a dependency's artifact comes from, in libpak's order of preference. */
export type ArtifactSource =
  | { kind: "binding"; uri: string; binding: string }
  | { kind: "offline"; path: string }
  | { kind: "network"; uri: string };

export const DEPENDENCY_MAPPING = "dependency-mapping";

/** `dependencies/<sha256>/<file name of the uri>` inside the buildpack: an offline package. */
export function offlinePath(buildpackDir: string, dependency: DependencyRecord): string {
  return join(buildpackDir, "dependencies", dependency.sha256, basename(new URL(dependency.uri).pathname));
}

/**
 * 1. a dependency-mapping binding with an entry named by the sha256;
 * 2. the buildpack's own offline copy, when it exists;
 * 3. the network, at the uri in buildpack.toml.
 */
export function chooseSource(
  dependency: DependencyRecord,
  bindings: readonly Binding[],
  offlineCopy: string | undefined,
): ArtifactSource {
  for (const binding of bindings) {
    if (binding.type.toLowerCase() !== DEPENDENCY_MAPPING) continue;
    const uri = binding.entries[dependency.sha256];
    if (uri !== undefined && uri !== "") return { kind: "binding", uri, binding: binding.name };
  }
  if (offlineCopy !== undefined) return { kind: "offline", path: offlineCopy };
  return { kind: "network", uri: dependency.uri };
}

export function describeSource(source: ArtifactSource): string {
  switch (source.kind) {
    case "binding":
      return `${source.uri} (dependency-mapping binding "${source.binding}")`;
    case "offline":
      return `${source.path} (offline package)`;
    case "network":
      return source.uri;
  }
}
