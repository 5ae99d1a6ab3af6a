import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readDescriptor } from "../cnb/descriptor.ts";
import type { DependencyRecord } from "../cnb/types.ts";
import { ConfigurationError, DependencyNotFoundError } from "../errors.ts";
import { archOf, hostArch, resolveDependency, type DependencyRequest } from "./inventory.ts";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

function dep(version: string, arch: string, id = "watchexec"): DependencyRecord {
  return {
    id,
    name: id,
    version,
    uri: `https://example.com/${id}-${version}-${arch}.tar.xz`,
    sha256: `${id}-${version}-${arch}`,
    purl: `pkg:generic/${id}@${version}?arch=${arch}`,
    cpes: [],
    licenses: [],
    stacks: ["*"],
  };
}

describe("archOf", () => {
  it.each<[string, string | undefined]>([
    ["pkg:generic/watchexec@2.5.1?arch=amd64", "amd64"],
    ["pkg:generic/watchexec@2.5.1?arch=arm64", "arm64"],
    ["pkg:generic/watchexec@2.5.1?os=linux&arch=arm64", "arm64"],
    ["pkg:generic/watchexec@2.5.1?arch=amd64&os=linux", "amd64"],
    ["pkg:generic/watchexec@2.5.1?arch=amd64#bin/watchexec", "amd64"],
    ["pkg:generic/watchexec@2.5.1?arch=x86%5F64", "x86_64"],
    ["pkg:generic/watchexec@2.5.1?os=linux", undefined],
    ["pkg:generic/watchexec@2.5.1", undefined],
    ["pkg:generic/watchexec@2.5.1#arch=amd64", undefined],
    ["", undefined],
  ])("%j -> %j", (purl, arch) => {
    expect(archOf({ ...dep("1.0.0", "x"), purl })).toBe(arch);
  });
});

describe("hostArch", () => {
  it.each<[string, string]>([
    ["x64", "amd64"],
    ["arm64", "arm64"],
    ["arm", "arm"],
    ["ia32", "386"],
    ["ppc64", "ppc64le"],
    ["s390x", "s390x"],
    ["riscv64", "riscv64"],
    ["loong64", "loong64"],
  ])("%s -> %s", (node, cnb) => {
    expect(hostArch(node)).toBe(cnb);
  });

  it("defaults to this process's architecture", () => {
    expect(hostArch()).toBe(hostArch(process.arch));
  });
});

