import { execFileSync, spawnSync } from "node:child_process";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { deflateRawSync } from "node:zlib";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ContractError } from "../errors.ts";
import { testdir, type TestDir, testdirsRemovedAfterEach } from "../testing/testdir.ts";
import { readZipEntry } from "./zip.ts";

const EOCD = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

const tempdir = testdirsRemovedAfterEach();

/** Some compressible class "bytes" and a text resource, so deflate really shrinks them. */
const MAIN_CLASS = Buffer.from(`${"\xca\xfe\xba\xbe".repeat(4)}${"app/Main ".repeat(200)}`, "latin1");
const RESOURCE = `${"greeting=hello\n".repeat(100)}`;

let fixtures: TestDir;
let deflated: string;
let stored: string;
let storedShort: string;

beforeAll(async () => {
  fixtures = await testdir({ "classes/app/Main.class": MAIN_CLASS, "classes/app/messages.properties": RESOURCE, "classes/empty/": "" });
  deflated = fixtures.join("deflated.jar");
  stored = fixtures.join("stored.jar");
  storedShort = fixtures.join("stored-0.jar");
  const jar = (...args: string[]) => execFileSync("jar", args, { stdio: "pipe" });
  jar("--create", "--file", deflated, "--main-class", "app.Main", "-C", fixtures.join("classes"), ".");
  jar("--create", "--no-compress", "--file", stored, "--main-class", "app.Main", "-C", fixtures.join("classes"), ".");
  jar("-c", "-0", "-f", storedShort, "-e", "app.Main", "-C", fixtures.join("classes"), ".");
  return () => fixtures.cleanup();
});

/** The compression method the central directory records for `name` (checks the fixture is what it claims). */
async function methodOf(path: string, name: string): Promise<number> {
  const bytes = await readFile(path);
  const eocd = bytes.lastIndexOf(EOCD);
  let at = bytes.readUInt32LE(eocd + 16);
  for (let n = 0; n < bytes.readUInt16LE(eocd + 10); n++) {
    const nameLength = bytes.readUInt16LE(at + 28);
    if (bytes.toString("utf8", at + 46, at + 46 + nameLength) === name) return bytes.readUInt16LE(at + 10);
    at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  throw new Error(`${name} not in ${path}`);
}

describe("readZipEntry on JARs made by the jar tool", () => {
  it.each<[string, () => string, number]>([
    ["deflated (default)", () => deflated, 8],
    ["stored (--no-compress)", () => stored, 0],
    ["stored (-0)", () => storedShort, 0],
  ])("%s", async (_name, jar, method) => {
    expect(await methodOf(jar(), "app/Main.class")).toBe(method);
    expect(await methodOf(jar(), "META-INF/MANIFEST.MF")).toBe(method);

    const manifest = await readZipEntry(jar(), "META-INF/MANIFEST.MF");
    expect(manifest?.toString("utf8")).toMatch(/^Manifest-Version: 1\.0\r\n/);
    expect(manifest?.toString("utf8")).toContain("Main-Class: app.Main\r\n");
    expect(await readZipEntry(jar(), "app/Main.class")).toEqual(MAIN_CLASS);
    expect((await readZipEntry(jar(), "app/messages.properties"))?.toString("utf8")).toBe(RESOURCE);
  });

  it.each<[string, () => string]>([
    ["deflated", () => deflated],
    ["stored", () => stored],
  ])("a directory entry is empty (%s)", async (_name, jar) => {
    expect(await readZipEntry(jar(), "app/")).toEqual(Buffer.alloc(0));
  });

  it.each<[string, string]>([
    ["a missing entry", "META-INF/missing.txt"],
    ["a prefix of an entry", "META-INF/MANIFEST"],
    ["a name that differs in case", "meta-inf/manifest.mf"],
    ["a directory without its slash", "app"],
    ["an empty name", ""],
  ])("%s -> undefined", async (_name, entry) => {
    expect(await readZipEntry(deflated, entry)).toBeUndefined();
    expect(await readZipEntry(stored, entry)).toBeUndefined();
  });

  it("a JAR without a manifest -> undefined for the manifest", async () => {
    const dir = await tempdir({ "classes/a.txt": "a" });
    execFileSync("jar", ["--create", "--no-manifest", "--file", dir.join("plain.jar"), "-C", dir.join("classes"), "."], { stdio: "pipe" });
    expect(await readZipEntry(dir.join("plain.jar"), "META-INF/MANIFEST.MF")).toBeUndefined();
    expect((await readZipEntry(dir.join("plain.jar"), "a.txt"))?.toString()).toBe("a");
  });
});

describe("readZipEntry: not a ZIP", () => {
  it.each<[string, string | Uint8Array]>([
    ["a text file", "Main-Class: app.Main\n"],
    ["an empty file", ""],
    ["a file shorter than an EOCD record", "PK\x05\x06"],
    ["a local header and nothing else", Buffer.from([0x50, 0x4b, 0x03, 0x04, ...Buffer.alloc(40)])],
  ])("%s -> ContractError naming the path", async (_name, content) => {
    const dir = await tempdir({ "app.jar": content });
    const error = await readZipEntry(dir.join("app.jar"), "META-INF/MANIFEST.MF").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as Error).message).toContain(dir.join("app.jar"));
    expect((error as ContractError).fix).toContain(dir.join("app.jar"));
  });

  it("a truncated JAR (the central directory cut off) -> ContractError", async () => {
    const dir = await tempdir();
    const bytes = await readFile(deflated);
    await writeFile(dir.join("cut.jar"), bytes.subarray(0, bytes.length - 30));
    await expect(readZipEntry(dir.join("cut.jar"), "META-INF/MANIFEST.MF")).rejects.toBeInstanceOf(ContractError);
  });
});

