// The shell-less, tar-less tiny run image (reloadable-local/run-tiny: the dynamic loader, libc,
// libgcc_s, libstdc++, zlib, certs) with the same builder: examples/node-web with Paketo
// node-start (a direct process, no Procfile, no shell) and Reloadable's static watchexec.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../harness/paths.ts";
import { imageRunImage, STACK } from "./harness/index.ts";
import { useCheckouts, usePackBuild } from "./harness/hooks.ts";

const example = join(repoRoot, "examples", "node-web");
const checkout = useCheckouts(example);

describe("examples/node-web on the tiny run image", () => {
  const build = usePackBuild({ app: example, name: "node-web-tiny", env: { BP_LIVE_RELOAD_ENABLED: "true" }, runImage: STACK.tiny });

  it("runs with no shell and no tar in the image, reloads after docker cp, and stops on SIGTERM", async () => {
    expect(await imageRunImage(build.ctx.image)).toBe(STACK.tiny);
    await build.ctx.startContainer({}, async (app) => {
      await app.waitForBody();
      for (const missing of [["sh", "-c", "true"], ["tar", "--version"], ["rm", "--version"], ["date"]]) {
        const ran = await app.exec(missing);
        expect(ran.code, `${missing[0]} should not exist in the tiny image`).not.toBe(0);
      }
      const work = checkout();
      writeFileSync(join(work, "greeting.txt"), "hello from the tiny image\n");
      await app.dockerCp(join(work, "greeting.txt"), "/workspace/greeting.txt");
      await app.waitForBody((b) => b.trim() === "hello from the tiny image");
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
