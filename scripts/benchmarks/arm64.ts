// The arm64 section: the linux/arm64 buildpack of dist/multi-arch on this x86-64 machine, UNDER
// QEMU user-mode emulation (scripts/cross-arm64). Its times are the emulator's, not an arm64
// machine's: they say what a run here costs and how the code cache weighs under emulation,
// nothing about real arm64 hardware. Rows: bin/detect with the SEA's V8 code cache (as shipped)
// and without it (a second binary made for the comparison), bin/build into fresh layers (the real
// arm64 watchexec and busybox from the local server) and over a reused layer, and the .cnb that
// `pack buildpack package --target` makes per arch.
import { execFileSync } from "node:child_process";
import { mkdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { elfMachineOf, EM_AARCH64, requireArm64Emulation, ARM64_LD_PREFIX } from "../../integration/harness/arm64.ts";
import { fixturesDir, requireMultiArchPackage, tool, WATCHEXEC_TARBALL_ARM64, BUSYBOX_DEB_ARM64 } from "../../integration/harness/paths.ts";
import { artifact, reloadableDescriptor } from "../../integration/harness/reloadable.ts";
// @ts-expect-error: an .mjs build script without types
import { seaBinary } from "../build-sea.mjs";
import { BASE_PATH, expectPhase, progress, runPhase, sample, type BenchContext, type PhaseRun } from "./context.ts";
import { appCopy, buildEnv, seedLayers, writePlan } from "./phases.ts";
import type { Row } from "./report.ts";

export async function arm64Section(ctx: BenchContext): Promise<Row[]> {
  requireArm64Emulation();
  const dist = requireMultiArchPackage("amd64", "arm64");
  const arm64 = join(dist, "linux", "arm64", "bin");
  const server = await ctx.dependencyServer();
  const watchexec = artifact(WATCHEXEC_TARBALL_ARM64);
  const busybox = artifact(BUSYBOX_DEB_ARM64);
  const descriptor = reloadableDescriptor(
    [
      { version: "2.5.1", arch: "arm64", uri: server.serve(watchexec.name, watchexec.bytes), sha256: watchexec.sha256 },
      { id: "busybox", version: "1.35.0", arch: "arm64", uri: server.serve(busybox.name, busybox.bytes), sha256: busybox.sha256 },
    ],
    join(dist, "buildpack.toml"),
  );

  /** A buildpack dir whose bin/main is `main`, with the test descriptor. */
  const buildpack = (name: string, main: string): string => {
    const dir = ctx.dir(name);
    mkdirSync(join(dir, "bin"));
    writeFileSync(join(dir, "buildpack.toml"), descriptor);
    symlinkSync(main, join(dir, "bin", "main"));
    symlinkSync(join(arm64, "reloadable-helper"), join(dir, "bin", "reloadable-helper"));
    for (const phase of ["detect", "build"]) symlinkSync("main", join(dir, "bin", phase));
    return dir;
  };
  const shipped = buildpack("arm64-buildpack", join(arm64, "main"));
  progress("arm64: making a bin/main without the code cache, for the comparison");
  const noCacheDir = ctx.dir("arm64-no-code-cache");
  seaBinary("arm64", noCacheDir, { useCodeCache: false });
  if (elfMachineOf(join(noCacheDir, "main")) !== EM_AARCH64) throw new Error("the comparison binary is not an arm64 program");
  const noCache = buildpack("arm64-buildpack-no-code-cache", join(noCacheDir, "main"));

  const qemuEnv = { QEMU_LD_PREFIX: ARM64_LD_PREFIX };
  const app = join(fixturesDir, "apps", "python-web");
  const detect = async (dir: string): Promise<number[]> => {
    const platform = ctx.platform();
    const env = { PATH: BASE_PATH, ...qemuEnv, CNB_PLATFORM_DIR: platform, CNB_BUILD_PLAN_PATH: join(ctx.dir("arm64-detect"), "plan.toml"), CNB_BUILDPACK_DIR: dir };
    let last: PhaseRun | undefined;
    const samples = await sample(ctx.runs, async () => {
      last = await runPhase(join(dir, "bin", "detect"), env, app);
      expectPhase("arm64 bin/detect", last, 0);
      if (last.output !== "") throw new Error(`arm64 bin/detect printed:\n${last.output}`);
      return last.ms;
    });
    ctx.show("arm64 bin/detect", last!);
    return samples;
  };
  progress("arm64: bin/detect under qemu");
  const detectShipped = await detect(shipped);
  const detectNoCache = await detect(noCache);

  progress("arm64: bin/build under qemu");
  const platform = ctx.platform();
  const buildApp = appCopy(ctx.dir("arm64-app"));
  const target = { CNB_TARGET_OS: "linux", CNB_TARGET_ARCH: "arm64" };
  let last: PhaseRun | undefined;
  const cold = await sample(ctx.runs, async () => {
    const work = ctx.dir("arm64-cold");
    last = await runPhase(join(shipped, "bin", "build"), { ...buildEnv(shipped, seedLayers(join(work, "layers")), platform, writePlan(work)), ...qemuEnv, ...target }, buildApp);
    expectPhase("arm64 bin/build (cold)", last, 0, "Installing: no cached layer");
    return last.ms;
  });
  ctx.show("arm64 bin/build (cold)", last!);
  const work = ctx.dir("arm64-warm");
  const warmEnv = { ...buildEnv(shipped, seedLayers(join(work, "layers")), platform, writePlan(work)), ...qemuEnv, ...target };
  expectPhase("arm64 bin/build (seeding)", await runPhase(join(shipped, "bin", "build"), warmEnv, buildApp), 0, "Installing: no cached layer");
  const warm = await sample(ctx.runs, async () => {
    last = await runPhase(join(shipped, "bin", "build"), warmEnv, buildApp);
    expectPhase("arm64 bin/build (warm)", last, 0, "Reusing cached layer");
    return last.ms;
  });

  progress("arm64: pack buildpack package --target linux/amd64 --target linux/arm64");
  const packDir = ctx.dir("arm64-pack");
  execFileSync(tool("pack"), ["buildpack", "package", join(packDir, "reloadable-watchexec.cnb"), "--path", dist, "--format", "file", "--target", "linux/amd64", "--target", "linux/arm64"], {
    env: { HOME: packDir, PATH: process.env.PATH ?? "/usr/bin:/bin", DOCKER_HOST: "unix:///nonexistent/docker.sock" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const cnb = (arch: string) => statSync(join(packDir, `reloadable-watchexec-linux-${arch}.cnb`)).size;

  return [
    { section: "arm64", metric: "bin/detect under qemu (code cache, as shipped)", unit: "ms", samples: detectShipped },
    { section: "arm64", metric: "bin/detect under qemu, no code cache", unit: "ms", samples: detectNoCache },
    { section: "arm64", metric: "bin/build under qemu, fresh layers (download+extract)", unit: "ms", samples: cold },
    { section: "arm64", metric: "bin/build under qemu, layer reused", unit: "ms", samples: warm },
    { section: "arm64", metric: "bin/main linux/arm64", unit: "bytes", samples: [statSync(join(arm64, "main")).size] },
    { section: "arm64", metric: "bin/main linux/amd64", unit: "bytes", samples: [statSync(join(dist, "linux", "amd64", "bin", "main")).size] },
    { section: "arm64", metric: ".cnb linux/arm64 (pack --format file)", unit: "bytes", samples: [cnb("arm64")] },
    { section: "arm64", metric: ".cnb linux/amd64 (pack --format file)", unit: "bytes", samples: [cnb("amd64")] },
  ];
}
