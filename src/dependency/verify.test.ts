import { readdir, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ChecksumMismatchError, DownloadError } from "../errors.ts";
import { chunked, sha256 } from "../testing/archive.ts";
import { testdirsRemovedAfterEach } from "../testing/testdir.ts";
import { saveVerified } from "./verify.ts";

const testdir = testdirsRemovedAfterEach();
const BYTES = Buffer.from("the release archive ".repeat(1000));

describe("saveVerified", () => {
  it("writes the bytes and returns their digest and size", async () => {
    const dir = await testdir();
    const result = await saveVerified(chunked(BYTES, 333), dir.join("a.tar.xz"), sha256(BYTES), "test://a");
    expect(result).toEqual({ sha256: sha256(BYTES), bytes: BYTES.length });
    expect(await readFile(dir.join("a.tar.xz"))).toEqual(BYTES);
  });

  it("accepts the expected digest in upper case", async () => {
    const dir = await testdir();
    const result = await saveVerified(chunked(BYTES), dir.join("a"), sha256(BYTES).toUpperCase(), "test://a");
    expect(result.sha256).toBe(sha256(BYTES));
  });

  it("on a mismatch throws ChecksumMismatchError naming both digests and the URI, and removes the file", async () => {
    const dir = await testdir();
    const expected = "AB".repeat(32);
    const error: unknown = await saveVerified(chunked(BYTES), dir.join("a"), expected, "https://example.com/w.tar.xz").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChecksumMismatchError);
    expect((error as ChecksumMismatchError).message).toBe(`SHA-256 mismatch for https://example.com/w.tar.xz: expected ${"ab".repeat(32)}, got ${sha256(BYTES)}`);
    expect((error as ChecksumMismatchError).fix).toContain("nothing was installed");
    expect(await readdir(dir.path)).toEqual([]);
  });

  it("rethrows an error of the body as it is and removes the partial file", async () => {
    const dir = await testdir();
    const broken = new DownloadError("http://x/w.tar.xz", "transfer broke after 100 B", true);
    async function* body(): AsyncGenerator<Uint8Array> {
      yield BYTES.subarray(0, 100);
      throw broken;
    }
    await expect(saveVerified(body(), dir.join("a"), sha256(BYTES), "http://x/w.tar.xz")).rejects.toBe(broken);
    expect(await readdir(dir.path)).toEqual([]);
  });
});