describe("readZipEntry: a ZIP comment after the end of central directory record", () => {
  /** Sets the EOCD comment length and appends the comment, as `zip -z` would. */
  function withComment(bytes: Buffer, comment: Buffer): Buffer {
    const eocd = bytes.lastIndexOf(EOCD);
    expect(bytes.readUInt16LE(eocd + 20)).toBe(0);
    expect(eocd).toBe(bytes.length - 22);
    const copy = Buffer.from(bytes);
    copy.writeUInt16LE(comment.length, eocd + 20);
    return Buffer.concat([copy, comment]);
  }

  it.each<[string, () => string, Buffer]>([
    ["a short comment, deflated", () => deflated, Buffer.from("built by a test")],
    ["a short comment, stored", () => stored, Buffer.from("built by a test")],
    ["a comment that looks like a manifest", () => deflated, Buffer.from("Main-Class: other.Main\r\n")],
    ["the longest comment (65535 bytes)", () => deflated, Buffer.alloc(65_535, "c")],
  ])("%s", async (_name, jar, comment) => {
    const dir = await tempdir();
    await writeFile(dir.join("commented.jar"), withComment(await readFile(jar()), comment));
    const manifest = await readZipEntry(dir.join("commented.jar"), "META-INF/MANIFEST.MF");
    expect(manifest?.toString("utf8")).toContain("Main-Class: app.Main\r\n");
    expect(await readZipEntry(dir.join("commented.jar"), "app/Main.class")).toEqual(MAIN_CLASS);
  });

  const hasZip = spawnSync("zip", ["-v"], { stdio: "ignore" }).status === 0;
  it.runIf(hasZip)("a comment added by zip -z", async () => {
    const dir = await tempdir();
    await copyFile(deflated, dir.join("z.jar"));
    execFileSync("zip", ["-q", "-z", dir.join("z.jar")], { input: "a comment from zip -z\n", stdio: ["pipe", "pipe", "pipe"] });
    const bytes = await readFile(dir.join("z.jar"));
    expect(bytes.readUInt16LE(bytes.lastIndexOf(EOCD) + 20)).toBeGreaterThan(0);
    expect((await readZipEntry(dir.join("z.jar"), "META-INF/MANIFEST.MF"))?.toString("utf8")).toContain("Main-Class: app.Main\r\n");
  });
});

