// The linux/arm64 buildpack of dist/multi-arch on this x86-64 machine, through qemu user-mode
// emulation (scripts/cross-arm64: Debian's qemu-user-static in binfmt_misc). Everything here
// passes under EMULATION ONLY; no real arm64 hardware is involved. bin/detect and bin/build run
// as in sea.test.ts (empty environment, uid 1000, no lifecycle), with Debian's arm64 glibc and
// libstdc++ as the dynamic loader's root (QEMU_LD_PREFIX) as an arm64 build image would give
// them; the dependencies come from a real HTTP server on 127.0.0.1: the real arm64 watchexec
// 2.5.1 (cross-compiled from crates.io by scripts/tools) and Debian's arm64 busybox-static.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { readlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import TOML from "@iarna/toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARM64_LD_PREFIX, compileArm64, elfMachineOf, EM_AARCH64, isDynamic, requireArm64Emulation } from "./harness/arm64.ts";
import { artifact, DependencyServer, reloadableDescriptor, requireMultiArchPackage, scratchRoot, type Artifact } from "./harness/index.ts";
import { BUSYBOX_DEB_ARM64, WATCHEXEC_TARBALL_ARM64 } from "./harness/paths.ts";
import { chownTree, runAs } from "./harness/user.ts";

const user = runAs();
let root: string;
let arm64Dir: string;
let server: DependencyServer;
let watchexec: Artifact;
let busybox: Artifact;

beforeAll(async () => {
  requireArm64Emulation();
  arm64Dir = join(requireMultiArchPackage("arm64"), "linux", "arm64");
  root = mkdtempSync(join(scratchRoot(), "reloadable-arm64-"));
  chmodSync(root, 0o755);
  watchexec = artifact(WATCHEXEC_TARBALL_ARM64);
  busybox = artifact(BUSYBOX_DEB_ARM64);
  server = await new DependencyServer().start();

  // The arm64 buildpack as the lifecycle would see it: pack's linux/arm64 folder plus the
  // descriptor (pack copies it there), whose arm64 entries point at the local server.
  const buildpack = join(root, "buildpack");
  mkdirSync(join(buildpack, "bin"), { recursive: true });
  for (const file of ["main", "reloadable-helper"]) cpSync(join(arm64Dir, "bin", file), join(buildpack, "bin", file));
  symlinkSync("main", join(buildpack, "bin", "detect"));
  symlinkSync("main", join(buildpack, "bin", "build"));
  writeFileSync(
    join(buildpack, "buildpack.toml"),
    reloadableDescriptor(
      [
        { version: "2.5.1", arch: "arm64", uri: server.serve(watchexec.name, watchexec.bytes), sha256: watchexec.sha256 },
        { id: "busybox", version: "1.35.0", arch: "arm64", uri: server.serve(busybox.name, busybox.bytes), sha256: busybox.sha256 },
      ],
      join(requireMultiArchPackage(), "buildpack.toml"),
    ),
  );
  for (const dir of ["app", "platform/env", "layers/reloadable_watchexec", "out"]) mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, "platform/env/BP_LIVE_RELOAD_ENABLED"), "true");
  writeFileSync(join(root, "app/Procfile"), "web: ./server\n");
  writeFileSync(join(root, "out", "plan.toml"), '[[entries]]\nname = "watchexec"\n');
  for (const dir of ["app", "platform", "layers", "out"]) await chownTree(join(root, dir), user);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

/**
 * A phase of the arm64 buildpack: empty environment but for `env`, as the build user. Spawned
 * asynchronously: the dependency server answers from this process's event loop.
 */
async function runPhase(phase: "detect" | "build", env: Record<string, string>): Promise<{ status: number | null; output: string }> {
  const exe = join(root, "buildpack", "bin", phase);
  const envArgs = ["env", "-i", `QEMU_LD_PREFIX=${ARM64_LD_PREFIX}`, ...Object.entries(env).map(([k, v]) => `${k}=${v}`), exe];
  const command = user === undefined ? envArgs : ["setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", ...envArgs];
  const result = await run(command[0]!, command.slice(1), { cwd: join(root, "app"), env: {} }).done;
  return { status: result.code, output: `${result.stdout}${result.stderr}` };
}

