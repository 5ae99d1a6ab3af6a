import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const toolsBin = join(repoRoot, ".tools", "bin");
export const packagedBuildpack = join(repoRoot, "dist", "buildpack");
export const fixturesDir = join(repoRoot, "integration", "fixtures");
export const WATCHEXEC_TARBALL = join(repoRoot, ".tools", "dist", "watchexec-2.5.1-x86_64-unknown-linux-musl.tar.xz");
/** Debian's busybox-static package as buildpack.toml names it (scripts/tools fetches it). */
export const BUSYBOX_DEB = join(repoRoot, ".tools", "dist", "busybox-static_1.35.0-4+deb12u1+b1_amd64.deb");

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

/**
 * Where builds are laid out. tmpfs by default: this machine's ext4 takes about 1 ms to create a
 * file, so a 300-file sync alone lasts 300 ms there, far slower than a container's overlayfs.
 * Set RELOADABLE_IT_TMPDIR to measure on another file system.
 */
export function scratchRoot(): string {
  const wanted = process.env.RELOADABLE_IT_TMPDIR;
  if (wanted) return wanted;
  return existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
}
