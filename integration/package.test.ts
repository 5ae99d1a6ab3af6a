// The packaged buildpack as users get it: an offline package building with no network, and the
// .cnb that `pack buildpack package` makes from dist/buildpack.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import TOML from "@iarna/toml";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  artifact,
  assertBuilt,
  escapeId,
  fixtureBuildpack,
  localWatchexec,
  reloadableDescriptor,
  RELOADABLE_ID,
  requirePackage,
  tool,
  withBuild,
  type BuildpackEntry,
} from "./harness/index.ts";
import { fixturesDir, multiArchBuildpack, repoRoot, requireMultiArchPackage, WATCHEXEC_TARBALL, WATCHEXEC_TARBALL_ARM64 } from "./harness/paths.ts";
import { flatten, readOciArchive } from "./harness/oci.ts";
import { elfMachine, EM_AARCH64, EM_X86_64 } from "./harness/arm64.ts";

const pythonApp = join(fixturesDir, "apps", "python-web");
const packageScript = join(repoRoot, "scripts", "package.mjs");
const watchexec = localWatchexec();
// Port 9 (discard): nothing listens, so any attempt to download fails at once.
const unreachableUri = `http://127.0.0.1:9/${watchexec.name}`;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "reloadable-package-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function packagedVersion(): string {
  const descriptor = TOML.parse(readFileSync(join(requirePackage(), "buildpack.toml"), "utf8")) as { buildpack: { version: string } };
  return descriptor.buildpack.version;
}