describe("readZipEntry: data before the ZIP", () => {
  // Regression test (the bug is fixed): a JAR with bytes prepended (a shell stub: `cat stub.sh app.jar > app.jar`, the
  // "really executable JAR" trick) keeps its central directory offsets relative to the ZIP's
  // own start. java -jar runs it (java.util.zip.ZipFile shifts every offset by where the central
  // directory really is); readZipEntry seeks to the unshifted offset and throws
  // "corrupt central directory".
  it("reads a JAR with a launch script prepended, as java -jar does", async () => {
    const dir = await tempdir();
    const stub = Buffer.from('#!/bin/sh\nexec java -jar "$0" "$@"\n');
    await writeFile(dir.join("exec.jar"), Buffer.concat([stub, await readFile(deflated)]));
    const manifest = await readZipEntry(dir.join("exec.jar"), "META-INF/MANIFEST.MF");
    expect(manifest?.toString("utf8")).toContain("Main-Class: app.Main\r\n");
  });
});

describe("readZipEntry: bounds on damaged or hostile JARs", () => {
  /** A ZIP with one deflated entry, made by hand so its sizes can lie. */
  function zipOf(name: string, content: Buffer, patch: (central: Buffer, local: Buffer) => void = () => undefined): Buffer {
    const data = deflateRawSync(content);
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(content.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(content.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(0, 42);
    patch(central, local);
    const directoryOffset = 30 + nameBytes.length + data.length;
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(1, 8);
    eocd.writeUInt16LE(1, 10);
    eocd.writeUInt32LE(46 + nameBytes.length, 12);
    eocd.writeUInt32LE(directoryOffset, 16);
    return Buffer.concat([local, nameBytes, data, central, nameBytes, eocd]);
  }

  it("reads a hand-made ZIP (the helper is right)", async () => {
    const dir = await tempdir({ "a.jar": zipOf("META-INF/MANIFEST.MF", Buffer.from("Main-Class: a.B\n")) });
    expect((await readZipEntry(dir.join("a.jar"), "META-INF/MANIFEST.MF"))?.toString()).toBe("Main-Class: a.B\n");
  });

  it("a manifest that inflates past the limit (a zip bomb) -> ContractError, never the memory", async () => {
    const dir = await tempdir({ "bomb.jar": zipOf("META-INF/MANIFEST.MF", Buffer.alloc(8 * 1024 * 1024, "a")) });
    await expect(readZipEntry(dir.join("bomb.jar"), "META-INF/MANIFEST.MF")).rejects.toThrow(
      `${dir.join("bomb.jar")}: META-INF/MANIFEST.MF inflates to more than 1048576 bytes`,
    );
  });

  it.each<[string, (central: Buffer) => void, string]>([
    ["a compressed size past the end of the file", (c) => c.writeUInt32LE(0x00ffffff, 20), "over the limit"],
    ["a local header offset past the end", (c) => c.writeUInt32LE(0x7fffffff, 42), "corrupt entry META-INF/MANIFEST.MF"],
    ["a name longer than the directory", (c) => c.writeUInt16LE(0xffff, 28), "corrupt central directory"],
  ])("%s -> ContractError", async (_name, patch, message) => {
    const bytes = zipOf("META-INF/MANIFEST.MF", Buffer.from("Main-Class: a.B\n"), patch);
    const dir = await tempdir({ "bad.jar": bytes });
    const error: unknown = await readZipEntry(dir.join("bad.jar"), "META-INF/MANIFEST.MF").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as Error).message).toContain(message);
  });

  it("corrupt deflate data -> ContractError naming the entry", async () => {
    const good = zipOf("META-INF/MANIFEST.MF", Buffer.from("Main-Class: a.B\n".repeat(20)));
    const bad = Buffer.from(good);
    bad.fill(0xff, 30 + "META-INF/MANIFEST.MF".length, 30 + "META-INF/MANIFEST.MF".length + 8);
    const dir = await tempdir({ "bad.jar": bad });
    await expect(readZipEntry(dir.join("bad.jar"), "META-INF/MANIFEST.MF")).rejects.toThrow(/: corrupt entry META-INF\/MANIFEST\.MF \(/);
  });

  it("a directory size larger than the file -> ContractError", async () => {
    const bytes = zipOf("META-INF/MANIFEST.MF", Buffer.from("x"));
    bytes.writeUInt32LE(0x7fffffff, bytes.length - 22 + 12);
    const dir = await tempdir({ "bad.jar": bytes });
    await expect(readZipEntry(dir.join("bad.jar"), "META-INF/MANIFEST.MF")).rejects.toThrow(/corrupt end of central directory/);
  });
});
