import { open } from "node:fs/promises";
import { inflateRawSync } from "node:zlib";
import { ContractError } from "../errors.ts";

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

/**
 * Reads one entry of a ZIP (JAR) file, or undefined if it has none. Only what a manifest read
 * needs: stored or deflated entries, no ZIP64, no encryption.
 */
export async function readZipEntry(path: string, entryName: string): Promise<Buffer | undefined> {
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    const tailLength = Math.min(size, 65_557); // EOCD record (22) + the longest comment
    const tail = Buffer.alloc(tailLength);
    await file.read(tail, 0, tailLength, size - tailLength);
    let eocd = -1;
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new ContractError(`${path} is not a ZIP/JAR file (no end of central directory)`, `Replace ${path} with a valid JAR.`);
    const entries = tail.readUInt16LE(eocd + 10);
    const directorySize = tail.readUInt32LE(eocd + 12);
    const directoryOffset = tail.readUInt32LE(eocd + 16);
    if (directoryOffset === 0xffffffff) throw new ContractError(`${path} is a ZIP64 file, which is not supported`, "Use a JAR under 4 GiB.");
    // Data prepended to the archive (a launch script, say) shifts every offset; Java finds the
    // shift from where the directory really ends (at the EOCD record), and so does this.
    const shift = size - tailLength + eocd - directorySize - directoryOffset;
    if (shift < 0) throw new ContractError(`${path}: corrupt end of central directory`, `Replace ${path} with a valid JAR.`);
    const directory = Buffer.alloc(directorySize);
    await file.read(directory, 0, directorySize, directoryOffset + shift);

    let at = 0;
    for (let n = 0; n < entries; n++) {
      if (directory.readUInt32LE(at) !== CENTRAL_FILE_HEADER) throw new ContractError(`${path}: corrupt central directory`, `Replace ${path} with a valid JAR.`);
      const method = directory.readUInt16LE(at + 10);
      const compressedSize = directory.readUInt32LE(at + 20);
      const nameLength = directory.readUInt16LE(at + 28);
      const extraLength = directory.readUInt16LE(at + 30);
      const commentLength = directory.readUInt16LE(at + 32);
      const localOffset = directory.readUInt32LE(at + 42);
      const name = directory.toString("utf8", at + 46, at + 46 + nameLength);
      at += 46 + nameLength + extraLength + commentLength;
      if (name !== entryName) continue;

      const local = Buffer.alloc(30);
      await file.read(local, 0, 30, localOffset + shift);
      if (local.readUInt32LE(0) !== LOCAL_FILE_HEADER) throw new ContractError(`${path}: corrupt entry ${name}`, `Replace ${path} with a valid JAR.`);
      const dataOffset = localOffset + shift + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      const data = Buffer.alloc(compressedSize);
      await file.read(data, 0, compressedSize, dataOffset);
      if (method === 0) return data;
      if (method === 8) return inflateRawSync(data);
      throw new ContractError(`${path}: ${name} uses ZIP compression method ${method}`, "Repackage the JAR with the jar tool.");
    }
    return undefined;
  } finally {
    await file.close();
  }
}
