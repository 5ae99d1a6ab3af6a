import { join } from "node:path";
import { contributeBinaryLayer, type BinaryLayerSpec, type ContributeInput, type ContributeResult } from "../dependency/binary-layer.ts";
import { extractTarXz } from "../dependency/extract.ts";

export { BINARY_DIGEST, decideReuse, layerMetadataFor } from "../dependency/binary-layer.ts";
export type { BinaryLayerMetadata as WatchexecLayerMetadata, CachedBinary, ContributeInput, ReuseDecision } from "../dependency/binary-layer.ts";

export const LAYER_NAME = "watchexec";

/** A watchexec release: `watchexec-<ver>-<target>/watchexec` in a .tar.xz. */
const WATCHEXEC: BinaryLayerSpec = {
  layer: LAYER_NAME,
  binary: "watchexec",
  where: "at the top of the archive",
  unpack: async (archive, staging, uri, limits) => {
    await extractTarXz(archive, staging, uri, limits !== undefined ? { limits } : {});
    return join(staging, "watchexec");
  },
};

/** Installs watchexec into `<layers>/watchexec/bin`, or reuses the restored layer. */
export function contributeWatchexecLayer(input: ContributeInput): Promise<ContributeResult> {
  return contributeBinaryLayer(WATCHEXEC, input);
}
