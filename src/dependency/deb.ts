import { open } from "node:fs/promises";
import { UnsafeArchiveError } from "../errors.ts";

const MAGIC = "!<arch>\n";
const HEADER = 60;

/**
 * Copies one member of a VERIFIED Debian package (an `ar` archive: an 8-byte magic, then a
 * 60-byte header and the data of each member, padded to an even size) into its own file.
 * `maxBytes` bounds the member; a member that is missing, truncated or too large is an error.
 */
export async function extractArMember(archive: string, name: string, output: string, uri: string, maxBytes: number): Promise<void> {
  const file = await open(archive, "r");
  try {
    const { size } = await file.stat();
    const magic = Buffer.alloc(MAGIC.length);
    await file.read(magic, 0, magic.length, 0);
    if (magic.toString("latin1") !== MAGIC) throw new UnsafeArchiveError(uri, "not a Debian package (no ar magic)");
    let offset = MAGIC.length;
    const header = Buffer.alloc(HEADER);
    while (offset + HEADER <= size) {
      await file.read(header, 0, HEADER, offset);
      const member = header.toString("latin1", 0, 16).trim().replace(/\/$/, "");
      const length = Number(header.toString("latin1", 48, 58).trim());
      if (!Number.isSafeInteger(length) || length < 0 || header.toString("latin1", 58, 60) !== "`\n") {
        throw new UnsafeArchiveError(uri, `a damaged ar header at byte ${offset}`);
      }
      const start = offset + HEADER;
      if (start + length > size) throw new UnsafeArchiveError(uri, `member ${member} is cut short`);
      if (member === name) {
        if (length > maxBytes) throw new UnsafeArchiveError(uri, `member ${member} (${length} bytes) is over the limit of ${maxBytes}`);
        const out = await open(output, "wx", 0o600);
        try {
          const chunk = Buffer.alloc(1 << 20);
          for (let done = 0; done < length; ) {
            const { bytesRead } = await file.read(chunk, 0, Math.min(chunk.length, length - done), start + done);
            if (bytesRead === 0) throw new UnsafeArchiveError(uri, `member ${member} is cut short`);
            await out.write(chunk, 0, bytesRead);
            done += bytesRead;
          }
        } finally {
          await out.close();
        }
        return;
      }
      offset = start + length + (length % 2);
    }
    throw new UnsafeArchiveError(uri, `no ${name} in the Debian package`);
  } finally {
    await file.close();
  }
}