describe("an offline package", () => {
  it("builds from its own copy of watchexec with no dependency server running", async () => {
    const descriptorPath = join(work, "offline-buildpack.toml");
    await writeFile(descriptorPath, reloadableDescriptor([{ version: "2.5.1", uri: unreachableUri, sha256: watchexec.sha256 }]));
    const output = join(work, "offline");
    const packaged = await execa(process.execPath, [packageScript, "--skip-build", "--output", output, "--buildpack-toml", descriptorPath, "--offline", WATCHEXEC_TARBALL], {
      cwd: repoRoot,
      all: true,
      reject: false,
    });
    expect(packaged.exitCode, packaged.all).toBe(0);
    expect(packaged.all).toContain(`offline: watchexec 2.5.1 (${watchexec.sha256.slice(0, 12)})`);
    // The file name comes from the uri, the directory from the checksum.
    const offlineCopy = join(output, "dependencies", watchexec.sha256, watchexec.name);
    expect(existsSync(offlineCopy)).toBe(true);
    expect(createHash("sha256").update(readFileSync(offlineCopy)).digest("hex")).toBe(watchexec.sha256);

    const entry: BuildpackEntry = { id: RELOADABLE_ID, version: packagedVersion(), dir: output, reloadableBinary: true };
    await withBuild(
      { app: pythonApp, env: { BP_LIVE_RELOAD_ENABLED: "true" }, order: [fixtureBuildpack("self-reloading-python"), entry] },
      async (build) => {
        const result = await build.build();
        assertBuilt(result);
        expect(result.group.map((g) => g.id)).toEqual(["fixtures/self-reloading-python", RELOADABLE_ID]);
        const installed = join(build.buildpacksDir, escapeId(RELOADABLE_ID), entry.version, "dependencies", watchexec.sha256, watchexec.name);
        expect(result.log).toContain(`Fetching ${installed} (offline package)`);
        expect(result.log).not.toContain(unreachableUri);
        const layer = await build.layerToml(RELOADABLE_ID, "watchexec.toml");
        expect(layer?.metadata).toMatchObject({ version: "2.5.1", sha256: watchexec.sha256, uri: unreachableUri, arch: "amd64" });
        expect(existsSync(join(build.layersDir, escapeId(RELOADABLE_ID), "watchexec", "bin", "watchexec"))).toBe(true);
      },
    );
  });

  it("with --multi-arch, each artifact goes to the folder of its arch (from its purl), and to the flat buildpack only when of its arch", async () => {
    const arm64 = artifact(WATCHEXEC_TARBALL_ARM64);
    const descriptorPath = join(work, "multi-offline-buildpack.toml");
    await writeFile(
      descriptorPath,
      reloadableDescriptor(
        [
          { version: "2.5.1", uri: unreachableUri, sha256: watchexec.sha256 },
          { version: "2.5.1", arch: "arm64", uri: `http://127.0.0.1:9/${arm64.name}`, sha256: arm64.sha256 },
        ],
        join(requireMultiArchPackage("amd64", "arm64"), "buildpack.toml"),
      ),
    );
    const flat = join(work, "multi-offline-flat");
    const multi = join(work, "multi-offline");
    const packaged = await execa(process.execPath, [packageScript, "--skip-build", "--output", flat, "--multi-arch", multi, "--buildpack-toml", descriptorPath, "--offline", WATCHEXEC_TARBALL, WATCHEXEC_TARBALL_ARM64], {
      cwd: repoRoot,
      all: true,
      reject: false,
    });
    expect(packaged.exitCode, packaged.all).toBe(0);
    const copies = (dir: string) => [watchexec, arm64].filter((a) => existsSync(join(dir, "dependencies", a.sha256, a.name))).map((a) => a.sha256);
    expect(copies(join(multi, "linux", "amd64"))).toEqual([watchexec.sha256]);
    expect(copies(join(multi, "linux", "arm64"))).toEqual([arm64.sha256]);
    expect(copies(flat)).toEqual([watchexec.sha256]);
  });

  it("refuses an --offline file whose SHA-256 matches no dependency, naming the file and its checksum", async () => {
    const stray = join(work, "not-a-release.tar.xz");
    const bytes = Buffer.from("definitely not watchexec\n");
    await writeFile(stray, bytes);
    const strayHash = createHash("sha256").update(bytes).digest("hex");
    const result = await execa(process.execPath, [packageScript, "--skip-build", "--output", join(work, "stray"), "--offline", stray], {
      cwd: repoRoot,
      all: true,
      reject: false,
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain(stray);
    expect(result.stderr).toContain(strayHash);
    expect(result.stderr).toContain("matches no dependency");
  });
});

interface Targets {
  targets?: { os: string; arch: string }[];
}
const targetsOf = (descriptorPath: string) => ((TOML.parse(readFileSync(descriptorPath, "utf8")) as Targets).targets ?? []).map((t) => `${t.os}/${t.arch}`);

describe("one architecture's buildpack and the multi-arch layout", () => {
  it("dist/buildpack declares only the host's target (pack makes one .cnb of it); dist/multi-arch declares every target, with linux/<arch>/ for each", () => {
    expect(targetsOf(join(repoRoot, "buildpack.toml"))).toEqual(["linux/amd64", "linux/arm64"]);
    expect(targetsOf(join(requirePackage(), "buildpack.toml"))).toEqual(["linux/amd64"]);
    expect(readFileSync(join(requireMultiArchPackage("amd64", "arm64"), "buildpack.toml"), "utf8")).toBe(readFileSync(join(repoRoot, "buildpack.toml"), "utf8"));
    // Only the targets differ: every other line of the descriptor is kept as written.
    // Only the arm64 table is gone: every other line (comments too) is kept as written.
    const original = readFileSync(join(repoRoot, "buildpack.toml"), "utf8");
    const arm64Table = '[[targets]]\n  os = "linux"\n  arch = "arm64"\n\n';
    expect(original).toContain(arm64Table);
    expect(readFileSync(join(requirePackage(), "buildpack.toml"), "utf8")).toBe(original.replace(arm64Table, ""));
    for (const [arch, machine] of [["amd64", EM_X86_64], ["arm64", EM_AARCH64]] as const) {
      for (const file of ["main", "reloadable-helper"]) {
        expect(elfMachine(readFileSync(join(multiArchBuildpack, "linux", arch, "bin", file))), `${arch} ${file}`).toBe(machine);
      }
    }
    expect(existsSync(join(multiArchBuildpack, "bin"))).toBe(false);
  });

  it("--arch arm64: a buildpack of the arm64 binaries whose buildpack.toml declares linux/arm64 only", async () => {
    const output = join(work, "flat-arm64");
    const packaged = await execa(process.execPath, [packageScript, "--skip-build", "--arch", "arm64", "--output", output], { cwd: repoRoot, all: true, reject: false });
    expect(packaged.exitCode, packaged.all).toBe(0);
    expect(targetsOf(join(output, "buildpack.toml"))).toEqual(["linux/arm64"]);
    expect(elfMachine(readFileSync(join(output, "bin", "main")))).toBe(EM_AARCH64);
    expect(elfMachine(readFileSync(join(output, "bin", "reloadable-helper")))).toBe(EM_AARCH64);
  });

  it("--arch riscv64: refused, naming the arch and the targets the descriptor has", async () => {
    const output = join(work, "flat-riscv64");
    const packaged = await execa(process.execPath, [packageScript, "--skip-build", "--arch", "riscv64", "--output", output], { cwd: repoRoot, all: true, reject: false });
    expect(packaged.exitCode).not.toBe(0);
    expect(packaged.stderr).toContain('declares no [[targets]] with arch = "riscv64" (it has linux/amd64, linux/arm64)');
    expect(existsSync(output)).toBe(false);
  });
});

describe("pack buildpack package", () => {
  it("makes a .cnb (an OCI layout) holding the buildpack, its binary, its links and its metadata", async () => {
    const dist = requirePackage();
    const home = join(work, "pack-home");
    await mkdir(home, { recursive: true });
    const cnb = join(work, "reloadable-watchexec.cnb");
    const packed = await execa(tool("pack"), ["buildpack", "package", cnb, "--path", dist, "--format", "file"], {
      cwd: work,
      all: true,
      reject: false,
      // --format file needs no Docker daemon; an unreachable DOCKER_HOST proves that.
      env: { HOME: home, DOCKER_HOST: "unix:///nonexistent/docker.sock", PATH: process.env.PATH ?? "/usr/bin:/bin" },
      extendEnv: false,
      timeout: 300_000,
    });
    expect(packed.exitCode, packed.all).toBe(0);
    expect(existsSync(cnb)).toBe(true);

    const image = await readOciArchive(cnb);
    expect(image.files).toContain("oci-layout");
    expect(image.config.os).toBe("linux");
    expect(image.config.architecture).toBe("amd64");

    const version = packagedVersion();
    const root = `cnb/buildpacks/${escapeId(RELOADABLE_ID)}/${version}`;
    const entries = flatten(image);
    const descriptor = entries.get(`${root}/buildpack.toml`);
    expect(descriptor?.type).toBe("File");
    expect(descriptor?.content?.toString("utf8")).toBe(readFileSync(join(dist, "buildpack.toml"), "utf8"));

    const main = entries.get(`${root}/bin/main`);
    expect(main?.type).toBe("File");
    expect(main!.mode & 0o111).toBe(0o111);
    expect(main?.size).toBe(statSync(join(dist, "bin", "main")).size);
    for (const phase of ["detect", "build"]) {
      const link = entries.get(`${root}/bin/${phase}`);
      expect(link, `${root}/bin/${phase}`).toBeDefined();
      if (link!.type === "SymbolicLink") expect(link!.linkpath).toBe("main");
      else {
        expect(link!.type).toBe("File");
        expect(link!.size).toBe(main!.size);
        expect(link!.mode & 0o111).toBe(0o111);
      }
    }

    const labels = image.config.config?.Labels ?? {};
    const metadata = JSON.parse(labels["io.buildpacks.buildpackage.metadata"] ?? "{}") as { id?: string; version?: string };
    expect(metadata).toMatchObject({ id: RELOADABLE_ID, version });
    const layers = JSON.parse(labels["io.buildpacks.buildpack.layers"] ?? "{}") as Record<string, Record<string, { layerDiffID?: string }>>;
    const layerDiffId = layers[RELOADABLE_ID]?.[version]?.layerDiffID;
    expect(image.layers.map((l) => l.diffId)).toContain(layerDiffId);
  }, 600_000);
});

describe("pack buildpack package --target linux/amd64 --target linux/arm64 (dist/multi-arch)", () => {
  it("makes one .cnb per target, each holding that arch's binaries and the descriptor with both targets", async () => {
    const dist = requireMultiArchPackage("amd64", "arm64");
    const home = join(work, "pack-home-multi");
    await mkdir(home, { recursive: true });
    const packed = await execa(
      tool("pack"),
      ["buildpack", "package", join(work, "reloadable-watchexec.cnb"), "--path", dist, "--format", "file", "--target", "linux/amd64", "--target", "linux/arm64"],
      {
        cwd: work,
        all: true,
        reject: false,
        // --format file needs no Docker daemon, and no registry: an unreachable DOCKER_HOST proves the first.
        env: { HOME: home, DOCKER_HOST: "unix:///nonexistent/docker.sock", PATH: process.env.PATH ?? "/usr/bin:/bin" },
        extendEnv: false,
        timeout: 600_000,
      },
    );
    expect(packed.exitCode, packed.all).toBe(0);
    // pack lays its copy of buildpack.toml into each linux/<arch>/ and removes it afterwards.
    expect(existsSync(join(dist, "linux", "arm64", "buildpack.toml"))).toBe(false);

    const version = packagedVersion();
    const root = `cnb/buildpacks/${escapeId(RELOADABLE_ID)}/${version}`;
    for (const [arch, machine] of [["amd64", EM_X86_64], ["arm64", EM_AARCH64]] as const) {
      const cnb = join(work, `reloadable-watchexec-linux-${arch}.cnb`);
      expect(existsSync(cnb), cnb).toBe(true);
      const image = await readOciArchive(cnb);
      expect(image.config).toMatchObject({ os: "linux", architecture: arch });
      const entries = flatten(image);
      expect(entries.get(`${root}/buildpack.toml`)?.content?.toString("utf8")).toBe(readFileSync(join(dist, "buildpack.toml"), "utf8"));
      for (const file of ["main", "reloadable-helper"]) {
        const entry = entries.get(`${root}/bin/${file}`);
        expect(entry?.mode ?? 0, `${arch} ${file}`).toBeGreaterThan(0o100);
        expect(elfMachine(entry!.head!), `${arch} ${file}`).toBe(machine);
        expect(entry?.size).toBe(statSync(join(dist, "linux", arch, "bin", file)).size);
      }
      expect(entries.get(`${root}/bin/detect`)?.linkpath).toBe("main");
      expect([...entries.keys()].some((path) => path.includes("/linux/"))).toBe(false);
      const layers = JSON.parse(image.config.config?.Labels?.["io.buildpacks.buildpack.layers"] ?? "{}") as Record<string, Record<string, { targets?: unknown }>>;
      expect(layers[RELOADABLE_ID]?.[version]?.targets).toEqual([
        { os: "linux", arch: "amd64" },
        { os: "linux", arch: "arm64" },
      ]);
    }
  }, 900_000);
});