describe("resolveDependency", () => {
  const inventory: DependencyRecord[] = [
    dep("2.4.1", "amd64"),
    dep("2.5.1", "arm64"),
    dep("2.5.0", "amd64"),
    dep("2.5.1", "amd64"),
    dep("2.4.1", "arm64"),
    dep("2.5.0", "arm64"),
    dep("2.6.0-rc.1", "amd64"),
    dep("9.9.9", "amd64", "other"),
    dep("3.0.0", "riscv64", "other"),
  ];
  const request = (constraint: string, arch = "amd64"): DependencyRequest => ({
    id: "watchexec",
    constraint,
    arch,
    variable: "BP_WATCHEXEC_VERSION",
  });

  it.each<[string, string, string]>([
    ["", "amd64", "2.5.1"],
    ["   ", "amd64", "2.5.1"],
    ["*", "amd64", "2.5.1"],
    ["", "arm64", "2.5.1"],
    ["2.5.0", "amd64", "2.5.0"],
    ["2.5.0", "arm64", "2.5.0"],
    [" 2.4.1 ", "amd64", "2.4.1"],
    ["=2.4.1", "amd64", "2.4.1"],
    ["v2.4.1", "amd64", "2.4.1"],
    ["2.5.*", "amd64", "2.5.1"],
    ["2.5", "amd64", "2.5.1"],
    ["~2.5.0", "arm64", "2.5.1"],
    ["^2", "amd64", "2.5.1"],
    ["<2.5", "amd64", "2.4.1"],
    [">=2.4 <2.5.1", "arm64", "2.5.0"],
    ["2.4.x || 2.5.0", "amd64", "2.5.0"],
    // pre-releases only when asked for by name
    ["2.6.0-rc.1", "amd64", "2.6.0-rc.1"],
  ])("%j on %s -> %s", (constraint, arch, version) => {
    const chosen = resolveDependency(inventory, request(constraint, arch));
    expect(chosen.version).toBe(version);
    expect(archOf(chosen)).toBe(arch);
    expect(chosen.id).toBe("watchexec");
  });

  it.each<{ constraint: string; arch: string; message: string }>([
    {
      constraint: "3",
      arch: "amd64",
      message: 'BP_WATCHEXEC_VERSION="3" matches no watchexec version for amd64; versions available: 2.6.0-rc.1, 2.5.1, 2.5.0, 2.4.1',
    },
    {
      constraint: ">2.5.1",
      arch: "arm64",
      message: 'BP_WATCHEXEC_VERSION=">2.5.1" matches no watchexec version for arm64; versions available: 2.5.1, 2.5.0, 2.4.1',
    },
    {
      constraint: "2.4.0",
      arch: "arm64",
      message: 'BP_WATCHEXEC_VERSION="2.4.0" matches no watchexec version for arm64; versions available: 2.5.1, 2.5.0, 2.4.1',
    },
  ])("no match for $constraint on $arch -> ConfigurationError listing the versions", ({ constraint, arch, message }) => {
    const error: unknown = (() => {
      try {
        resolveDependency(inventory, request(constraint, arch));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    const config = error as ConfigurationError;
    expect(config.message).toBe(message);
    expect(config.variable).toBe("BP_WATCHEXEC_VERSION");
    expect(config.value).toBe(constraint);
    expect(config.fix).toBe("Set BP_WATCHEXEC_VERSION to one of the available versions, or unset it for the newest.");
  });

  it.each(["latest", "2..5", ">>2", "stable", "2.5.1.1"])("invalid constraint %j -> ConfigurationError", (constraint) => {
    expect(() => resolveDependency(inventory, request(constraint))).toThrow(ConfigurationError);
    expect(() => resolveDependency(inventory, request(constraint))).toThrow(
      `BP_WATCHEXEC_VERSION=${JSON.stringify(constraint)} is not a valid semver constraint; versions available for amd64: 2.6.0-rc.1, 2.5.1, 2.5.0, 2.4.1`,
    );
  });

  it("an invalid constraint on an unknown arch is reported as the constraint, with no versions", () => {
    expect(() => resolveDependency(inventory, request("latest", "riscv64"))).toThrow(
      'BP_WATCHEXEC_VERSION="latest" is not a valid semver constraint; versions available for riscv64: none',
    );
  });

  it.each(["riscv64", "386", "x86_64", ""])("unknown arch %j -> DependencyNotFoundError naming the shipped ones", (arch) => {
    const error: unknown = (() => {
      try {
        resolveDependency(inventory, request("", arch));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DependencyNotFoundError);
    expect((error as Error).message).toBe(`No watchexec dependency for architecture ${arch}`);
    expect((error as DependencyNotFoundError).fix).toBe(
      "This buildpack ships watchexec for amd64, arm64; build for one of those (CNB_TARGET_ARCH).",
    );
  });

  it("ignores dependencies with another id", () => {
    expect(resolveDependency(inventory, { ...request(""), id: "other" }).version).toBe("9.9.9");
    expect(() => resolveDependency(inventory, request("9.9.9"))).toThrow(ConfigurationError);
  });
});

describe("the shipped buildpack.toml", () => {
  it("has 6 watchexec entries: 2.5.1, 2.5.0 and 2.4.1 for amd64 and arm64, 2.5.1 newest", async () => {
    const dependencies = (await readDescriptor(REPO)).dependencies.filter((d) => d.id === "watchexec");
    expect(dependencies).toHaveLength(6);
    expect(dependencies.map((d) => `${d.version}/${archOf(d) ?? "?"}`).sort()).toEqual([
      "2.4.1/amd64",
      "2.4.1/arm64",
      "2.5.0/amd64",
      "2.5.0/arm64",
      "2.5.1/amd64",
      "2.5.1/arm64",
    ]);
    for (const d of dependencies) {
      expect(d.sha256).toMatch(/^[0-9a-f]{64}$/);
      const triple = archOf(d) === "amd64" ? "x86_64-unknown-linux-musl" : "aarch64-unknown-linux-musl";
      expect(d.uri).toBe(`https://github.com/watchexec/watchexec/releases/download/v${d.version}/watchexec-${d.version}-${triple}.tar.xz`);
      expect(d.purl).toBe(`pkg:generic/watchexec@${d.version}?arch=${archOf(d) ?? ""}`);
      expect(d.cpes).toEqual([`cpe:2.3:a:watchexec:watchexec:${d.version}:*:*:*:*:*:*:*`]);
      expect(d.licenses.map((l) => l.type)).toEqual(["Apache-2.0"]);
    }
    expect(new Set(dependencies.map((d) => d.sha256)).size).toBe(6);

    for (const arch of ["amd64", "arm64"]) {
      const newest = resolveDependency(dependencies, { id: "watchexec", constraint: "", arch, variable: "BP_WATCHEXEC_VERSION" });
      expect(newest.version).toBe("2.5.1");
      expect(archOf(newest)).toBe(arch);
    }
  });
});
