import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
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
