// examples/java-spring-boot built by `mvn spring-boot:build-image` with the configuration in its
// pom.xml (paketo-buildpacks/java, then Reloadable from ../../dist/buildpack, with
// BP_LIVE_RELOAD_ENABLED and BP_LIVE_RELOAD_TRIGGER), pointed at the local builder the way a user
// with a local builder does it: the plugin's -D properties for the builder, pull policy NEVER,
// the image name and the host network (harness/build-image.ts). Then `docker run --network host`,
// the process list, a class change synced as the example's Tiltfile syncs it (a method body: hot
// swapped in the running JVM, the default), and nothing left.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../harness/paths.ts";
import { readTiltfile } from "../harness/tiltfile.ts";
import {
  appImagePrefix,
  command,
  docker,
  dockerList,
  editAndCompile,
  expectHotSwap,
  HOT_SWAP,
  imageProcesses,
  localBuilderProperties,
  SPRING_STARTED,
  watchexecCount,
} from "./harness/index.ts";
import { useBuildImage } from "./harness/hooks.ts";

const STARTED = SPRING_STARTED;

describe("mvn spring-boot:build-image with the example's pom.xml, against the local builder by -D properties", () => {
  const build = useBuildImage({ name: "java-spring-boot-build-image" });

  it("the plugin resolves the pom's buildpacks (paketo-buildpacks/java from the builder, Reloadable from ../../dist/buildpack) and builds with pull policy NEVER", () => {
    const log = build.ctx.result.log;
    console.log(`java-spring-boot, ${build.ctx.commandLine}: ${(build.ctx.result.ms / 1000).toFixed(1)} s (mvn wall time: package + build-image)`);
    expect(log).toContain(`Building image 'docker.io/${build.ctx.image}:latest'`);
    expect(log).toContain("Executing lifecycle version v0.21.17");
    // The Java composite's group as detected, Reloadable last.
    const detected = [...log.matchAll(/\[detector\]\s+(\S+\/\S+)\s+(\d\S*)\s*$/gm)].map((m) => m[1]);
    expect(detected.at(-1)).toBe("reloadable/watchexec");
    expect(detected).toEqual(expect.arrayContaining(["paketo-buildpacks/executable-jar", "paketo-buildpacks/spring-boot", "reloadable/watchexec"]));
    expect(log).toContain("Reloadable Buildpack for watchexec");
    expect(log).toContain("Trigger mode: reloads when a sync ends by writing a file in /layers/reloadable_watchexec/trigger");
    expect(log).toContain(`Successfully built image 'docker.io/${build.ctx.image}:latest'`);
    // Nothing pulled: the plugin says "Pulling builder image" / "Pulling run image" when it does.
    expect(log).not.toMatch(/Pulling (builder|run|buildpack) image/);
  });

  it("the default process is reloadable: executable-jar's reload, wrapped once by Reloadable; web too", async () => {
    const { types, defaultProcess } = await imageProcesses(build.ctx.image);
    expect(defaultProcess).toBe("reload");
    expect(watchexecCount(types.reload ?? ""), `reload: ${types.reload}`).toBe(1);
    // Hot swap (the default): watchexec starts the JVM when it is not running and never restarts it.
    expect(types.reload).toMatch(/^reloadable-init watchexec --on-busy-update=queue .* -- .*java org\.springframework\.boot\.loader\.launch\.JarLauncher/);
    expect(watchexecCount(types.web ?? ""), `web: ${types.web}`).toBe(1);
    expect(types["executable-jar"], "the other process types stay as they are").not.toMatch(/watchexec/);
  });

  it("docker run: reloadable-init is PID 1, watchexec its child, one JVM under watchexec, all as the run user; then a class change synced as the Tiltfile does is applied in the running JVM", async () => {
    const tiltfile = readTiltfile(join(build.ctx.project, "Tiltfile"));
    await build.ctx.startContainer({}, async (app) => {
      expect((await app.waitForBody((b) => b.includes("v1"), 90_000)).body).toContain("hello from spring boot v1");
      await app.waitForLog(STARTED); // docker logs may lag the answer

      const processes = await app.processes();
      const pids = new Set(processes.map((p) => p.pid));
      const roots = processes.filter((p) => !pids.has(p.ppid));
      expect(roots.map((p) => p.args), JSON.stringify(processes)).toHaveLength(1);
      const init = roots[0]!;
      expect(init.args).toMatch(/^reloadable-init watchexec --on-busy-update=queue /);
      const watchers = processes.filter((p) => p.ppid === init.pid);
      expect(watchers.map((p) => p.args)).toEqual([expect.stringMatching(/^watchexec --on-busy-update=queue /)]);
      const jvms = processes.filter((p) => /(^|\/)java\s/.test(p.args));
      expect(jvms.map((p) => p.ppid), JSON.stringify(processes)).toEqual([watchers[0]!.pid]);
      expect(new Set(processes.map((p) => p.uid))).toEqual(new Set([1002]));
      expect(await app.nestedWatchers()).toEqual([]);

      for (const greeting of ["hello after a first sync into the build-image image", "hello after a second sync into the build-image image"]) {
        const changed = editAndCompile(build.ctx.project, greeting);
        const starts = app.count(STARTED);
        const swaps = app.count(HOT_SWAP);
        const sync = await app.tiltSync(tiltfile, { root: build.ctx.project, changed });
        expect(sync.entries[0]).toBe("workspace/BOOT-INF/classes");
        const ms = await expectHotSwap(app, starts, swaps, greeting);
        console.log(`java-spring-boot (build-image), Tilt: trigger written -> new response ${ms.toFixed(0)} ms`);
      }
    });
  });

  it("afterwards the image and the plugin's cache volumes are gone", async () => {
    const { image, cacheVolumes } = build.ctx;
    expect(await dockerList(["volume", "ls", "-q", "--filter", `name=${cacheVolumes[0]!.replace(/\.build$/, "")}`])).toEqual(cacheVolumes);
    await build.finish();
    expect((await docker(["image", "inspect", image])).code).not.toBe(0);
    expect(await dockerList(["volume", "ls", "-q", "--filter", `name=${cacheVolumes[0]!.replace(/\.build$/, "")}`])).toEqual([]);
    expect(await dockerList(["ps", "-aq", "--filter", `ancestor=${image}`])).toEqual([]);
  });
});

describe("the pom's Reloadable reference is the directory ../../dist/buildpack, under the project dir", () => {
  it("without it (no `npm run package`), build-image run from the repo root with -f fails naming that directory, and makes no image", async () => {
    const root = mkdtempSync(join(tmpdir(), "reloadable-ct-build-image-"));
    try {
      const project = join(root, "examples", "java-spring-boot");
      cpSync(join(repoRoot, "examples", "java-spring-boot"), project, { recursive: true, filter: (src) => !src.includes("/target") });
      const image = `${appImagePrefix()}java-spring-boot-no-dist`;
      const result = await command("mvn", ["-B", "-f", "examples/java-spring-boot/pom.xml", "spring-boot:build-image", ...localBuilderProperties(image)], { cwd: root });
      expect(result.code).not.toBe(0);
      expect(result.stdout).toContain(`Invalid buildpack reference '${project}/../../dist/buildpack'`);
      expect((await docker(["image", "inspect", image])).code).not.toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
