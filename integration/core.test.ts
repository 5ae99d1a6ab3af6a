// Issue 3: the buildpack on the real CNB lifecycle (detector, builder, launcher) with the real
// watchexec, a real dependency server and real file syncs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertBuilt,
  DependencyServer,
  fixtureBuildpack,
  freePort,
  localWatchexec,
  reloadable,
  reloadableDescriptor,
  RELOADABLE_ID,
  serveLocalWatchexec,
  waitForBody,
  withBuild,
} from "./harness/index.ts";
import { fixturesDir } from "./harness/paths.ts";
import { join } from "node:path";

const pythonApp = join(fixturesDir, "apps", "python-web");
const watchexec = localWatchexec();
let server: DependencyServer;
let descriptor: string;

beforeAll(async () => {
  ({ server, descriptor } = await serveLocalWatchexec());
});
afterAll(async () => {
  await server.stop();
});

describe("detection on the real lifecycle", () => {
  it("drops out, when optional, if BP_LIVE_RELOAD_ENABLED is unset, and the build passes", async () => {
    await withBuild(
      { app: pythonApp, order: [fixtureBuildpack("self-reloading-python"), reloadable({ descriptor, optional: true })] },
      async (build) => {
        const result = await build.build();
        assertBuilt(result);
        expect(result.group.map((g) => g.id)).toEqual(["fixtures/self-reloading-python"]);
        expect(result.log).toContain("BP_LIVE_RELOAD_ENABLED is not true");
      },
    );
  });

  it("fails the build with a named error for BP_LIVE_RELOAD_ENABLED=ture", async () => {
    await withBuild(
      { app: pythonApp, env: { BP_LIVE_RELOAD_ENABLED: "ture" }, order: [fixtureBuildpack("self-reloading-python"), reloadable({ descriptor })] },
      async (build) => {
        const result = await build.build();
        expect(result.success).toBe(false);
        expect(result.detectCode).toBe(21); // the detector's "a buildpack errored"
        expect(result.log).toContain("err:  reloadable/watchexec@0.1.0 (1)");
        expect(result.log).toContain('BP_LIVE_RELOAD_ENABLED="ture" is not a boolean');
        expect(result.log).toContain("accepted values are true, 1, yes, on, false, 0, no, off");
      },
    );
  });

  // The reference lifecycle's rule, pinned here because the README warns about it: a detect
  // ERROR of an OPTIONAL buildpack does not fail the group; it only drops that buildpack.
  it("when optional, a bad flag drops the buildpack with the error in the detect output", async () => {
    await withBuild(
      { app: pythonApp, env: { BP_LIVE_RELOAD_ENABLED: "ture" }, order: [fixtureBuildpack("self-reloading-python"), reloadable({ descriptor, optional: true })] },
      async (build) => {
        const result = await build.build();
        assertBuilt(result);
        expect(result.group.map((g) => g.id)).toEqual(["fixtures/self-reloading-python"]);
        expect(result.log).toContain("err:  reloadable/watchexec@0.1.0 (1)");
        expect(result.log).toContain('BP_LIVE_RELOAD_ENABLED="ture" is not a boolean');
      },
    );
  });
});

describe("a real reload through the launcher", () => {
  it("serves, reloads after a tar-stream sync, counts one start per sync, and stops on SIGTERM", async () => {
    await withBuild(
      {
        app: pythonApp,
        env: { BP_LIVE_RELOAD_ENABLED: "true" },
        order: [fixtureBuildpack("self-reloading-python"), reloadable({ descriptor })],
      },
      async (build) => {
        assertBuilt(await build.build());
        const port = await freePort();
        const app = await build.launch("web", { PORT: String(port) });
        const url = `http://127.0.0.1:${port}/`;
        expect((await waitForBody(url)).body).toBe("hello v1");
        expect(app.count(/app started/)).toBe(1);

        const synced = await build.sync({ "message.txt": "hello v2\n" });
        const reloaded = await waitForBody(url, (body) => body === "hello v2");
        console.log(`reload: sync ${synced.ms}ms, end of sync -> new response ${reloaded.ms.toFixed(0)}ms`);
        await new Promise((r) => setTimeout(r, 500)); // a second restart would show up here
        expect(app.count(/app started/)).toBe(2);

        const stopped = await app.stop();
        expect(stopped.ms).toBeLessThan(10_000);
        expect(stopped.leftovers).toEqual([]);
      },
    );
  });
});

describe("where the artifact comes from", () => {
  it("a dependency-mapping binding redirects the download (buildpack.toml's URI is dead)", async () => {
    const dead = reloadableDescriptor([{ version: "2.5.1", uri: `http://127.0.0.1:9/${watchexec.name}`, sha256: watchexec.sha256 }]);
    await withBuild(
      {
        app: pythonApp,
        env: { BP_LIVE_RELOAD_ENABLED: "true" },
        bindings: { mirror: { type: "dependency-mapping", entries: { [watchexec.sha256]: server.url(watchexec.name) } } },
        order: [fixtureBuildpack("self-reloading-python"), reloadable({ descriptor: dead })],
      },
      async (build) => {
        const before = server.count(watchexec.name);
        const result = await build.build();
        assertBuilt(result);
        expect(result.log).toContain(`Fetching ${server.url(watchexec.name)} (dependency-mapping binding "mirror")`);
        expect(server.count(watchexec.name)).toBe(before + 1);
      },
    );
  });
});

describe("the watchexec layer across builds", () => {
  it("reuses the layer on rebuild with no request, and replaces it when BP_WATCHEXEC_VERSION changes", async () => {
    // A second artifact labelled 2.5.0: the same binary repacked with a marker file, so that
    // the layer's content visibly changes.
    const { repackWith } = await import("./harness/archive.ts");
    const older = repackWith(watchexec, "watchexec-2.5.0-x86_64-unknown-linux-gnu.tar.xz", { "VERSION-MARKER": "2.5.0\n" });
    const olderUri = server.serve(older.name, older.bytes);
    const twoVersions = reloadableDescriptor([
      { version: "2.5.1", uri: server.url(watchexec.name), sha256: watchexec.sha256 },
      { version: "2.5.0", uri: olderUri, sha256: older.sha256 },
    ]);
    await withBuild(
      { app: pythonApp, env: { BP_LIVE_RELOAD_ENABLED: "true" }, order: [fixtureBuildpack("self-reloading-python"), reloadable({ descriptor: twoVersions })] },
      async (build) => {
        const before = server.count(watchexec.name);
        const first = await build.build();
        assertBuilt(first);
        expect(server.count(watchexec.name)).toBe(before + 1);
        expect(first.log).toContain("Installing: no cached layer");

        const second = await build.rebuild();
        assertBuilt(second);
        expect(server.count(watchexec.name)).toBe(before + 1);
        expect(second.log).toContain("Reusing cached layer");

        await build.setEnv("BP_WATCHEXEC_VERSION", "2.5.0");
        const third = await build.rebuild();
        assertBuilt(third);
        expect(third.log).toContain("version changed: 2.5.1 -> 2.5.0");
        expect(server.count(older.name)).toBe(1);
        const layer = await build.layerToml(RELOADABLE_ID, "watchexec.toml");
        expect(layer?.metadata).toMatchObject({ version: "2.5.0", sha256: older.sha256, arch: "amd64" });
        expect(layer?.types).toEqual({ launch: true, build: false, cache: true });
      },
    );
  });
});
