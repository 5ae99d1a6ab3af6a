import { watch } from "node:fs";
import { createServer } from "node:http";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { readToml, type TomlTable } from "../cnb/toml.ts";
import type { BuildpackInfo, DependencyRecord } from "../cnb/types.ts";
import type { ArtifactSource } from "../dependency/source.ts";
import { ChecksumMismatchError, DownloadError, UnsafeArchiveError } from "../errors.ts";
import type { Logger } from "../output.ts";
import { rawTar, sha256, watchexecArchive, xz } from "../testing/archive.ts";
import { testdir, type TestDir } from "../testing/testdir.ts";
import { DEFAULT_DOWNLOAD_OPTIONS } from "../dependency/download.ts";
import {
  BINARY_DIGEST,
  contributeWatchexecLayer,
  decideReuse,
  layerMetadataFor,
  type CachedBinary,
  type ContributeInput,
  type ReuseDecision,
  type WatchexecLayerMetadata,
} from "./layer.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

describe("decideReuse", () => {
  const expected: WatchexecLayerMetadata = {
    version: "2.5.1",
    sha256: "9efabd08",
    uri: "https://example.com/watchexec-2.5.1.tar.xz",
    arch: "amd64",
  };
  const same: TomlTable = { ...expected, [BINARY_DIGEST]: "b1" };
  const binary: CachedBinary = { executable: true, sha256: "b1" };
  const missing: CachedBinary = { executable: false, sha256: undefined };

  it.each<{ name: string; restored: TomlTable | undefined; binary: CachedBinary; decision: ReuseDecision }>([
    { name: "no metadata", restored: undefined, binary: missing, decision: { reuse: false, reason: "no cached layer" } },
    { name: "no metadata, stray binary", restored: undefined, binary, decision: { reuse: false, reason: "no cached layer" } },
    { name: "identical", restored: same, binary, decision: { reuse: true } },
    { name: "identical plus unknown fields", restored: { ...same, installed: "yesterday" }, binary, decision: { reuse: true } },
    {
      name: "version changed",
      restored: { ...same, version: "2.4.1" },
      binary,
      decision: { reuse: false, reason: "version changed: 2.4.1 -> 2.5.1" },
    },
    {
      name: "sha256 changed",
      restored: { ...same, sha256: "e8015bff" },
      binary,
      decision: { reuse: false, reason: "sha256 changed: e8015bff -> 9efabd08" },
    },
    {
      name: "arch changed",
      restored: { ...same, arch: "arm64" },
      binary,
      decision: { reuse: false, reason: "arch changed: arm64 -> amd64" },
    },
    {
      name: "uri changed",
      restored: { ...same, uri: "https://mirror/w.tar.xz" },
      binary,
      decision: { reuse: false, reason: "uri changed: https://mirror/w.tar.xz -> https://example.com/watchexec-2.5.1.tar.xz" },
    },
    {
      name: "version and sha256 changed: the version is named",
      restored: { ...same, version: "2.5.0", sha256: "e8015bff" },
      binary,
      decision: { reuse: false, reason: "version changed: 2.5.0 -> 2.5.1" },
    },
    {
      name: "empty metadata table",
      restored: {},
      binary,
      decision: { reuse: false, reason: "version changed: (none) -> 2.5.1" },
    },
    {
      name: "a field of the wrong type",
      restored: { ...same, version: 2.5 },
      binary,
      decision: { reuse: false, reason: "version changed: (none) -> 2.5.1" },
    },
    {
      name: "binary missing",
      restored: same,
      binary: missing,
      decision: { reuse: false, reason: "cached layer has no executable bin/watchexec" },
    },
    {
      name: "binary changed since it was installed (a corrupted cache)",
      restored: same,
      binary: { executable: true, sha256: "b2" },
      decision: { reuse: false, reason: "cached binary changed" },
    },
    {
      name: "no digest recorded (a layer from an older buildpack)",
      restored: { ...expected },
      binary,
      decision: { reuse: false, reason: "cached layer records no digest of its binary" },
    },
    {
      name: "binary missing and version changed: the version is named",
      restored: { ...same, version: "2.4.1" },
      binary: missing,
      decision: { reuse: false, reason: "version changed: 2.4.1 -> 2.5.1" },
    },
  ])("$name", ({ restored, binary, decision }) => {
    expect(decideReuse(restored, expected, binary)).toEqual(decision);
  });
});

