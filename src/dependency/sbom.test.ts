import { describe, expect, it } from "vitest";
import type { BuildpackInfo, DependencyRecord } from "../cnb/types.ts";
import { cycloneDx, syft } from "./sbom.ts";

const BUILDPACK: BuildpackInfo = {
  id: "reloadable/watchexec",
  name: "Reloadable Buildpack for watchexec",
  version: "0.1.0",
  homepage: "https://github.com/reloadable/watchexec",
};

const WATCHEXEC: DependencyRecord = {
  id: "watchexec",
  name: "Watchexec",
  version: "2.5.1",
  uri: "https://github.com/watchexec/watchexec/releases/download/v2.5.1/watchexec-2.5.1-x86_64-unknown-linux-musl.tar.xz",
  sha256: "9efabd08de720c1ee7e57b487fe11904f0966828e76146e2b5ea5deee90626be",
  purl: "pkg:generic/watchexec@2.5.1?arch=amd64",
  cpes: ["cpe:2.3:a:watchexec:watchexec:2.5.1:*:*:*:*:*:*:*", "cpe:2.3:a:watchexec_project:watchexec:2.5.1:*:*:*:*:*:*:*"],
  licenses: [{ type: "Apache-2.0", uri: "https://github.com/watchexec/watchexec/blob/main/LICENSE" }, { type: "MIT" }],
  stacks: ["*"],
};

/** Both documents must survive JSON (they are written with JSON.stringify). */
const roundTrip = (value: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

describe("cycloneDx", () => {
  it("describes the dependency as a CycloneDX 1.4 application component", () => {
    const doc = roundTrip(cycloneDx(WATCHEXEC, BUILDPACK));
    expect(doc).toEqual({
      bomFormat: "CycloneDX",
      specVersion: "1.4",
      version: 1,
      metadata: { tools: [{ vendor: "reloadable", name: "reloadable/watchexec", version: "0.1.0" }] },
      components: [
        {
          type: "application",
          "bom-ref": "pkg:generic/watchexec@2.5.1?arch=amd64",
          name: "watchexec",
          version: "2.5.1",
          purl: "pkg:generic/watchexec@2.5.1?arch=amd64",
          cpe: "cpe:2.3:a:watchexec:watchexec:2.5.1:*:*:*:*:*:*:*",
          licenses: [
            { license: { id: "Apache-2.0", url: "https://github.com/watchexec/watchexec/blob/main/LICENSE" } },
            { license: { id: "MIT" } },
          ],
          hashes: [{ alg: "SHA-256", content: WATCHEXEC.sha256 }],
          externalReferences: [{ type: "distribution", url: WATCHEXEC.uri }],
        },
      ],
    });
  });

  it.each<{ name: string; change: Partial<DependencyRecord>; check: (component: Record<string, unknown>) => void }>([
    {
      name: "no cpes: no cpe field",
      change: { cpes: [] },
      check: (c) => expect(c).not.toHaveProperty("cpe"),
    },
    {
      name: "no purl: bom-ref falls back to id@version",
      change: { purl: "" },
      check: (c) => expect(c["bom-ref"]).toBe("watchexec@2.5.1"),
    },
    {
      name: "no licenses: an empty list",
      change: { licenses: [] },
      check: (c) => expect(c.licenses).toEqual([]),
    },
  ])("$name", ({ change, check }) => {
    const doc = roundTrip(cycloneDx({ ...WATCHEXEC, ...change }, BUILDPACK)) as { components: Record<string, unknown>[] };
    expect(doc.components).toHaveLength(1);
    check(doc.components[0] ?? {});
  });
});

describe("syft", () => {
  it("describes the dependency as one binary artifact, libpak style", () => {
    const doc = roundTrip(syft(WATCHEXEC, BUILDPACK));
    expect(doc).toEqual({
      artifacts: [
        {
          id: "watchexec-2.5.1-amd64",
          name: "watchexec",
          version: "2.5.1",
          type: "binary",
          foundBy: "reloadable/watchexec",
          locations: [{ path: "bin/watchexec", accessPath: "bin/watchexec" }],
          licenses: [
            { value: "Apache-2.0", spdxExpression: "Apache-2.0", type: "declared", urls: ["https://github.com/watchexec/watchexec/blob/main/LICENSE"], locations: [] },
            { value: "MIT", spdxExpression: "MIT", type: "declared", urls: [], locations: [] },
          ],
          language: "",
          cpes: WATCHEXEC.cpes.map((cpe) => ({ cpe, source: "buildpack.toml" })),
          purl: "pkg:generic/watchexec@2.5.1?arch=amd64",
          metadataType: "BinaryMetadata",
          metadata: { sha256: WATCHEXEC.sha256, uri: WATCHEXEC.uri },
        },
      ],
      artifactRelationships: [],
      source: { id: "reloadable/watchexec", name: "reloadable/watchexec", version: "0.1.0", type: "directory", metadata: { path: "." } },
      distro: {},
      descriptor: { name: "reloadable/watchexec", version: "0.1.0" },
      schema: { version: "16.0.0", url: "https://raw.githubusercontent.com/anchore/syft/main/schema/json/schema-16.0.0.json" },
    });
  });

  it.each<[string, string]>([
    ["pkg:generic/watchexec@2.5.1?arch=arm64", "watchexec-2.5.1-arm64"],
    ["pkg:generic/watchexec@2.5.1", "watchexec-2.5.1-any"],
    ["", "watchexec-2.5.1-any"],
  ])("artifact id for purl %j is %s", (purl, id) => {
    const doc = syft({ ...WATCHEXEC, purl }, BUILDPACK) as { artifacts: { id: string }[] };
    expect(doc.artifacts[0]?.id).toBe(id);
  });
});

describe("both documents", () => {
  it.each([
    ["cycloneDx", cycloneDx],
    ["syft", syft],
  ] as const)("%s names the version, purl, every cpe or the first, the licenses and the sha256", (_name, make) => {
    const text = JSON.stringify(make(WATCHEXEC, BUILDPACK));
    for (const needle of ["watchexec", "2.5.1", WATCHEXEC.purl, WATCHEXEC.cpes[0] ?? "", "Apache-2.0", "MIT", WATCHEXEC.sha256, WATCHEXEC.uri]) {
      expect(text).toContain(needle);
    }
  });
});
