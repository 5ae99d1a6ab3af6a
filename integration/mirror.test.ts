// Issue 17: dependency mirrors as libpak users set them, on the real lifecycle, with real HTTPS
// servers on 127.0.0.1 as the mirrors and a real file:// mirror.
import { existsSync, readFileSync } from "node:fs";
import TOML from "@iarna/toml";
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertBuilt,
  type BindingSpec,
  type BuildResult,
  type CnbBuild,
  DependencyServer,
  escapeId,
  fixtureBuildpack,
  localBusybox,
  localWatchexec,
  makeTestCertificate,
  reloadable,
  reloadableDescriptor,
  RELOADABLE_ID,
  scratchRoot,
  type TestCertificate,
  withBuild,
} from "./harness/index.ts";
import { fixturesDir, requirePackage } from "./harness/paths.ts";

const pythonApp = join(fixturesDir, "apps", "python-web");
const watchexec = localWatchexec();
const ORIGINAL_PATH = `/watchexec/watchexec/releases/download/v2.5.1/${watchexec.name}`;
// buildpack.toml's URI points at a port where nothing listens: only a mirror can deliver.
const DEAD_URI = `https://127.0.0.1:9${ORIGINAL_PATH}`;
const descriptor = reloadableDescriptor([{ version: "2.5.1", uri: DEAD_URI, sha256: watchexec.sha256 }]);
const busybox = localBusybox();
/** buildpack.toml's own busybox URI: the Debian archive, reached here through a per-host mirror. */
const BUSYBOX_URI = (TOML.parse(readFileSync(join(requirePackage(), "buildpack.toml"), "utf8")) as any).metadata.dependencies.find((d: any) => d.id === "busybox" && String(d.purl).includes("arch=amd64")).uri as string;

let certificate: TestCertificate;
let mirror: DependencyServer;
let plain: DependencyServer;
let fileMirror: string;