describe("layerMetadataFor", () => {
  it.each<[string, string]>([
    ["pkg:generic/watchexec@2.5.1?arch=arm64", "arm64"],
    ["pkg:generic/watchexec@2.5.1", ""],
  ])("%s -> arch %j", (purl, arch) => {
    const dep = dependency("2.5.1", "abc");
    expect(layerMetadataFor({ ...dep, purl })).toEqual({ version: "2.5.1", sha256: "abc", uri: dep.uri, arch });
  });
});

// ---------------------------------------------------------------------------------------------

const BUILDPACK: BuildpackInfo = {
  id: "reloadable/watchexec",
  name: "Reloadable Buildpack for watchexec",
  version: "0.1.0",
  homepage: "https://github.com/reloadable/watchexec",
};

function dependency(version: string, sha: string): DependencyRecord {
  return {
    id: "watchexec",
    name: "Watchexec",
    version,
    uri: `https://github.com/watchexec/watchexec/releases/download/v${version}/watchexec-${version}-x86_64-unknown-linux-musl.tar.xz`,
    sha256: sha,
    purl: `pkg:generic/watchexec@${version}?arch=amd64`,
    cpes: [`cpe:2.3:a:watchexec:watchexec:${version}:*:*:*:*:*:*:*`],
    licenses: [{ type: "Apache-2.0", uri: "https://github.com/watchexec/watchexec/blob/main/LICENSE" }],
    stacks: ["*"],
  };
}

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger: Logger = {
    title: (name, version, homepage) => lines.push(`title: ${name} ${version} ${homepage}`),
    header: (text) => lines.push(`header: ${text}`),
    detail: (text) => lines.push(`detail: ${text}`),
    subDetail: (text) => lines.push(`subDetail: ${text}`),
    warn: (text) => lines.push(`warn: ${text}`),
    blank: () => lines.push("blank:"),
  };
  return { logger, lines };
}

const script = (version: string) => `#!/bin/sh\necho watchexec ${version}\n`;

interface Fixture {
  dir: TestDir;
  layers: string;
  archives: Record<"2.5.1" | "2.5.0", { path: string; sha256: string }>;
  /** Runs contributeWatchexecLayer with the given dependency version and source. */
  contribute(
    version: "2.5.1" | "2.5.0",
    options?: { source?: ArtifactSource; sha256?: string; download?: Partial<ContributeInput["download"]>; extraction?: ContributeInput["extraction"] },
  ): Promise<{ result: Awaited<ReturnType<typeof contributeWatchexecLayer>>; lines: string[] }>;
}

