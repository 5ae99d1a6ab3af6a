import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const toolsBin = join(repoRoot, ".tools", "bin");
export const packagedBuildpack = join(repoRoot, "dist", "buildpack");
export const fixturesDir = join(repoRoot, "integration", "fixtures");
export const WATCHEXEC_TARBALL = join(repoRoot, ".tools", "dist", "watchexec-2.5.1-x86_64-unknown-linux-gnu.tar.xz");

export function tool(name: "lifecycle" | "launcher" | "pack" | "watchexec"): string {
  const path = join(toolsBin, name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run scripts/tools (npm test does)`);
  return path;
}

export function requirePackage(): string {
  if (!existsSync(join(packagedBuildpack, "bin", "main"))) {
    throw new Error(`${packagedBuildpack} is missing: run npm run package (npm test does)`);
  }
  return packagedBuildpack;
}