/** The mirror's URL for a path under it: `https://127.0.0.1:<port><path>`. */
const at = (path: string) => mirror.url(path.replace(/^\//, ""));

beforeAll(async () => {
  certificate = makeTestCertificate();
  mirror = await new DependencyServer({ tls: certificate }).start();
  for (const base of ["/var-default", "/127.0.0.1/var-host", "/binding-default", "/binding-host"]) mirror.serve(`${base}${ORIGINAL_PATH}`.slice(1), watchexec.bytes);
  mirror.serve(`flat/${watchexec.name}`, watchexec.bytes);
  mirror.serve(`debian${decodeURIComponent(new URL(BUSYBOX_URI).pathname)}`, busybox.bytes);
  mirror.serve(`wrong${ORIGINAL_PATH}`, Buffer.from("not the release archive"));
  plain = await new DependencyServer().start();
  plain.serve(watchexec.name, watchexec.bytes);

  // A file:// mirror: a directory the build user can read, laid out like the original host.
  fileMirror = await mkdtemp(join(scratchRoot(), "reloadable-file-mirror-"));
  await mkdir(join(fileMirror, ...ORIGINAL_PATH.split("/").slice(0, -1)), { recursive: true });
  await writeFile(join(fileMirror, ORIGINAL_PATH), watchexec.bytes, { mode: 0o644 });
  for (let dir = join(fileMirror, ORIGINAL_PATH, ".."); dir.startsWith(fileMirror); dir = join(dir, "..")) await chmod(dir, 0o755);
});

afterAll(async () => {
  await mirror?.stop();
  await plain?.stop();
  certificate?.remove();
  if (fileMirror !== undefined) await rm(fileMirror, { recursive: true, force: true });
});

interface MirrorBuild {
  env?: Record<string, string>;
  bindings?: Record<string, BindingSpec>;
  /** Trust the mirror's certificate (default), as a user trusts a company CA. */
  trust?: boolean;
}

async function buildWith(options: MirrorBuild, check: (result: BuildResult, build: CnbBuild) => Promise<void> | void): Promise<void> {
  await withBuild(
    {
      app: pythonApp,
      env: {
        BP_LIVE_RELOAD_ENABLED: "true",
        // These cases are about watchexec's download: the sync tools' busybox would go through
        // the same mirrors (tested once, below).
        BP_LIVE_RELOAD_SYNC_TOOLS: "false",
        ...(options.trust === false ? {} : { NODE_EXTRA_CA_CERTS: certificate.caFile }),
        ...options.env,
      },
      ...(options.bindings ? { bindings: options.bindings } : {}),
      order: [fixtureBuildpack("self-reloading-python"), reloadable({ descriptor })],
    },
    async (build) => check(await build.build(), build),
  );
}

/** What a failed build must not leave: a layer, its staging dir, or metadata a rebuild could reuse. */
async function assertNothingInstalled(build: CnbBuild): Promise<void> {
  const layers = join(build.layersDir, escapeId(RELOADABLE_ID));
  const left = existsSync(layers) ? await readdir(layers) : [];
  expect(left.filter((name) => name.startsWith("watchexec"))).toEqual([]);
}

const mirrorBinding = (entries: Record<string, string>): Record<string, BindingSpec> => ({ corp: { type: "dependency-mirror", entries } });

describe("where the mirror comes from, and which one wins (libpak's precedence)", () => {
  const VAR_DEFAULT = () => at("/var-default");
  const VAR_HOST = () => at("/{originalHost}/var-host");
  const BINDING_DEFAULT = () => at("/binding-default");
  const BINDING_HOST = () => at("/binding-host");

  it.each<{ name: string; env?: () => Record<string, string>; bindings?: () => Record<string, string>; fetched: string; setting: string }>([
    { name: "BP_DEPENDENCY_MIRROR", env: () => ({ BP_DEPENDENCY_MIRROR: VAR_DEFAULT() }), fetched: "/var-default", setting: "BP_DEPENDENCY_MIRROR" },
    {
      name: "BP_DEPENDENCY_MIRROR_127_0_0_1 with {originalHost} beats BP_DEPENDENCY_MIRROR",
      env: () => ({ BP_DEPENDENCY_MIRROR: VAR_DEFAULT(), BP_DEPENDENCY_MIRROR_127_0_0_1: VAR_HOST() }),
      fetched: "/127.0.0.1/var-host",
      setting: "BP_DEPENDENCY_MIRROR_127_0_0_1",
    },
    { name: "a dependency-mirror binding's default entry", bindings: () => ({ default: BINDING_DEFAULT() }), fetched: "/binding-default", setting: "dependency-mirror binding corp/default" },
    {
      name: "a binding's host entry beats its default entry",
      bindings: () => ({ default: BINDING_DEFAULT(), "127.0.0.1": BINDING_HOST() }),
      fetched: "/binding-host",
      setting: "dependency-mirror binding corp/127.0.0.1",
    },
    {
      name: "BP_DEPENDENCY_MIRROR replaces the binding's default entry",
      env: () => ({ BP_DEPENDENCY_MIRROR: VAR_DEFAULT() }),
      bindings: () => ({ default: BINDING_DEFAULT() }),
      fetched: "/var-default",
      setting: "BP_DEPENDENCY_MIRROR",
    },
    {
      name: "BP_DEPENDENCY_MIRROR_127_0_0_1 replaces the binding's entry for 127.0.0.1",
      env: () => ({ BP_DEPENDENCY_MIRROR_127_0_0_1: VAR_HOST() }),
      bindings: () => ({ "127.0.0.1": BINDING_HOST() }),
      fetched: "/127.0.0.1/var-host",
      setting: "BP_DEPENDENCY_MIRROR_127_0_0_1",
    },
    {
      name: "a binding's host entry beats BP_DEPENDENCY_MIRROR: the host's own mirror first, wherever it is set",
      env: () => ({ BP_DEPENDENCY_MIRROR: VAR_DEFAULT() }),
      bindings: () => ({ "127.0.0.1": BINDING_HOST() }),
      fetched: "/binding-host",
      setting: "dependency-mirror binding corp/127.0.0.1",
    },
  ])("$name", async ({ env, bindings, fetched, setting }) => {
    const before = mirror.requests.length;
    await buildWith({ env: env?.() ?? {}, ...(bindings ? { bindings: mirrorBinding(bindings()) } : {}) }, async (result, build) => {
      assertBuilt(result);
      const url = at(`${fetched}${ORIGINAL_PATH}`);
      expect(result.log).toContain(`Fetching ${url} (mirror from ${setting})`);
      expect(mirror.requests.slice(before)).toEqual([`${fetched}${ORIGINAL_PATH}`]);
      // The layer records buildpack.toml's URI: switching mirrors does not reinstall.
      expect((await build.layerToml(RELOADABLE_ID, "watchexec.toml"))?.metadata).toMatchObject({ uri: DEAD_URI, sha256: watchexec.sha256 });
      expect(existsSync(join(build.layersDir, escapeId(RELOADABLE_ID), "watchexec", "bin", "watchexec"))).toBe(true);
    });
  });

  it("a dependency-mapping binding beats every mirror; the log names the mirror not used", async () => {
    const before = mirror.requests.length;
    const fromPlain = plain.count(watchexec.name);
    await buildWith(
      {
        env: { BP_DEPENDENCY_MIRROR: VAR_DEFAULT() },
        bindings: {
          ...mirrorBinding({ "127.0.0.1": BINDING_HOST() }),
          map: { type: "dependency-mapping", entries: { [watchexec.sha256]: plain.url(watchexec.name) } },
        },
      },
      (result) => {
        assertBuilt(result);
        expect(result.log).toContain(`Fetching ${plain.url(watchexec.name)} (dependency-mapping binding "map"; the mirror from dependency-mirror binding corp/127.0.0.1 is not used)`);
        expect(mirror.requests.length).toBe(before);
        expect(plain.count(watchexec.name)).toBe(fromPlain + 1);
      },
    );
  });
});

describe("the mirror's URL", () => {
  it("skip-path drops part of the original path (the mirror=<url>,skip-path= form, from a binding)", async () => {
    const before = mirror.requests.length;
    const value = `mirror=${at("/flat")},skip-path=/watchexec/watchexec/releases/download/v2.5.1`;
    await buildWith({ bindings: mirrorBinding({ default: value }) }, (result) => {
      assertBuilt(result);
      expect(result.log).toContain(`Fetching ${at(`/flat/${watchexec.name}`)} (mirror from dependency-mirror binding corp/default)`);
      expect(mirror.requests.slice(before)).toEqual([`/flat/${watchexec.name}`]);
    });
  });

  it("a file:// mirror: a directory laid out like the original host", async () => {
    await buildWith({ env: { BP_DEPENDENCY_MIRROR: `file://${fileMirror}` } }, (result) => {
      assertBuilt(result);
      expect(result.log).toContain(`Fetching file://${fileMirror}${ORIGINAL_PATH} (mirror from BP_DEPENDENCY_MIRROR)`);
      expect(result.log).toContain("Installed to");
    });
  });

  it("the configuration table shows each mirror variable", async () => {
    await buildWith({ env: { BP_DEPENDENCY_MIRROR: at("/var-default"), BP_DEPENDENCY_MIRROR_EXAMPLE_COM: "https://mirror.example.com" } }, (result) => {
      assertBuilt(result);
      expect(result.log).toMatch(new RegExp(`BP_DEPENDENCY_MIRROR +${at("/var-default").replaceAll(".", "\\.")} `));
      expect(result.log).toMatch(/BP_DEPENDENCY_MIRROR_EXAMPLE_COM +https:\/\/mirror\.example\.com +the dependency mirror for example\.com/);
    });
  });
});

describe("a mirror that fails: a named error, nothing installed", () => {
  it("404: the error names the setting and the URL; a 4xx is not retried", async () => {
    const before = mirror.requests.length;
    await buildWith({ env: { BP_DEPENDENCY_MIRROR: at("/missing") } }, async (result, build) => {
      expect(result.success).toBe(false);
      expect(result.log).toContain(`ERROR: the mirror from BP_DEPENDENCY_MIRROR failed: HTTP 404 Not Found (${at(`/missing${ORIGINAL_PATH}`)})`);
      expect(result.log).toContain(`Check that the mirror holds ${at(`/missing${ORIGINAL_PATH}`)}`);
      expect(mirror.requests.slice(before)).toEqual([`/missing${ORIGINAL_PATH}`]);
      await assertNothingInstalled(build);
    });
  });

  it("a different artifact: the SHA-256 is still verified", async () => {
    await buildWith({ env: { BP_DEPENDENCY_MIRROR: at("/wrong") } }, async (result, build) => {
      expect(result.success).toBe(false);
      expect(result.log).toContain(
        `ERROR: the mirror from BP_DEPENDENCY_MIRROR served an artifact that is not the one buildpack.toml names: SHA-256 mismatch for ${at(`/wrong${ORIGINAL_PATH}`)}: expected ${watchexec.sha256}`,
      );
      await assertNothingInstalled(build);
    });
  });

  it("a certificate the build does not trust: TLS is verified, also on 127.0.0.1 (libpak skips it there)", async () => {
    await buildWith({ env: { BP_DEPENDENCY_MIRROR: at("/var-default") }, trust: false }, async (result, build) => {
      expect(result.success).toBe(false);
      expect(result.log).toContain("ERROR: the mirror from BP_DEPENDENCY_MIRROR failed: request failed: self-signed certificate");
      await assertNothingInstalled(build);
    });
  });
});

describe("bad mirror settings fail the build before anything is fetched", () => {
  it.each<{ name: string; env?: Record<string, string>; bindings?: Record<string, string>; error: string }>([
    { name: "an http:// mirror", env: { BP_DEPENDENCY_MIRROR: "http://127.0.0.1:9/m" }, error: 'BP_DEPENDENCY_MIRROR="http://127.0.0.1:9/m" uses http://, which is not a mirror scheme' },
    { name: "an unknown argument, in a binding", bindings: { default: "https://127.0.0.1:9/m,skip=/x" }, error: 'dependency-mirror binding corp/default="https://127.0.0.1:9/m,skip=/x" has the unknown argument "skip"' },
    { name: "an unparsable URL", env: { BP_DEPENDENCY_MIRROR_127_0_0_1: "https://127.0.0.1:port/m" }, error: 'BP_DEPENDENCY_MIRROR_127_0_0_1="https://127.0.0.1:port/m" is not an absolute URL' },
    { name: "an empty value", env: { BP_DEPENDENCY_MIRROR: "" }, error: 'BP_DEPENDENCY_MIRROR="" is empty' },
    { name: "BP_DEPENDENCY_MIRROR_DEFAULT", env: { BP_DEPENDENCY_MIRROR_DEFAULT: "https://127.0.0.1:9/m" }, error: 'BP_DEPENDENCY_MIRROR_DEFAULT="https://127.0.0.1:9/m" names no host' },
  ])("$name", async ({ env, bindings, error }) => {
    const before = mirror.requests.length;
    await buildWith({ env: env ?? {}, ...(bindings ? { bindings: mirrorBinding(bindings) } : {}) }, async (result, build) => {
      expect(result.success).toBe(false);
      expect(result.log).toContain(`ERROR: ${error}`);
      expect(mirror.requests.length).toBe(before);
      await assertNothingInstalled(build);
    });
  });

  it("busybox from the Debian archive through BP_DEPENDENCY_MIRROR_DEB_DEBIAN_ORG, verified, both dependencies installed", async () => {
    const withDebian = reloadableDescriptor([
      { version: "2.5.1", uri: DEAD_URI, sha256: watchexec.sha256 },
      { id: "busybox", version: "1.35.0", uri: BUSYBOX_URI, sha256: busybox.sha256 },
    ]);
    await withBuild(
      {
        app: pythonApp,
        env: { BP_LIVE_RELOAD_ENABLED: "true", NODE_EXTRA_CA_CERTS: certificate.caFile, BP_DEPENDENCY_MIRROR_127_0_0_1: at("/var-default"), BP_DEPENDENCY_MIRROR_DEB_DEBIAN_ORG: at("/debian") },
        order: [fixtureBuildpack("self-reloading-python"), reloadable({ descriptor: withDebian })],
      },
      async (build) => {
        const result = await build.build();
        assertBuilt(result);
        expect(result.log).toContain(`Fetching ${at("/debian")}${decodeURIComponent(new URL(BUSYBOX_URI).pathname)} (mirror from BP_DEPENDENCY_MIRROR_DEB_DEBIAN_ORG)`);
        expect(existsSync(join(build.layersDir, escapeId(RELOADABLE_ID), "busybox", "bin", "busybox"))).toBe(true);
      },
    );
  });

  it("credentials: sent as HTTP basic auth, as libpak sends them, and the password is nowhere in the log", async () => {
    const before = mirror.requests.length;
    const secret = "s3cr3t-pa55";
    const value = at("/var-default").replace("https://", `https://builder:${secret}@`);
    await buildWith({ env: { BP_DEPENDENCY_MIRROR: value } }, async (result) => {
      assertBuilt(result);
      const masked = value.replace(secret, "***");
      expect(result.log).toMatch(new RegExp(`BP_DEPENDENCY_MIRROR +${masked.replaceAll(".", "\\.").replaceAll("*", "\\*")} `));
      expect(result.log).not.toContain(secret);
      expect(mirror.requests.length).toBe(before + 1);
      expect(mirror.authorizations.at(-1)).toBe(`Basic ${Buffer.from(`builder:${secret}`).toString("base64")}`);
    });
  });
});
