// Running linux/arm64 programs on this x86-64 machine: qemu user-mode emulation through
// binfmt_misc, set up by scripts/cross-arm64 (scripts/tools runs it). Nothing here is real arm64
// hardware: what passes through these helpers is verified under emulation only.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

/** The binfmt_misc entry scripts/cross-arm64 registers: qemu-aarch64 with flags POCF. */
export const BINFMT_ENTRY = "/proc/sys/fs/binfmt_misc/reloadable-qemu-aarch64";

/**
 * Debian's arm64 glibc and libstdc++ (libc6-arm64-cross, libstdc++6-arm64-cross): qemu loads the
 * dynamically linked arm64 bin/main with them, as an arm64 build image would with its own.
 */
export const ARM64_LD_PREFIX = "/usr/aarch64-linux-gnu";

export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

/** e_machine of an ELF header (the first 20 bytes suffice), or undefined for another format. */
export function elfMachine(bytes: Buffer): number | undefined {
  if (bytes.length < 20 || bytes.toString("latin1", 0, 4) !== "\x7fELF") return undefined;
  return bytes.readUInt16LE(18);
}

export function elfMachineOf(path: string): number | undefined {
  return elfMachine(readFileSync(path).subarray(0, 64));
}

/** Whether an ELF file asks for a program interpreter (dynamically linked): a PT_INTERP header. */
export function isDynamic(path: string): boolean {
  const bytes = readFileSync(path);
  const phoff = Number(bytes.readBigUInt64LE(32));
  const phentsize = bytes.readUInt16LE(54);
  const phnum = bytes.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) if (bytes.readUInt32LE(phoff + i * phentsize) === 3) return true;
  return false;
}

/** Throws, naming the fix, unless qemu runs aarch64 programs here as scripts/cross-arm64 sets it up. */
export function requireArm64Emulation(): void {
  const fix = "run scripts/cross-arm64 as root (scripts/tools runs it)";
  if (!existsSync(BINFMT_ENTRY)) throw new Error(`${BINFMT_ENTRY} is missing: no qemu for arm64 programs; ${fix}`);
  const entry = readFileSync(BINFMT_ENTRY, "utf8");
  if (!entry.startsWith("enabled") || !/^flags: POCF$/m.test(entry)) throw new Error(`${BINFMT_ENTRY} is not enabled with flags POCF:\n${entry}${fix}`);
}

/** Compiles C source into a static aarch64 program with Debian's cross gcc. */
export function compileArm64(out: string, source: string): void {
  const gcc = spawnSync("aarch64-linux-gnu-gcc", ["-static", "-Os", "-Wall", "-Werror", "-o", out, "-x", "c", "-"], { input: source, encoding: "utf8" });
  if (gcc.status !== 0) throw new Error(`aarch64-linux-gnu-gcc failed (${gcc.status}): ${gcc.stderr}${gcc.error?.message ?? ""}; run scripts/cross-arm64`);
}
