import { rm } from "node:fs/promises";
import { join } from "node:path";
import { readTomlIfExists, writeFileAtomic, writeToml, type TomlTable } from "./toml.ts";
import type { LayerTypes } from "./types.ts";

/** `<layers>/<name>.toml` and its content dir `<layers>/<name>/`. */
export interface LayerPaths {
  name: string;
  dir: string;
  metadataFile: string;
}

export function layerPaths(layersDir: string, name: string): LayerPaths {
  return { name, dir: join(layersDir, name), metadataFile: join(layersDir, `${name}.toml`) };
}

/** The metadata a previous build left (restored by the lifecycle), or undefined. */
export async function readLayerMetadata(layer: LayerPaths): Promise<TomlTable | undefined> {
  const toml = await readTomlIfExists(layer.metadataFile);
  const metadata = toml?.metadata;
  return typeof metadata === "object" && metadata !== null ? (metadata as TomlTable) : undefined;
}

export async function writeLayerMetadata(layer: LayerPaths, types: LayerTypes, metadata: TomlTable): Promise<void> {
  await writeToml(layer.metadataFile, { types: { ...types }, metadata });
}

export async function removeLayerMetadata(layer: LayerPaths): Promise<void> {
  await rm(layer.metadataFile, { force: true });
}

export type SbomFormat = "cdx.json" | "syft.json" | "spdx.json";

export async function writeLayerSbom(layersDir: string, name: string, format: SbomFormat, document: unknown): Promise<void> {
  await writeFileAtomic(join(layersDir, `${name}.sbom.${format}`), `${JSON.stringify(document, null, 2)}\n`);
}
