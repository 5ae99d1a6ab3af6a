// The arm64 container test's builder, reloadable-local/builder:bookworm-arm64, made with
// `pack builder create --pull-policy never` from:
// - Reloadable for linux/arm64 alone (dist/multi-arch/linux/arm64, packaged by scripts/package.mjs
//   --arch arm64 --offline with the arm64 watchexec scripts/tools cross-compiles, whose SHA-256
//   its buildpack.toml entry carries, and Debian's arm64 busybox-static): it makes Procfile apps
//   reloadable by itself. The Paketo buildpacks of /work/shared/paketo are amd64 programs only;
//   in an arm64 image the x86-64 kernel here would run them natively, which tests nothing.
// - the arm64 lifecycle release archive from scripts/tools, and the arm64 stack from
//   scripts/container/stack-arm64.
// Everything in it runs under qemu here (scripts/cross-arm64). The description carries a
// digest of the inputs: an unchanged input reuses the image.
//   npx tsx scripts/container/builder-arm64.ts
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import TOML from "@iarna/toml";
import { BUILDER_ARM64, STACK_ARM64 } from "../../integration/container/harness/images.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const tools = join(root, ".tools");
const RELOADABLE = "reloadable/watchexec";
const watchexecTarball = join(tools, "dist", "watchexec-2.5.1-aarch64-unknown-linux-musl.tar.xz");
const busyboxDeb = join(tools, "dist", "busybox-static_1.35.0-4+deb12u1+b1_arm64.deb");
const lifecycle = join(tools, "dist", "lifecycle-v0.21.17+linux.arm64.tgz");
const arm64Binaries = join(root, "dist", "multi-arch", "linux", "arm64", "bin");

function need(path: string, fix: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: ${fix}`);
  return path;
}

function docker(args: string[]): string {
  return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

function imageId(image: string): string | undefined {
  try {
    return docker(["image", "inspect", "-f", "{{.Id}}", image]);
  } catch {
    return undefined;
  }
}

function digestTree(path: string, hash: ReturnType<typeof createHash>, base = path): void {
  const info = lstatSync(path);
  hash.update(`${relative(base, path)}\0${info.mode}\0`);
  if (info.isSymbolicLink()) hash.update(readlinkSync(path));
  else if (info.isDirectory()) for (const entry of readdirSync(path).sort()) digestTree(join(path, entry), hash, base);
  else hash.update(readFileSync(path));
}

export function ensureArm64Builder(): void {
  const started = Date.now();
  const inputs = [
    fileURLToPath(import.meta.url),
    join(root, "buildpack.toml"),
    join(root, "scripts", "package.mjs"),
    need(arm64Binaries, "run npm run package"),
    need(watchexecTarball, "run scripts/tools"),
    need(busyboxDeb, "run scripts/tools"),
    need(lifecycle, "run scripts/tools"),
  ];
  const hash = createHash("sha256");
  for (const input of inputs) digestTree(input, hash);
  for (const image of [STACK_ARM64.build, STACK_ARM64.run]) hash.update(imageId(image) ?? `missing ${image}`);
  const digest = hash.digest("hex").slice(0, 16);
  for (const image of [STACK_ARM64.build, STACK_ARM64.run]) if (imageId(image) === undefined) throw new Error(`image ${image} is missing: run scripts/container/stack-arm64`);
  try {
    const label = docker(["image", "inspect", "-f", '{{index .Config.Labels "io.buildpacks.builder.metadata"}}', BUILDER_ARM64]);
    if (new RegExp(`\\(inputs ${digest}\\)`).test(JSON.parse(label).description ?? "")) {
      console.log(`  builder-arm64: cached (${BUILDER_ARM64}, inputs ${digest})`);
      return;
    }
  } catch {
    // not there yet
  }

  const dir = mkdtempSync(join(tmpdir(), "reloadable-builder-arm64-"));
  const packHome = mkdtempSync(join(tmpdir(), "reloadable-pack-home-"));
  const old = imageId(BUILDER_ARM64);
  try {
    // Reloadable, packaged offline: the 2.5.1 arm64 entry names the local tarball's SHA-256 (the
    // URI stays the release's: the offline copy is found by digest first).
    const descriptor = TOML.parse(readFileSync(join(root, "buildpack.toml"), "utf8")) as any;
    const entry = (descriptor.metadata.dependencies as any[]).find((d) => d.id === "watchexec" && d.version === "2.5.1" && String(d.purl).endsWith("arch=arm64"));
    if (entry === undefined) throw new Error("buildpack.toml has no watchexec 2.5.1 arm64 entry");
    entry.sha256 = createHash("sha256").update(readFileSync(watchexecTarball)).digest("hex");
    writeFileSync(join(dir, "buildpack.toml"), TOML.stringify(descriptor));
    execFileSync(
      process.execPath,
      [join(root, "scripts", "package.mjs"), "--skip-build", "--arch", "arm64", "--output", join(dir, "reloadable"), "--buildpack-toml", join(dir, "buildpack.toml"), "--offline", watchexecTarball, busyboxDeb],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    const builder = {
      description: `Reloadable's arm64 container-test builder: Reloadable alone on Debian bookworm arm64 (inputs ${digest})`,
      buildpacks: [{ uri: "reloadable" }],
      order: [{ group: [{ id: RELOADABLE, version: descriptor.buildpack.version }] }],
      lifecycle: { uri: `file://${lifecycle}` },
      stack: { id: STACK_ARM64.id, "build-image": STACK_ARM64.build, "run-image": STACK_ARM64.run },
      build: { image: STACK_ARM64.build },
      run: { images: [{ image: STACK_ARM64.run }] },
    };
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "builder.toml"), TOML.stringify(builder as unknown as TOML.JsonMap));
    execFileSync(join(tools, "bin", "pack"), ["builder", "create", BUILDER_ARM64, "--config", join(dir, "builder.toml"), "--pull-policy", "never"], {
      env: { ...process.env, PACK_HOME: packHome },
      stdio: ["ignore", "ignore", "inherit"],
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(packHome, { recursive: true, force: true });
  }
  if (old !== undefined && old !== imageId(BUILDER_ARM64)) {
    try {
      docker(["rmi", old]);
    } catch {
      // still used by a container; it goes when that does
    }
  }
  console.log(`  builder-arm64: ${BUILDER_ARM64} (${docker(["image", "inspect", "-f", "{{.Os}}/{{.Architecture}}", BUILDER_ARM64])}, inputs ${digest}) made in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureArm64Builder();
