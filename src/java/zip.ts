import { open } from "node:fs/promises";
import { inflateRawSync } from "node:zlib";
import { ContractError } from "../errors.ts";

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

/** A central directory this large would list millions of entries; no JAR a build reads is near it. */
const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;

/**
 * Reads one entry of a ZIP (JAR) file, or undefined if it has none. Only what a manifest read
 * needs: stored or deflated entries, no ZIP64, no encryption. Every offset and size read from
 * the file is checked against the file before it is used, and the entry may not be (or inflate
 * to) more than `maxBytes`: a damaged or hostile JAR is a ContractError, never a crash or a
 * memory blow-up.
 */
export async function readZipEntry(path: string, entryName: string, maxBytes = 1024 * 1024): Promise<Buffer | undefined> {
  const corrupt = (what: string) => new ContractError(`${path}: corrupt ${what}`, `Replace ${path} with a valid JAR.`);
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
    if (shift < 0 || directorySize > MAX_DIRECTORY_BYTES) throw corrupt("end of central directory");
    const directory = Buffer.alloc(directorySize);
    const { bytesRead } = await file.read(directory, 0, directorySize, directoryOffset + shift);
    if (bytesRead !== directorySize) throw corrupt("central directory");

    let at = 0;
    for (let n = 0; n < entries; n++) {
      if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL_FILE_HEADER) throw corrupt("central directory");
      const method = directory.readUInt16LE(at + 10);
      const compressedSize = directory.readUInt32LE(at + 20);
      const nameLength = directory.readUInt16LE(at + 28);
      const extraLength = directory.readUInt16LE(at + 30);
      const commentLength = directory.readUInt16LE(at + 32);
      const localOffset = directory.readUInt32LE(at + 42);
      if (at + 46 + nameLength > directory.length) throw corrupt("central directory");
      const name = directory.toString("utf8", at + 46, at + 46 + nameLength);
      at += 46 + nameLength + extraLength + commentLength;
      if (name !== entryName) continue;

      if (compressedSize > maxBytes) {
        throw new ContractError(`${path}: ${name} is ${compressedSize} bytes, over the limit of ${maxBytes}`, `Check ${path}: its ${name} should be a few KB.`);
      }
      const local = Buffer.alloc(30);
      const localRead = await file.read(local, 0, 30, localOffset + shift);
      if (localRead.bytesRead !== 30 || local.readUInt32LE(0) !== LOCAL_FILE_HEADER) throw corrupt(`entry ${name}`);
      const dataOffset = localOffset + shift + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      if (dataOffset + compressedSize > size) throw corrupt(`entry ${name}`);
      const data = Buffer.alloc(compressedSize);
      await file.read(data, 0, compressedSize, dataOffset);
      if (method === 0) return data;
      if (method === 8) {
        try {
          return inflateRawSync(data, { maxOutputLength: maxBytes });
        } catch (cause) {
          if ((cause as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
            throw new ContractError(`${path}: ${name} inflates to more than ${maxBytes} bytes`, `Check ${path}: its ${name} should be a few KB.`, { cause });
          }
          throw new ContractError(`${path}: corrupt entry ${name} (${(cause as Error).message})`, `Replace ${path} with a valid JAR.`, { cause });
        }
      }
      throw new ContractError(`${path}: ${name} uses ZIP compression method ${method}`, "Repackage the JAR with the jar tool.");
    }
    return undefined;
  } finally {
    await file.close();
  }
}
