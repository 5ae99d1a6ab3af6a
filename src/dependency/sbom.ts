import type { BuildpackInfo, DependencyRecord } from "../cnb/types.ts";
import { archOf } from "./inventory.ts";

/** CycloneDX 1.4 JSON describing one installed dependency. */
export function cycloneDx(dependency: DependencyRecord, buildpack: BuildpackInfo): Record<string, unknown> {
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.4",
    version: 1,
    metadata: {
      tools: [{ vendor: "reloadable", name: buildpack.id, version: buildpack.version }],
    },
    components: [
      {
        type: "application",
        "bom-ref": dependency.purl || `${dependency.id}@${dependency.version}`,
        name: dependency.id,
        version: dependency.version,
        purl: dependency.purl,
        ...(dependency.cpes[0] !== undefined ? { cpe: dependency.cpes[0] } : {}),
        licenses: dependency.licenses.map((l) => ({ license: { id: l.type, ...(l.uri ? { url: l.uri } : {}) } })),
        hashes: [{ alg: "SHA-256", content: dependency.sha256 }],
        externalReferences: [{ type: "distribution", url: dependency.uri }],
      },
    ],
  };
}

/** Syft JSON (schema 16) describing one installed dependency, as libpak writes it. */
export function syft(dependency: DependencyRecord, buildpack: BuildpackInfo): Record<string, unknown> {
  return {
    artifacts: [
      {
        id: `${dependency.id}-${dependency.version}-${archOf(dependency) ?? "any"}`,
        name: dependency.id,
        version: dependency.version,
        type: "binary",
        foundBy: buildpack.id,
        locations: [{ path: `bin/${dependency.id}`, accessPath: `bin/${dependency.id}` }],
        licenses: dependency.licenses.map((l) => ({
          value: l.type,
          spdxExpression: l.type,
          type: "declared",
          urls: l.uri ? [l.uri] : [],
          locations: [],
        })),
        language: "",
        cpes: dependency.cpes.map((cpe) => ({ cpe, source: "buildpack.toml" })),
        purl: dependency.purl,
        metadataType: "BinaryMetadata",
        metadata: { sha256: dependency.sha256, uri: dependency.uri },
      },
    ],
    artifactRelationships: [],
    source: { id: buildpack.id, name: buildpack.id, version: buildpack.version, type: "directory", metadata: { path: "." } },
    distro: {},
    descriptor: { name: buildpack.id, version: buildpack.version },
    schema: { version: "16.0.0", url: "https://raw.githubusercontent.com/anchore/syft/main/schema/json/schema-16.0.0.json" },
  };
}
