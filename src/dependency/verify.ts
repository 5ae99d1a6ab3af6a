import { createHash } from "node:crypto";
import { open, rm } from "node:fs/promises";
import { ChecksumMismatchError } from "../errors.ts";

export interface SavedArtifact {
  sha256: string;
  bytes: number;
}

/**
 * Writes `body` to `path` while hashing it, and checks the SHA-256 once the last byte is on
 * disk. On a mismatch, or any error, the file is removed: only a verified file is left for the
 * extraction, so not one byte of an unverified archive is ever unpacked.
 */
export async function saveVerified(body: AsyncIterable<Uint8Array>, path: string, expectedSha256: string, uri: string): Promise<SavedArtifact> {
  const hash = createHash("sha256");
  let bytes = 0;
  try {
    const file = await open(path, "w", 0o600);
    try {
      for await (const chunk of body) {
        hash.update(chunk);
        bytes += chunk.length;
        await file.write(chunk);
      }
    } finally {
      await file.close();
    }
    const sha256 = hash.digest("hex");
    const expected = expectedSha256.toLowerCase();
    if (sha256 !== expected) throw new ChecksumMismatchError(uri, expected, sha256);
    return { sha256, bytes };
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
}