describe("the linux/arm64 package (dist/multi-arch/linux/arm64)", () => {
  it("holds arm64 programs: bin/main linked against glibc (as Node's release is), a static reloadable-helper, detect and build linking to main", async () => {
    expect(elfMachineOf(join(arm64Dir, "bin", "main"))).toBe(EM_AARCH64);
    expect(isDynamic(join(arm64Dir, "bin", "main"))).toBe(true);
    expect(elfMachineOf(join(arm64Dir, "bin", "reloadable-helper"))).toBe(EM_AARCH64);
    expect(isDynamic(join(arm64Dir, "bin", "reloadable-helper"))).toBe(false);
    for (const phase of ["detect", "build"]) expect(await readlink(join(arm64Dir, "bin", phase))).toBe("main");
  });
});

describe("arm64 bin/detect and bin/build under qemu, with no Node.js", () => {
  it("detect passes and writes the plan, printing nothing (the code cache is the arm64 node's own: no 'rejected' warning)", async () => {
    const result = await runPhase("detect", { CNB_PLATFORM_DIR: join(root, "platform"), CNB_BUILD_PLAN_PATH: join(root, "out", "detect-plan.toml"), CNB_BUILDPACK_DIR: join(root, "buildpack") });
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
    expect(readFileSync(join(root, "out", "detect-plan.toml"), "utf8")).toContain('name = "watchexec"');
  });

  it("build with CNB_TARGET_ARCH=arm64 installs the arm64 watchexec and busybox from the server, the arm64 helpers, and writes the processes", async () => {
    const layers = join(root, "layers", "reloadable_watchexec");
    const result = await runPhase("build", {
      CNB_PLATFORM_DIR: join(root, "platform"),
      CNB_BP_PLAN_PATH: join(root, "out", "plan.toml"),
      CNB_BUILDPACK_DIR: join(root, "buildpack"),
      CNB_LAYERS_DIR: layers,
      CNB_TARGET_OS: "linux",
      CNB_TARGET_ARCH: "arm64",
    });
    expect(result.output).toContain("Watchexec 2.5.1 (arm64)");
    expect(result.output).toContain("Installing: no cached layer");
    expect(result.status, result.output).toBe(0);
    expect(server.count(watchexec.name)).toBe(1);
    expect(server.count(busybox.name)).toBe(1);

    const installed = join(layers, "watchexec", "bin", "watchexec");
    expect(elfMachineOf(installed)).toBe(EM_AARCH64);
    expect(spawnSync(installed, ["--version"], { encoding: "utf8" }).stdout).toContain("watchexec 2.5.1");
    const layerToml = TOML.parse(readFileSync(join(layers, "watchexec.toml"), "utf8")) as { metadata?: Record<string, unknown> };
    expect(layerToml.metadata).toMatchObject({ version: "2.5.1", arch: "arm64", sha256: watchexec.sha256 });
    expect(elfMachineOf(join(layers, "busybox", "bin", "busybox"))).toBe(EM_AARCH64);
    expect(spawnSync(join(layers, "busybox", "bin", "busybox"), ["echo", "busybox runs"], { encoding: "utf8" }).stdout).toBe("busybox runs\n");
    expect(elfMachineOf(join(layers, "helpers", "bin", "reloadable-helper"))).toBe(EM_AARCH64);

    const launch = TOML.parse(readFileSync(join(layers, "launch.toml"), "utf8")) as { processes?: { type: string; command: string[] }[] };
    const web = launch.processes?.find((p) => p.type === "web");
    // reloadable-init (PID 1) -> watchexec -> reloadable-settle -> the app, as on amd64.
    expect(web?.command.slice(0, 3)).toEqual(["reloadable-init", "watchexec", "--restart"]);
    expect(web?.command.slice(-3)).toEqual(["reloadable-settle", "60", "./server"]);
  });
});