async function fixture(): Promise<Fixture> {
  const dir = await testdir({ "layers/": "" });
  cleanups.push(dir.cleanup);
  const archives = {} as Fixture["archives"];
  for (const version of ["2.5.1", "2.5.0"] as const) {
    const archive = watchexecArchive(`watchexec-${version}-x86_64-unknown-linux-musl`, script(version));
    const path = dir.join("archives", `watchexec-${version}.tar.xz`);
    await mkdir(dir.join("archives"), { recursive: true });
    await writeFile(path, archive.bytes);
    archives[version] = { path, sha256: archive.sha256 };
  }
  const layers = dir.join("layers");
  return {
    dir,
    layers,
    archives,
    async contribute(version, options = {}) {
      const { logger, lines } = recordingLogger();
      const result = await contributeWatchexecLayer({
        layersDir: layers,
        dependency: dependency(version, options.sha256 ?? archives[version].sha256),
        source: options.source ?? { kind: "offline", path: archives[version].path },
        buildpack: BUILDPACK,
        download: {
          ...DEFAULT_DOWNLOAD_OPTIONS,
          connectTimeoutMs: 2_000,
          readTimeoutMs: 2_000,
          backoffMs: [],
          progressIntervalMs: 60_000,
          logger,
          env: {},
          ...options.download,
        },
        ...(options.extraction !== undefined ? { extraction: options.extraction } : {}),
        logger,
      });
      return { result, lines };
    },
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe("contributeWatchexecLayer", () => {
  it("installs on the first build: bin/watchexec, the layer TOML and both SBOMs", async () => {
    const f = await fixture();
    const { result, lines } = await f.contribute("2.5.1");
    const layer = f.dir.join("layers", "watchexec");

    expect(result).toEqual({ reused: false, binary: `${layer}/bin/watchexec` });
    expect(await readFile(result.binary, "utf8")).toBe(script("2.5.1"));
    expect((await stat(result.binary)).mode & 0o111).not.toBe(0);
    expect((await readdir(layer)).sort()).toEqual(["LICENSE", "bin", "completions"]);
    expect(await readdir(f.layers)).not.toContain("watchexec.staging");

    expect(await readToml(f.dir.join("layers", "watchexec.toml"))).toEqual({
      types: { launch: true, cache: true, build: false },
      metadata: {
        version: "2.5.1",
        sha256: f.archives["2.5.1"].sha256,
        uri: dependency("2.5.1", "").uri,
        arch: "amd64",
        [BINARY_DIGEST]: sha256(Buffer.from(script("2.5.1"))),
      },
    });
    const cdx = JSON.parse(await readFile(f.dir.join("layers", "watchexec.sbom.cdx.json"), "utf8")) as { components: { version: string }[] };
    const syft = JSON.parse(await readFile(f.dir.join("layers", "watchexec.sbom.syft.json"), "utf8")) as { artifacts: { version: string }[] };
    expect(cdx.components[0]?.version).toBe("2.5.1");
    expect(syft.artifacts[0]?.version).toBe("2.5.1");

    expect(lines.slice(0, 4)).toEqual([
      "header: Watchexec 2.5.1 (amd64)",
      "detail: Installing: no cached layer",
      `detail: Fetching ${f.archives["2.5.1"].path} (offline package)`,
      `detail: Verifying checksum ${f.archives["2.5.1"].sha256} before extracting`,
    ]);
    expect(lines[4]).toMatch(/^subDetail: Downloaded \d+ B in \d+ms$/);
    expect(lines[5]).toMatch(new RegExp(`^detail: Installed to ${layer.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} in \\d+(ms|\\.\\ds)$`));
    expect(lines).toHaveLength(6);
  });

  it("reuses the layer on the second build without fetching", async () => {
    const f = await fixture();
    await f.contribute("2.5.1");
    // A second build must not even open the artifact: point the source at nothing.
    const { result, lines } = await f.contribute("2.5.1", { source: { kind: "offline", path: f.dir.join("gone.tar.xz") } });
    expect(result.reused).toBe(true);
    expect(lines).toEqual(["header: Watchexec 2.5.1 (amd64)", `detail: Reusing cached layer ${f.dir.join("layers", "watchexec")}`]);
    expect(await readFile(result.binary, "utf8")).toBe(script("2.5.1"));
    expect(await exists(f.dir.join("layers", "watchexec.toml"))).toBe(true);
    expect(await exists(f.dir.join("layers", "watchexec.sbom.cdx.json"))).toBe(true);
    expect(await exists(f.dir.join("layers", "watchexec.sbom.syft.json"))).toBe(true);
  });

  it("replaces the layer when the dependency version changes, and says why", async () => {
    const f = await fixture();
    await f.contribute("2.5.1");
    const { result, lines } = await f.contribute("2.5.0");
    expect(result.reused).toBe(false);
    expect(lines).toContain("detail: Installing: version changed: 2.5.1 -> 2.5.0");
    expect(await readFile(result.binary, "utf8")).toBe(script("2.5.0"));
    const toml = await readToml(f.dir.join("layers", "watchexec.toml"));
    expect(toml.metadata).toMatchObject({ version: "2.5.0", sha256: f.archives["2.5.0"].sha256 });
    const cdx = JSON.parse(await readFile(f.dir.join("layers", "watchexec.sbom.cdx.json"), "utf8")) as { components: { version: string }[] };
    expect(cdx.components[0]?.version).toBe("2.5.0");
    expect((await readdir(f.layers)).sort()).toEqual([
      "watchexec",
      "watchexec.sbom.cdx.json",
      "watchexec.sbom.syft.json",
      "watchexec.toml",
    ]);
  });

  it("reinstalls when the restored layer lacks its binary", async () => {
    const f = await fixture();
    const first = await f.contribute("2.5.1");
    await rm(first.result.binary);
    const { result, lines } = await f.contribute("2.5.1");
    expect(result.reused).toBe(false);
    expect(lines).toContain("detail: Installing: cached layer has no executable bin/watchexec");
    expect(await readFile(result.binary, "utf8")).toBe(script("2.5.1"));
  });

  it("reinstalls when the layer dir exists but its TOML does not (a build killed mid-install)", async () => {
    const f = await fixture();
    await f.contribute("2.5.1");
    await rm(f.dir.join("layers", "watchexec.toml"));
    const { result, lines } = await f.contribute("2.5.1");
    expect(result.reused).toBe(false);
    expect(lines).toContain("detail: Installing: no cached layer");
  });

  it.each<{ name: string; source: (archive: string) => ArtifactSource; described: (archive: string) => string }>([
    { name: "a file:// URI", source: (a) => ({ kind: "network", uri: pathToFileURL(a).href }), described: (a) => pathToFileURL(a).href },
    {
      name: "a dependency-mapping binding to an absolute path",
      source: (a) => ({ kind: "binding", uri: a, binding: "mirror" }),
      described: (a) => `${a} (dependency-mapping binding "mirror")`,
    },
  ])("installs from $name", async ({ source, described }) => {
    const f = await fixture();
    const { result, lines } = await f.contribute("2.5.1", { source: source(f.archives["2.5.1"].path) });
    expect(result.reused).toBe(false);
    expect(lines).toContain(`detail: Fetching ${described(f.archives["2.5.1"].path)}`);
    expect(await readFile(result.binary, "utf8")).toBe(script("2.5.1"));
  });

  it("installs over HTTP, retrying a 500", async () => {
    const f = await fixture();
    const body = await readFile(f.archives["2.5.1"].path);
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      if (requests === 1) res.writeHead(500).end();
      else res.writeHead(200, { "Content-Length": body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no address");
    const uri = `http://127.0.0.1:${address.port}/watchexec.tar.xz`;

    const { result, lines } = await f.contribute("2.5.1", { source: { kind: "network", uri }, download: { backoffMs: [10] } });
    expect(requests).toBe(2);
    expect(lines).toContain(`subDetail: HTTP 500 Internal Server Error (${uri}); retrying in 10ms (1 of 1)`);
    expect(await readFile(result.binary, "utf8")).toBe(script("2.5.1"));
  });

  it("installs over HTTP after a download cut short, extracting again from scratch", async () => {
    const f = await fixture();
    const body = await readFile(f.archives["2.5.1"].path);
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.writeHead(200, { "Content-Length": body.length });
      if (requests === 1) res.write(body.subarray(0, body.length - 40), () => setTimeout(() => res.socket?.destroy(), 20));
      else res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no address");
    const uri = `http://127.0.0.1:${address.port}/watchexec.tar.xz`;

    const { result, lines } = await f.contribute("2.5.1", { source: { kind: "network", uri }, download: { backoffMs: [10] } });
    expect(requests).toBe(2);
    expect(lines.some((l) => l.includes("retrying in 10ms (1 of 1)"))).toBe(true);
    expect(await readFile(result.binary, "utf8")).toBe(script("2.5.1"));
    expect((await readdir(f.dir.join("layers", "watchexec"))).sort()).toEqual(["LICENSE", "bin", "completions"]);
    expect(await readdir(f.layers)).not.toContain("watchexec.staging");
  });

  it("a checksum mismatch writes no layer TOML and leaves the previous content whole", async () => {
    const f = await fixture();
    await f.contribute("2.5.1");
    // 2.5.0 is expected, the 2.5.1 archive arrives.
    await expect(f.contribute("2.5.0", { source: { kind: "offline", path: f.archives["2.5.1"].path } })).rejects.toThrow();
    // Let anything still in flight land before looking.
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(await exists(f.dir.join("layers", "watchexec.toml"))).toBe(false);
    expect(await readFile(f.dir.join("layers", "watchexec", "bin", "watchexec"), "utf8")).toBe(script("2.5.1"));
    expect((await readdir(f.dir.join("layers", "watchexec"))).sort()).toEqual(["LICENSE", "bin", "completions"]);
    expect((await readdir(f.layers)).filter((name) => name.endsWith(".tmp"))).toEqual([]);

    // Without its TOML the old content is never reused; the next good build installs again.
    const { result, lines } = await f.contribute("2.5.0");
    expect(result.reused).toBe(false);
    expect(lines).toContain("detail: Installing: no cached layer");
    expect(await readFile(result.binary, "utf8")).toBe(script("2.5.0"));
  });

  // Once a race (tar writes still landing in the staging dir while it was removed) left
  // watchexec.staging behind in about half the runs; now nothing is unpacked before the digest
  // matches. 20 tries keep a race from hiding.
  it("a checksum mismatch throws ChecksumMismatchError and leaves no watchexec.staging, every time", async () => {
    const f = await fixture();
    for (let i = 0; i < 20; i++) {
      const layers = f.dir.join(`layers-${i}`);
      await mkdir(layers);
      const { logger } = recordingLogger();
      const error: unknown = await contributeWatchexecLayer({
        layersDir: layers,
        dependency: dependency("2.5.0", f.archives["2.5.0"].sha256),
        source: { kind: "offline", path: f.archives["2.5.1"].path },
        buildpack: BUILDPACK,
        download: { ...DEFAULT_DOWNLOAD_OPTIONS, backoffMs: [], progressIntervalMs: 60_000, logger, env: {} },
        logger,
      }).catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(error).toBeInstanceOf(ChecksumMismatchError);
      expect(await readdir(layers)).toEqual([]);
    }
  });

  it("refuses an archive without a top-level watchexec and installs nothing", async () => {
    const f = await fixture();
    const bytes = xz(rawTar([{ path: "top/", type: "Directory" }, { path: "top/README.md", body: "no binary here" }]));
    const path = f.dir.join("archives", "empty.tar.xz");
    await writeFile(path, bytes);
    const error: unknown = await f
      .contribute("2.5.1", { source: { kind: "offline", path }, sha256: sha256(bytes) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafeArchiveError);
    expect((error as Error).message).toBe(`no executable watchexec at the top of the archive in ${path}`);
    expect(await readdir(f.layers)).toEqual([]);
  });

  it("refuses an archive whose watchexec is not executable", async () => {
    const f = await fixture();
    const bytes = xz(rawTar([{ path: "top/", type: "Directory" }, { path: "top/watchexec", body: "#!/bin/sh\n", mode: 0o644 }]));
    const path = f.dir.join("archives", "noexec.tar.xz");
    await writeFile(path, bytes);
    await expect(f.contribute("2.5.1", { source: { kind: "offline", path }, sha256: sha256(bytes) })).rejects.toBeInstanceOf(
      UnsafeArchiveError,
    );
    expect(await readdir(f.layers)).toEqual([]);
  });

  it("reinstalls when the cached binary changed since it was installed, and says so", async () => {
    const f = await fixture();
    const first = await f.contribute("2.5.1");
    // A cache corrupted between builds: same size, other bytes (as a bad disk or a stray write leaves it).
    const original = await readFile(first.result.binary);
    await writeFile(first.result.binary, Buffer.alloc(original.length, 0x41));
    const { result, lines } = await f.contribute("2.5.1");
    expect(result.reused).toBe(false);
    expect(lines).toContain("detail: Installing: cached binary changed");
    expect(await readFile(result.binary, "utf8")).toBe(script("2.5.1"));
    // ...and the reinstalled layer is reused again.
    expect((await f.contribute("2.5.1")).result.reused).toBe(true);
  });

  it("removes what a killed install left (staging dir, downloaded archive, temp files of atomic writes), also when reusing", async () => {
    const f = await fixture();
    await f.contribute("2.5.1");
    await mkdir(f.dir.join("layers", "watchexec.staging", "bin"), { recursive: true });
    await writeFile(f.dir.join("layers", "watchexec.staging", "bin", "watchexec"), "half");
    await writeFile(f.dir.join("layers", "watchexec.download"), "half an archive");
    const { result } = await f.contribute("2.5.1");
    expect(result.reused).toBe(true);
    expect((await readdir(f.layers)).sort()).toEqual(["watchexec", "watchexec.sbom.cdx.json", "watchexec.sbom.syft.json", "watchexec.toml"]);
  });

  it("verifies before it unpacks: a mismatched archive never gets a staging dir", async () => {
    const f = await fixture();
    const created: string[] = [];
    const watcher = watch(f.layers, (_event, name) => {
      if (name !== null) created.push(name);
    });
    cleanups.push(async () => watcher.close());
    const error: unknown = await f
      .contribute("2.5.0", { source: { kind: "offline", path: f.archives["2.5.1"].path } })
      .catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the watcher report
    expect(error).toBeInstanceOf(ChecksumMismatchError);
    expect(created).toContain("watchexec.download");
    expect(created).not.toContain("watchexec.staging");
    expect(await readdir(f.layers)).toEqual([]);
  });

  it("bounds the extraction: an archive past the entry limit installs nothing", async () => {
    const f = await fixture();
    const entries = Array.from({ length: 30 }, (_, i) => ({ path: `top/f${i}`, body: "x" }));
    const bytes = xz(rawTar([{ path: "top/", type: "Directory" }, { path: "top/watchexec", body: "#!/bin/sh\n", mode: 0o755 }, ...entries]));
    const path = f.dir.join("archives", "many.tar.xz");
    await writeFile(path, bytes);
    const error: unknown = await f
      .contribute("2.5.1", { source: { kind: "offline", path }, sha256: sha256(bytes), extraction: { maxBytes: 1024 * 1024, maxEntries: 10 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafeArchiveError);
    expect((error as Error).message).toBe(`the archive holds more than 10 entries (the limit) in ${path}`);
    expect(await readdir(f.layers)).toEqual([]);
  });

  it("names the binding when its URI is a directory", async () => {
    const f = await fixture();
    const sha = f.archives["2.5.1"].sha256;
    const error: unknown = await f.contribute("2.5.1", { source: { kind: "binding", uri: f.dir.join("archives"), binding: "mirror" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as DownloadError).message).toBe(`the artifact is a directory, not a file (${f.dir.join("archives")})`);
    expect((error as DownloadError).fix).toBe(
      `Point the dependency-mapping binding "mirror" (its entry ${sha}) at the watchexec release .tar.xz file; nothing was installed.`,
    );
    expect(await readdir(f.layers)).toEqual([]);
  });
});
