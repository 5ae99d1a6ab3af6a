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
import { fixturesDir, repoRoot, WATCHEXEC_TARBALL } from "./harness/paths.ts";
import { flatten, readOciArchive } from "./harness/oci.ts";

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
