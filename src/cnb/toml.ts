import { randomBytes } from "node:crypto";
import { readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import TOML from "@iarna/toml";
import { ContractError } from "../errors.ts";

export type TomlTable = Record<string, unknown>;

export async function readToml(path: string): Promise<TomlTable> {
  const text = await readFile(path, "utf8");
  try {
    return TOML.parse(text) as TomlTable;
  } catch (cause) {
    throw new ContractError(`${path} is not valid TOML: ${(cause as Error).message}`, `Fix the TOML syntax in ${path}.`, { cause });
  }
}

/** Returns undefined when the file does not exist. */
export async function readTomlIfExists(path: string): Promise<TomlTable | undefined> {
  try {
    return await readToml(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

export function stringifyToml(value: TomlTable): string {
  return TOML.stringify(value as TOML.JsonMap);
}

/** `<target>.<8 hex digits>.tmp`: the temp file of one writeFileAtomic. */
const TEMP_FILE = /\.[0-9a-f]{8}\.tmp$/;

/** Writes through a temp file and a rename, so a reader never sees half a file. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const temp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temp, content);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export async function writeToml(path: string, value: TomlTable): Promise<void> {
  await writeFileAtomic(path, stringifyToml(value));
}

/**
 * Removes the temp files that writes killed between write and rename left in `dir` (a build
 * killed by the platform, say); returns their names. The targets themselves are never touched.
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const stale = names.filter((name) => TEMP_FILE.test(name));
  await Promise.all(stale.map((name) => rm(join(dir, name), { force: true })));
  return stale;
}
