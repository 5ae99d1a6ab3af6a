import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { contributeBinaryLayer, type BinaryLayerSpec, type ContributeInput, type ContributeResult } from "../dependency/binary-layer.ts";
import { extractArMember } from "../dependency/deb.ts";
import { DEFAULT_EXTRACTION_LIMITS, extractTarXz } from "../dependency/extract.ts";

export const LAYER_NAME = "busybox";

/**
 * Debian's busybox-static package: a static busybox (no libc needed) at ./bin/busybox of the
 * package's data.tar.xz. Only that file is kept.
 */
const BUSYBOX: BinaryLayerSpec = {
  layer: LAYER_NAME,
  binary: "busybox",
  where: "at bin/busybox of the package's data.tar.xz",
  unpack: async (archive, staging, uri, limits) => {
    const data = join(staging, "data.tar.xz");
    const unpacked = join(staging, "package");
    const bounds = limits ?? DEFAULT_EXTRACTION_LIMITS;
    await extractArMember(archive, "data.tar.xz", data, uri, bounds.maxBytes);
    await mkdir(unpacked);
    await extractTarXz(data, unpacked, uri, { strip: 0, limits: bounds });
    // The program, and its license (GPL-2.0: the copyright file travels with the binary).
    await rename(join(unpacked, "bin", "busybox"), join(staging, "busybox")).catch(() => undefined);
    await rename(join(unpacked, "usr", "share", "doc", "busybox-static", "copyright"), join(staging, "copyright")).catch(() => undefined);
    await rm(unpacked, { recursive: true, force: true });
    await rm(data, { force: true });
    return join(staging, "busybox");
  },
};

/** Installs busybox into `<layers>/busybox/bin`, or reuses the restored layer. */
export function contributeBusyboxLayer(input: ContributeInput): Promise<ContributeResult> {
  return contributeBinaryLayer(BUSYBOX, input);
}
