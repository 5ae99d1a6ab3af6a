// examples/python-web built for linux/arm64 and run, on this x86-64 machine, UNDER QEMU
// (scripts/cross-arm64): `pack build --platform linux/arm64` with the arm64 builder (Reloadable
// for arm64 alone, the arm64 lifecycle, a Debian bookworm arm64 stack: scripts/container/
// setup-arm64), then `docker run` of the arm64 image, a sync by `docker cp` and `docker stop`.
// Every program in the image is an arm64 one run by qemu; the kernel, Docker and the file
// system events are this machine's. Verified under emulation only.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../harness/paths.ts";
import { dockerOk } from "./harness/docker.ts";
import { BUILDER_ARM64 } from "./harness/images.ts";
import type { Container } from "./harness/index.ts";
import { usePackBuild } from "./harness/hooks.ts";

const example = join(repoRoot, "examples", "python-web");
const STARTED = /python-web listening on/;

// Before usePackBuild's own beforeAll: the stack and builder it builds with.
beforeAll(() => {
  execFileSync(join(repoRoot, "scripts", "container", "setup-arm64"), { stdio: "inherit" });
}, 600_000);

const build = usePackBuild({ app: example, name: "python-web-arm64", builder: BUILDER_ARM64, platform: "linux/arm64", env: { BP_LIVE_RELOAD_ENABLED: "true" } });

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "reloadable-ct-arm64-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A process's command line as the program sees it: `docker top` shows qemu and the binary's path first. */
const guestArgs = (args: string) => args.replace(/^\S*qemu-aarch64\S*\s+\S+\s+/, "");

async function appProcesses(container: Container): Promise<string[]> {
  return (await container.processes()).map((p) => guestArgs(p.args)).filter((args) => /^python3 server\.py$/.test(args));
}

describe("pack build --platform linux/arm64 with the arm64 builder", () => {
  it("makes a linux/arm64 image: Reloadable installs the arm64 watchexec from its offline package", async () => {
    expect(await dockerOk(["image", "inspect", "-f", "{{.Os}}/{{.Architecture}}", build.ctx.image])).toBe("linux/arm64");
    expect(build.ctx.packLog).toContain("Watchexec 2.5.1 (arm64)");
    expect(build.ctx.packLog).toContain("(offline package)");
    expect(build.ctx.packLog).toMatch(/web \(default\): reloadable-init watchexec --restart .* -- reloadable-settle 60 python3 server\.py/);
  });

  it("runs on arm64 programs only: reloadable-init is PID 1, watchexec and python3 are aarch64", async () => {
    await build.ctx.startContainer({}, async (app) => {
      await app.waitForBody();
      expect((await app.exec(["uname", "-m"])).stdout.trim()).toBe("aarch64");
      const processes = await app.processes();
      // Every process of the container is qemu running an arm64 program (binfmt_misc).
      expect(processes.every((p) => /qemu-aarch64/.test(p.args)), processes.map((p) => p.args).join("\n")).toBe(true);
      const args = processes.map((p) => guestArgs(p.args));
      expect(args.some((a) => a.startsWith("reloadable-init watchexec --restart"))).toBe(true);
      expect(await appProcesses(app)).toHaveLength(1);
    });
  });

  it("docker cp reloads the app once and the new message is served; docker stop ends it at once", async () => {
    await build.ctx.startContainer({}, async (app) => {
      expect((await app.waitForBody()).body.trim()).toBe("hello from python-web v1");
      await app.waitForLog(STARTED);
      writeFileSync(join(work, "message.txt"), "hello from arm64\n");
      await app.dockerCp(join(work, "message.txt"), "/workspace/message.txt");
      const { ms } = await app.waitForBody((b) => b.trim() === "hello from arm64", 60_000);
      await app.waitForLog(STARTED, { times: 2 });
      await new Promise((r) => setTimeout(r, 1_000));
      expect(app.count(STARTED), app.logs).toBe(2);
      expect(await appProcesses(app)).toHaveLength(1);
      console.log(`python-web on linux/arm64 under qemu, docker cp: end of sync -> new response ${ms.toFixed(0)} ms`);
      const stopped = await app.stop();
      expect(stopped.ms).toBeLessThan(8_000); // reloadable-init passes SIGTERM on; Docker would kill at 10 s
    });
  });
});
