#!/usr/bin/env node
// Assembles the buildpack for distribution. Builds bin/main first (scripts/build-sea.mjs: only
// the architectures needed).
//   node scripts/package.mjs [--output DIR] [--arch ARCH] [--multi-arch DIR]
//                            [--buildpack-toml FILE] [--offline ARTIFACT...] [--skip-build]
// --output DIR (default dist/buildpack): one architecture's buildpack, --arch's (default: the
//   build host's): buildpack.toml, bin/, README and LICENSE. Its buildpack.toml keeps only that
//   arch's [[targets]], so the directory says what it carries: the lifecycle refuses it on
//   another arch, and `pack buildpack package --path DIR` makes one .cnb of that arch (with
//   both targets, pack would make an arm64 .cnb holding amd64 binaries).
// --multi-arch DIR (`npm run package` passes dist/multi-arch): also the layout pack expects for
//   a multi-target buildpack: DIR/buildpack.toml (every target) and, per [[targets]] arch,
//   DIR/linux/<arch>/ with that arch's bin/, README, LICENSE and dependencies/. For each
//   --target, `pack buildpack package` copies buildpack.toml into linux/<arch>/ and packages that
//   folder (pack's PlatformRootFolder); with --format file it writes <name>-linux-<arch>.cnb.
// --offline copies each artifact to dependencies/<sha256>/<file name from its uri> of each
// output of the dependency's arch (from its purl), the layout the build looks in before the
// network. An artifact whose SHA-256 matches no dependency in the descriptor is an error: a
// package must never carry a file it would not use.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import TOML from "@iarna/toml";
import { buildHostArch, targetArches } from "./build-sea.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function parseArgs(argv) {
  const options = { output: join(root, "dist", "buildpack"), arch: undefined, multiArch: undefined, descriptor: join(root, "buildpack.toml"), offline: [], skipBuild: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--output") options.output = resolve(argv[++i] ?? "");
    else if (arg === "--arch") options.arch = argv[++i] ?? fail("--arch needs an architecture (amd64, arm64)");
    else if (arg === "--multi-arch") options.multiArch = resolve(argv[++i] ?? "");
    else if (arg === "--buildpack-toml") options.descriptor = resolve(argv[++i] ?? "");
    else if (arg === "--skip-build") options.skipBuild = true;
    else if (arg === "--offline") {
      while (argv[i + 1] !== undefined && !argv[i + 1].startsWith("--")) options.offline.push(resolve(argv[++i]));
      if (options.offline.length === 0) fail("--offline needs at least one artifact path");
    } else fail(`unknown argument ${arg}`);
  }
  return options;
}

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

/** The architecture a dependency is for, from its purl's arch= qualifier (as the build reads it). */
function archOf(dependency) {
  const query = String(dependency.purl ?? "").split("?")[1];
  return query === undefined ? undefined : (new URLSearchParams(query.split("#")[0]).get("arch") ?? undefined);
}

/**
 * The descriptor with only `arch`'s [[targets]] table, the rest of the text as it was. Checked by
 * parsing: the result must equal the original but for the targets, or this refuses (a layout
 * it does not know how to edit).
 */