/** Runs a program, collecting its output; resolves when it exits. */
function run(program: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const child = spawn(program, args, { cwd: options.cwd ?? root, env: options.env ?? { PATH: "/usr/bin:/bin" }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done, output: () => stdout };
}

describe("the arm64 helpers under qemu", () => {
  let bin: string;
  /** An arm64 program: prints its arguments, sleeps if the first is "sleep", exits 3. */
  const PROGRAM = `#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  printf("arm64 program:");
  for (int i = 1; i < argc; i++) printf(" %s", argv[i]);
  printf("\\n");
  fflush(stdout);
  if (argc > 1 && strcmp(argv[1], "sleep") == 0) sleep(30);
  return 3;
}
`;

  beforeAll(() => {
    bin = join(root, "helpers");
    mkdirSync(bin);
    cpSync(join(arm64Dir, "bin", "reloadable-helper"), join(bin, "reloadable-helper"));
    for (const name of ["reloadable-exec", "reloadable-init", "reloadable-settle"]) symlinkSync("reloadable-helper", join(bin, name));
    compileArm64(join(bin, "program"), PROGRAM);
  });

  it("reloadable-exec runs an arm64 program from its memory copy: the arguments in, the exit status out", async () => {
    const result = await run(join(bin, "reloadable-exec"), ["./program", "a", "b c"], { cwd: bin }).done;
    expect(result).toEqual({ code: 3, stdout: "arm64 program: a b c\n", stderr: "" });
  });

  it("reloadable-exec: the arm64 program file can be overwritten in place while it runs (no 'Text file busy')", async () => {
    const server = join(root, "server");
    cpSync(join(bin, "program"), server);
    const running = run(join(bin, "reloadable-exec"), [server, "sleep"]);
    try {
      for (let i = 0; i < 500 && !running.output().includes("arm64 program: sleep"); i++) await new Promise((r) => setTimeout(r, 10));
      expect(running.output()).toBe("arm64 program: sleep\n");
      await writeFile(server, "a new build"); // ETXTBSY if the file were the running text
      expect(readFileSync(server, "utf8")).toBe("a new build");
    } finally {
      running.child.kill("SIGKILL");
      await running.done;
    }
  });

  it("reloadable-init as PID 1 runs the arm64 program as its child and exits with its status", async () => {
    const args = process.getuid?.() === 0 ? ["--pid", "--fork", "--mount-proc"] : ["--user", "--map-root-user", "--pid", "--fork", "--mount-proc"];
    const result = await run("unshare", [...args, join(bin, "reloadable-init"), join(bin, "program"), "as", "child"]).done;
    expect(result).toEqual({ code: 3, stdout: "arm64 program: as child\n", stderr: "" });
  });

  it("reloadable-init as PID 1 forwards SIGTERM to the program", async () => {
    const args = process.getuid?.() === 0 ? ["--pid", "--fork", "--mount-proc"] : ["--user", "--map-root-user", "--pid", "--fork", "--mount-proc"];
    const running = run("unshare", [...args, join(bin, "reloadable-init"), join(bin, "program"), "sleep"]);
    for (let i = 0; i < 500 && !running.output().includes("sleep"); i++) await new Promise((r) => setTimeout(r, 10));
    // The program has no handler: SIGTERM ends it, and reloadable-init exits 128 + 15.
    const init = Number(readFileSync(`/proc/${running.child.pid}/task/${running.child.pid}/children`, "utf8").trim().split(" ")[0]);
    process.kill(init, "SIGTERM");
    expect((await running.done).code).toBe(143);
  });

  it("reloadable-settle waits the quiet period after watchexec's events, prints one line and execs the program", async () => {
    const dir = join(root, "settle");
    mkdirSync(join(dir, "tmp"), { recursive: true });
    writeFileSync(join(dir, "events"), `modify:${dir}/server.js\n`);
    const started = performance.now();
    const result = await run(join(bin, "reloadable-settle"), ["200", join(bin, "program"), "settled"], {
      cwd: dir,
      env: { PATH: "/usr/bin:/bin", TMPDIR: join(dir, "tmp"), WATCHEXEC_EVENTS_FILE: join(dir, "events") },
    }).done;
    expect(result).toEqual({ code: 3, stdout: "arm64 program: settled\n", stderr: "[reloadable] restart: 1 change: server.js\n" });
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    expect(readdirSync(join(dir, "tmp"))).toEqual([]); // its state file is gone once the program starts
  });
});
