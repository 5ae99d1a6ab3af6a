import semver from "semver";
import { ConfigurationError, ContractError, DependencyNotFoundError } from "../errors.ts";
import type { DependencyRecord } from "../cnb/types.ts";

/** The architecture a dependency is for, read from its purl's `arch=` qualifier (Paketo's rule). */
export function archOf(dependency: DependencyRecord): string | undefined {
  const query = dependency.purl.split("?")[1];
  if (query === undefined) return undefined;
  return new URLSearchParams(query.split("#")[0]).get("arch") ?? undefined;
}

/** CNB spells architectures like GOARCH; Node spells them differently. */
export function hostArch(nodeArch: string = process.arch): string {
  const map: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x" };
  return map[nodeArch] ?? nodeArch;
}

export interface DependencyRequest {
  id: string;
  /** A semver range; empty means the newest version. */
  constraint: string;
  arch: string;
  /** The variable the constraint came from, named in errors. */
  variable: string;
}

/** Picks the newest dependency with the id, the architecture and a version in the range. */
export function resolveDependency(dependencies: readonly DependencyRecord[], request: DependencyRequest): DependencyRecord {
  const notSemver = dependencies.find((d) => d.id === request.id && semver.valid(d.version) === null);
  if (notSemver !== undefined) {
    throw new ContractError(`buildpack.toml: ${request.id} version "${notSemver.version}" is not semver`, "Fix the dependency's version in buildpack.toml.");
  }
  const candidates = dependencies.filter((d) => d.id === request.id && archOf(d) === request.arch);
  const available = [...new Set(candidates.map((d) => d.version))].sort(semver.rcompare);
  const listing = available.length > 0 ? available.join(", ") : "none";
  const constraint = request.constraint.trim() === "" ? "*" : request.constraint.trim();

  if (semver.validRange(constraint) === null) {
    throw new ConfigurationError(
      request.variable,
      request.constraint,
      `is not a valid semver constraint; versions available for ${request.arch}: ${listing}`,
      `Set ${request.variable} to a version or range such as 2.5.1, 2.5.* or ^2, or unset it for the newest.`,
    );
  }
  if (candidates.length === 0) {
    const arches = [...new Set(dependencies.filter((d) => d.id === request.id).map((d) => archOf(d) ?? "?"))];
    throw new DependencyNotFoundError(
      `No ${request.id} dependency for architecture ${request.arch}`,
      arches.length > 0
        ? `This buildpack ships ${request.id} for ${arches.join(", ")}; build for one of those (CNB_TARGET_ARCH).`
        : `buildpack.toml lists no ${request.id} dependency at all; add [[metadata.dependencies]] entries for it.`,
    );
  }
  const match = candidates
    .filter((d) => semver.satisfies(d.version, constraint))
    .sort((a, b) => semver.rcompare(a.version, b.version))[0];
  if (match === undefined) {
    throw new ConfigurationError(
      request.variable,
      request.constraint,
      `matches no ${request.id} version for ${request.arch}; versions available: ${listing}`,
      `Set ${request.variable} to one of the available versions, or unset it for the newest.`,
    );
  }
  return match;
}
