#!/usr/bin/env node
// Assembles a clean buildpack directory (default dist/buildpack/): buildpack.toml, bin/, README
// and LICENSE. Builds bin/main first.
//   npm run package -- [--output DIR] [--buildpack-toml FILE] [--offline TARBALL...]
// --offline copies each artifact to dependencies/<sha256>/<file name from its uri>, the layout
// the build looks in before the network. An artifact whose SHA-256 matches no dependency in the
// descriptor is an error: a package must never carry a file it would not use.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import TOML from "@iarna/toml";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function parseArgs(argv) {
  const options = { output: join(root, "dist", "buildpack"), descriptor: join(root, "buildpack.toml"), offline: [], skipBuild: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--output") options.output = resolve(argv[++i] ?? "");
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

const options = parseArgs(process.argv.slice(2));
if (!options.skipBuild) execFileSync(process.execPath, [join(root, "scripts", "build-sea.mjs")], { stdio: "inherit" });

const descriptorText = readFileSync(options.descriptor, "utf8");
const dependencies = TOML.parse(descriptorText).metadata?.dependencies ?? [];

rmSync(options.output, { recursive: true, force: true });
mkdirSync(join(options.output, "bin"), { recursive: true });
writeFileSync(join(options.output, "buildpack.toml"), descriptorText);
copyFileSync(join(root, "bin", "main"), join(options.output, "bin", "main"));
copyFileSync(join(root, "bin", "reloadable-helper"), join(options.output, "bin", "reloadable-helper"));
copyFileSync(join(root, "bin", "reloadable-hotswap.jar"), join(options.output, "bin", "reloadable-hotswap.jar"));
symlinkSync("main", join(options.output, "bin", "detect"));
symlinkSync("main", join(options.output, "bin", "build"));
for (const file of ["README.md", "LICENSE"]) copyFileSync(join(root, file), join(options.output, file));

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
  const dir = join(options.output, "dependencies", sha256);
  mkdirSync(dir, { recursive: true });
  copyFileSync(artifact, join(dir, basename(new URL(dependency.uri).pathname)));
  console.log(`  offline: ${dependency.id} ${dependency.version} (${sha256.slice(0, 12)}) <- ${basename(artifact)}`);
}
console.log(`Packaged ${options.output}`);