export function narrowTargets(text, arch, descriptorPath) {
  const original = TOML.parse(text);
  const targets = original.targets ?? [];
  if (targets.length === 0) return text; // no [[targets]]: the lifecycle takes any
  if (!targets.some((t) => t.arch === arch)) fail(`${descriptorPath} declares no [[targets]] with arch = "${arch}" (it has ${targets.map((t) => `${t.os}/${t.arch}`).join(", ")})`);
  // A [[targets]] block: its header and every line up to the next table header (its own
  // [[targets.distros]] sub-tables are part of it).
  const narrowed = `${text}\n`.replace(/^[ \t]*\[\[targets\]\][ \t]*\n(?:(?![ \t]*\[(?!\[?targets\.))[^\n]*\n)*/gm, (block) => {
    const table = TOML.parse(block).targets?.[0];
    return table?.arch === arch ? block : "";
  });
  const parsed = TOML.parse(narrowed);
  const rest = (doc) => JSON.stringify({ ...doc, targets: undefined });
  const kept = (parsed.targets ?? []).map((t) => t.arch);
  if (rest(parsed) !== rest(original) || kept.length === 0 || kept.some((a) => a !== arch)) {
    fail(`${descriptorPath}: could not keep only the ${arch} target of its [[targets]] tables`);
  }
  return narrowed.slice(0, -1);
}

/** One architecture's buildpack root: bin/ (links to the built binaries), README and LICENSE. */
function layOut(dir, arch) {
  const built = join(root, "dist", "sea", arch);
  mkdirSync(join(dir, "bin"), { recursive: true });
  for (const file of ["main", "reloadable-helper"]) {
    if (!existsSync(join(built, file))) fail(`${join(built, file)} is missing: run npm run build -- --arch ${arch} (or package without --skip-build)`);
    // Hard links: the same bytes in every output, no copies of a 100 MB binary.
    linkSync(join(built, file), join(dir, "bin", file));
  }
  // The hot swap agent: Java bytecode, the same for every arch.
  const agent = join(root, "dist", "sea", "reloadable-hotswap.jar");
  if (!existsSync(agent)) fail(`${agent} is missing: run npm run build (or package without --skip-build)`);
  linkSync(agent, join(dir, "bin", "reloadable-hotswap.jar"));
  symlinkSync("main", join(dir, "bin", "detect"));
  symlinkSync("main", join(dir, "bin", "build"));
  for (const file of ["README.md", "LICENSE"]) copyFileSync(join(root, file), join(dir, file));
}

const options = parseArgs(process.argv.slice(2));
const descriptorText = readFileSync(options.descriptor, "utf8");
const dependencies = TOML.parse(descriptorText).metadata?.dependencies ?? [];
const arch = options.arch ?? buildHostArch();
const multiArches = options.multiArch === undefined ? [] : targetArches(descriptorText);
if (options.multiArch !== undefined && multiArches.length === 0) fail(`--multi-arch: ${options.descriptor} declares no [[targets]]`);
const arches = [...new Set([arch, ...multiArches])];
if (!options.skipBuild) execFileSync(process.execPath, [join(root, "scripts", "build-sea.mjs"), "--arch", arches.join(",")], { stdio: "inherit" });

/** Each output: its root (buildpack.toml there) and, per arch, the dir holding bin/ and dependencies/. */
const outputs = [{ root: options.output, descriptor: narrowTargets(descriptorText, arch, options.descriptor), arches: new Map([[arch, options.output]]) }];
if (options.multiArch !== undefined) {
  outputs.push({ root: options.multiArch, descriptor: descriptorText, arches: new Map(multiArches.map((a) => [a, join(options.multiArch, "linux", a)])) });
}
for (const output of outputs) {
  rmSync(output.root, { recursive: true, force: true });
  mkdirSync(output.root, { recursive: true });
  writeFileSync(join(output.root, "buildpack.toml"), output.descriptor);
  for (const [a, dir] of output.arches) layOut(dir, a);
}

for (const artifact of options.offline) {
  let bytes;
  try {
    bytes = readFileSync(artifact);
  } catch (error) {
    fail(`--offline ${artifact}: ${error.message}`);
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const dependency = dependencies.find((d) => d.sha256 === sha256);
  if (dependency === undefined) {
    fail(`--offline ${artifact}: its SHA-256 ${sha256} matches no dependency in ${options.descriptor}; pass the exact release file`);
  }
  const dependencyArch = archOf(dependency);
  const into = outputs.flatMap((o) => [...o.arches].filter(([a]) => dependencyArch === undefined || a === dependencyArch).map(([, dir]) => dir));
  for (const dir of into) {
    mkdirSync(join(dir, "dependencies", sha256), { recursive: true });
    copyFileSync(artifact, join(dir, "dependencies", sha256, basename(new URL(dependency.uri).pathname)));
  }
  const where = into.length > 0 ? `${dependencyArch ?? "any arch"}` : `not copied: no output is for ${dependencyArch}`;
  console.log(`  offline: ${dependency.id} ${dependency.version} (${sha256.slice(0, 12)}) <- ${basename(artifact)} (${where})`);
}
for (const output of outputs) console.log(`Packaged ${output.root} (${[...output.arches.keys()].map((a) => `linux/${a}`).join(", ")})`);
