import { join } from "node:path";
import { ContractError } from "../errors.ts";
import { readToml, type TomlTable } from "./toml.ts";
import type { BuildpackDescriptor, ConfigurationDeclaration, DependencyRecord, License } from "./types.ts";

function table(value: unknown, where: string): TomlTable {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as TomlTable;
  throw new ContractError(`buildpack.toml: ${where} must be a table`, "Fix buildpack.toml.");
}

function str(t: TomlTable, key: string, where: string, fallback?: string): string {
  const value = t[key];
  if (typeof value === "string") return value;
  if (value === undefined && fallback !== undefined) return fallback;
  throw new ContractError(`buildpack.toml: ${where}.${key} must be a string`, "Fix buildpack.toml.");
}

function strings(t: TomlTable, key: string): string[] {
  const value = t[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function tables(t: TomlTable, key: string): TomlTable[] {
  const value = t[key];
  return Array.isArray(value) ? value.map((v, i) => table(v, `${key}[${i}]`)) : [];
}

export function parseDescriptor(toml: TomlTable): BuildpackDescriptor {
  const buildpack = table(toml.buildpack, "[buildpack]");
  const metadata = toml.metadata === undefined ? {} : table(toml.metadata, "[metadata]");

  const configurations: ConfigurationDeclaration[] = tables(metadata, "configurations").map((c, i) => ({
    name: str(c, "name", `metadata.configurations[${i}]`),
    default: str(c, "default", `metadata.configurations[${i}]`, ""),
    description: str(c, "description", `metadata.configurations[${i}]`, ""),
    build: c.build === true,
    launch: c.launch === true,
  }));

  const dependencies: DependencyRecord[] = tables(metadata, "dependencies").map((d, i) => {
    const where = `metadata.dependencies[${i}]`;
    const licenses: License[] = tables(d, "licenses").map((l) => ({
      type: str(l, "type", `${where}.licenses`),
      ...(typeof l.uri === "string" ? { uri: l.uri } : {}),
    }));
    return {
      id: str(d, "id", where),
      name: str(d, "name", where, str(d, "id", where)),
      version: str(d, "version", where),
      uri: str(d, "uri", where),
      sha256: str(d, "sha256", where).toLowerCase(),
      purl: str(d, "purl", where, ""),
      cpes: strings(d, "cpes"),
      licenses,
      stacks: strings(d, "stacks"),
      ...(typeof d.source === "string" ? { source: d.source } : {}),
      ...(typeof d["source-sha256"] === "string" ? { "source-sha256": d["source-sha256"] } : {}),
    };
  });

  return {
    info: {
      id: str(buildpack, "id", "[buildpack]"),
      name: str(buildpack, "name", "[buildpack]", str(buildpack, "id", "[buildpack]")),
      version: str(buildpack, "version", "[buildpack]"),
      homepage: str(buildpack, "homepage", "[buildpack]", ""),
    },
    configurations,
    dependencies,
  };
}

export async function readDescriptor(buildpackDir: string): Promise<BuildpackDescriptor> {
  return parseDescriptor(await readToml(join(buildpackDir, "buildpack.toml")));
}
