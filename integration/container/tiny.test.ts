// The shell-less, tar-less tiny run image (reloadable-local/run-tiny: the dynamic loader, libc,
// libgcc_s, libstdc++, zlib, certs) with the same builder: examples/node-web with Paketo
// node-start (a direct process, no Procfile, no shell) and Reloadable's static watchexec. Issue
// 13: the commands live update runs by name through `docker exec` (tar, rm, sh for run() and the
// trigger step, date) answer from Reloadable's busybox, as Tilt, kubectl cp and a trigger step
// run them; on the full run image the run image's own tools answer.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../harness/paths.ts";
import { readTiltfile } from "../harness/tiltfile.ts";
import { imageRunImage, replayLiveUpdate, STACK, type Container, expectOneReload } from "./harness/index.ts";
import { useCheckouts, usePackBuild } from "./harness/hooks.ts";
import { create } from "tar";

const example = join(repoRoot, "examples", "node-web");
const tiltfile = readTiltfile(join(example, "Tiltfile"));
const checkout = useCheckouts(example);
const STARTED = /node-web listening on/;
const TINY_APP = { started: STARTED };
const settle = (ms = 1_000) => new Promise((r) => setTimeout(r, ms));

/** A kubectl cp of one file: `tar cf - <file>` locally, `tar --no-same-permissions --no-same-owner -xmf - -C <dir>` in the container. */
async function kubectlCp(container: Container, localDir: string, file: string, remoteDir: string) {
  const chunks: Buffer[] = [];
  for await (const chunk of create({ cwd: localDir, portable: true }, [file]) as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  return container.exec(["tar", "--no-same-permissions", "--no-same-owner", "-xmf", "-", "-C", remoteDir], { input: Buffer.concat(chunks) });
}


describe("examples/node-web on the tiny run image (no sh, tar, rm or date of its own)", () => {
  const build = usePackBuild({ app: example, name: "node-web-tiny", env: { ...tiltfile.env }, runImage: STACK.tiny });

  it("Tilt's live update (rm, tar, run()), a kubectl cp tar stream and a shell trigger step: each exits 0 and the app reloads once", async () => {
    expect(await imageRunImage(build.ctx.image)).toBe(STACK.tiny);
    expect(build.ctx.packLog).toContain("BusyBox 1.35.0");
    await build.ctx.startContainer({}, async (app) => {
      await app.waitForBody();
      await app.waitForLog(STARTED);
      // The run image has none of its own: busybox answers (through the image's process types).
      expect((await app.exec(["tar", "--version"])).stdout + (await app.exec(["tar", "--help"])).stderr).toMatch(/BusyBox/);
      expect((await app.exec(["sh", "-c", "echo $0"])).code).toBe(0);

      // Tilt: a deleted file (rm -rf), the changed one (one tar under /), then run() (sh -c).
      const work = checkout();
      mkdirSync(join(work, "public"), { recursive: true });
      writeFileSync(join(work, "public", "old.txt"), "old\n");
      let starts = app.count(STARTED);
      await replayLiveUpdate(app, tiltfile, { root: work, changed: ["public"] });
      await settle();
      starts = app.count(STARTED);
      writeFileSync(join(work, "greeting.txt"), "hello from Tilt on the tiny image\n");
      await replayLiveUpdate(app, tiltfile, { root: work, changed: ["greeting.txt"], deleted: ["public/old.txt"] });
      await expectOneReload(app, TINY_APP, starts, "hello from Tilt on the tiny image");
      expect((await app.exec(["sh", "-c", "test -e /workspace/public/old.txt"])).code).not.toBe(0);

      // kubectl cp, then the trigger by name (kubectl exec <pod> -- reloadable-trigger).
      starts = app.count(STARTED);
      writeFileSync(join(work, "greeting.txt"), "hello from kubectl cp\n");
      const copied = await kubectlCp(app, work, "greeting.txt", "/workspace");
      expect(copied.code, copied.stderr).toBe(0);
      expect((await app.exec(["reloadable-trigger"])).code).toBe(0);
      await expectOneReload(app, TINY_APP, starts, "hello from kubectl cp");

      // A trigger step through a shell, as the README's older form: sh and date from busybox.
      starts = app.count(STARTED);
      writeFileSync(join(work, "greeting.txt"), "hello after a shell trigger\n");
      expect((await kubectlCp(app, work, "greeting.txt", "/workspace")).code).toBe(0);
      const triggered = await app.exec(["sh", "-c", "date > /layers/reloadable_watchexec/trigger/sync"]);
      expect(triggered.code, triggered.stderr).toBe(0);
      await expectOneReload(app, TINY_APP, starts, "hello after a shell trigger");

      const stopped = await app.stop(15);
      expect(stopped.logs).toMatch(/node-web \(pid \d+\): SIGTERM, stopping/);
      expect(stopped.exitCode, stopped.logs).not.toBe(137);
    });
  });

  it("the original process (no-reload) runs on it too", async () => {
    await build.ctx.startContainer({ process: "no-reload" }, async (app) => {
      expect((await app.waitForBody()).body).toContain("Hello");
      expect((await app.processes()).map((p) => p.args)).toEqual(["node server.js"]);
    });
  });
});

describe("examples/node-web on the full run image", () => {
  const build = usePackBuild({ app: example, name: "node-web-full-tools", env: { BP_LIVE_RELOAD_ENABLED: "true" } });

  it("tar, sh, rm and date are the run image's own (GNU tar, dash), through the same process types", async () => {
    await build.ctx.startContainer({}, async (app) => {
      await app.waitForBody();
      expect((await app.exec(["tar", "--version"])).stdout).toMatch(/^tar \(GNU tar\)/);
      expect((await app.exec(["rm", "--version"])).stdout).toMatch(/GNU coreutils/);
      expect((await app.exec(["date", "--version"])).stdout).toMatch(/GNU coreutils/);
      expect((await app.exec(["sh", "-c", "readlink -f /proc/$$/exe"])).stdout.trim()).not.toMatch(/busybox/);
    });
  });
});
