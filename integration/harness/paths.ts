import { existsSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const toolsBin = join(repoRoot, ".tools", "bin");
export const packagedBuildpack = join(repoRoot, "dist", "buildpack");
/** pack's layout for a multi-target buildpack: buildpack.toml and linux/<arch>/ per target. */
export const multiArchBuildpack = join(repoRoot, "dist", "multi-arch");
export const fixturesDir = join(repoRoot, "integration", "fixtures");
export const WATCHEXEC_TARBALL = join(repoRoot, ".tools", "dist", "watchexec-2.5.1-x86_64-unknown-linux-musl.tar.xz");
/** Debian's busybox-static package as buildpack.toml names it (scripts/tools fetches it). */
export const BUSYBOX_DEB = join(repoRoot, ".tools", "dist", "busybox-static_1.35.0-4+deb12u1+b1_amd64.deb");
/** The arm64 ones: watchexec cross-compiled from crates.io, Debian's arm64 busybox-static. */
export const WATCHEXEC_TARBALL_ARM64 = join(repoRoot, ".tools", "dist", "watchexec-2.5.1-aarch64-unknown-linux-musl.tar.xz");
export const BUSYBOX_DEB_ARM64 = join(repoRoot, ".tools", "dist", "busybox-static_1.35.0-4+deb12u1+b1_arm64.deb");

/**
 * The real Paketo buildpacks, prebuilt: RELOADABLE_PAKETO_DIR, else ../shared/paketo beside the
 * checkout, else the machine's /work/shared/paketo (a clone made elsewhere, as CI's may be).
 */
export const PAKETO_DIR = paketoDir();

function paketoDir(): string {
  const set = process.env.RELOADABLE_PAKETO_DIR;
  if (set !== undefined && set !== "") return set;
  const candidates = [join(repoRoot, "..", "shared", "paketo"), "/work/shared/paketo"];
  return candidates.find((dir) => existsSync(join(dir, "README.md"))) ?? candidates[0]!;
}

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

/** dist/multi-arch with the given arches' binaries (npm run package makes it). */
export function requireMultiArchPackage(...arches: string[]): string {
  for (const arch of arches) {
    if (!existsSync(join(multiArchBuildpack, "linux", arch, "bin", "main"))) {
      throw new Error(`${multiArchBuildpack}/linux/${arch} is missing: run npm run package (npm test does)`);
    }
  }
  return multiArchBuildpack;
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

/** statfs(2) magic numbers of the file systems the tests and the bench tell apart. */
const FILE_SYSTEMS: Record<number, string> = {
  0xef53: "ext4",
  0x01021994: "tmpfs",
  0x858458f6: "ramfs",
  0x794c7630: "overlayfs",
  0x58465342: "xfs",
  0x9123683e: "btrfs",
  0x6969: "nfs",
  0x65735546: "fuse",
};

/** The file system `path` is on: its name, or its statfs magic number in hex. */
export function fileSystemOf(path: string): string {
  const type = Number(statfsSync(path).type);
  return FILE_SYSTEMS[type] ?? `0x${type.toString(16)}`;
}

export const DISK_TMPDIR_ENV = "RELOADABLE_IT_DISK_TMPDIR";

/**
 * A dir on a real disk (not tmpfs or ramfs), for the tests and bench figures that must see a
 * disk's timing: RELOADABLE_IT_DISK_TMPDIR, else /var/tmp. Builds go there only when asked
 * (BuildOptions.scratch); scratchRoot() stays the default. Throws when the dir is in memory,
 * rather than measuring tmpfs under a disk's name.
 */
export function diskScratchRoot(): { path: string; fileSystem: string } {
  const path = process.env[DISK_TMPDIR_ENV] || "/var/tmp";
  if (!existsSync(path)) throw new Error(`${DISK_TMPDIR_ENV}=${path}: no such dir; set it to a dir on a real disk (ext4, xfs, ...)`);
  const fileSystem = fileSystemOf(path);
  if (fileSystem === "tmpfs" || fileSystem === "ramfs") {
    throw new Error(`${path} is on ${fileSystem}, not a disk: set ${DISK_TMPDIR_ENV} to a dir on a real disk (ext4, xfs, ...)`);
  }
  return { path, fileSystem };
}
