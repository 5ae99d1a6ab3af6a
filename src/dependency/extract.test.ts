import { randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, readFile, readlink, realpath } from "node:fs/promises";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ChecksumMismatchError, DownloadError, UnsafeArchiveError } from "../errors.ts";
import { chunked, rawTar, sha256, tarOfDir, xz, type RawEntry } from "../testing/archive.ts";
import { testdir, type TestDir } from "../testing/testdir.ts";
import { extractTarXz, isExecutableFile, judgeEntry, type EntryVerdict } from "./extract.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function tempdir(tree: Parameters<typeof testdir>[0] = {}): Promise<TestDir> {
  const dir = await testdir(tree);
  cleanups.push(dir.cleanup);
  return dir;
}

/** Every path under root, without following symlinks: dirs end in "/", links show their target. */
async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(root, path);
      if (entry.isSymbolicLink()) out.push(`${rel} -> ${await readlink(path)}`);
      else if (entry.isDirectory()) {
        out.push(`${rel}/`);
        await walk(path);
      } else out.push(rel);
    }
  }
  await walk(root);
  return out.sort();
}

describe("judgeEntry", () => {
  const ok = (path: string): EntryVerdict => ({ extract: true, path });
  const skip: EntryVerdict = { extract: false };
  const unsafe = (reason: string): EntryVerdict => ({ extract: false, unsafe: reason });

  it.each<[string, string, string | undefined, number, EntryVerdict]>([
    // plain entries, strip 1
    ["top/watchexec", "File", undefined, 1, ok("watchexec")],
    ["top/completions/zsh", "File", undefined, 1, ok("completions/zsh")],
    ["top/doc/", "Directory", undefined, 1, ok("doc")],
    ["top/", "Directory", undefined, 1, skip],
    ["top", "Directory", undefined, 1, skip],
    ["./top/watchexec", "File", undefined, 1, ok("watchexec")],
    ["./top/./a//b", "File", undefined, 1, ok("a/b")],
    ["top/old", "OldFile", undefined, 1, ok("old")],
    ["top/contiguous", "ContiguousFile", undefined, 1, ok("contiguous")],
    ["a/b/c/d", "File", undefined, 2, ok("c/d")],
    ["a/b", "File", undefined, 2, skip],
    ["watchexec", "File", undefined, 0, ok("watchexec")],
    ["...", "File", undefined, 0, ok("...")],
    ["top/..hidden", "File", undefined, 1, ok("..hidden")],
    ["top/a..b", "File", undefined, 1, ok("a..b")],
    // absolute paths
    ["/etc/passwd", "File", undefined, 1, unsafe('absolute path "/etc/passwd"')],
    ["/top/watchexec", "File", undefined, 0, unsafe('absolute path "/top/watchexec"')],
    ["C:/Windows/x", "File", undefined, 1, unsafe('absolute path "C:/Windows/x"')],
    ["c:\\x", "File", undefined, 1, unsafe('absolute path "c:\\x"')],
    // climbing out
    ["../x", "File", undefined, 1, unsafe('path "../x" climbs out with ".."')],
    ["top/../x", "File", undefined, 1, unsafe('path "top/../x" climbs out with ".."')],
    ["top/a/../../x", "File", undefined, 1, unsafe('path "top/a/../../x" climbs out with ".."')],
    ["top/a/..", "Directory", undefined, 1, unsafe('path "top/a/.." climbs out with ".."')],
    ["..", "Directory", undefined, 0, unsafe('path ".." climbs out with ".."')],
    // symlinks resolve from their own directory
    ["top/link", "SymbolicLink", "watchexec", 1, ok("link")],
    ["top/bin/watchexec", "SymbolicLink", "../watchexec", 1, ok("bin/watchexec")],
    ["top/a/b/link", "SymbolicLink", "../../c", 1, ok("a/b/link")],
    ["top/self", "SymbolicLink", ".", 1, ok("self")],
    ["top/a/up", "SymbolicLink", "..", 1, ok("a/up")],
    ["top/empty", "SymbolicLink", undefined, 1, ok("empty")],
    ["top/link", "SymbolicLink", "../x", 1, unsafe('link "top/link" points outside the layer ("../x")')],
    ["top/link", "SymbolicLink", "..", 1, unsafe('link "top/link" points outside the layer ("..")')],
    ["top/a/link", "SymbolicLink", "../../x", 1, unsafe('link "top/a/link" points outside the layer ("../../x")')],
    ["top/link", "SymbolicLink", "a/../../x", 1, unsafe('link "top/link" points outside the layer ("a/../../x")')],
    ["top/link", "SymbolicLink", "/etc/passwd", 1, unsafe('link "top/link" points to absolute path "/etc/passwd"')],
    ["top/link", "SymbolicLink", "/", 1, unsafe('link "top/link" points to absolute path "/"')],
    // hard links name a path from the archive root
    ["top/hl", "Link", "top/watchexec", 1, ok("hl")],
    ["top/a/hl", "Link", "top/b/c", 1, ok("a/hl")],
    ["top/hl", "Link", "../x", 1, unsafe('link "top/hl" points outside the layer ("../x")')],
    ["top/hl", "Link", "top/../../x", 1, unsafe('link "top/hl" points outside the layer ("top/../../x")')],
    ["top/hl", "Link", "top/a/../b", 1, unsafe('link "top/hl" points outside the layer ("top/a/../b")')],
    ["top/hl", "Link", "/etc/passwd", 1, unsafe('link "top/hl" points to absolute path "/etc/passwd"')],
    // the entry's own path is judged before its target
    ["../link", "SymbolicLink", "watchexec", 1, unsafe('path "../link" climbs out with ".."')],
    ["/link", "Link", "top/watchexec", 1, unsafe('absolute path "/link"')],
    // no devices or FIFOs in a release archive
    ["top/fifo", "FIFO", undefined, 1, unsafe('entry "top/fifo" of type FIFO')],
    ["top/null", "CharacterDevice", undefined, 1, unsafe('entry "top/null" of type CharacterDevice')],
    ["top/sda", "BlockDevice", undefined, 1, unsafe('entry "top/sda" of type BlockDevice')],
  ])("%j (%s, link %j, strip %i)", (path, type, linkpath, strip, expected) => {
    expect(judgeEntry(path, type, linkpath, strip)).toEqual(expected);
  });
});

describe("extractTarXz", () => {
  async function goodArchive(): Promise<Buffer> {
    const src = await tempdir({
      "watchexec-2.5.1/watchexec": { content: "#!/bin/sh\necho watchexec\n", mode: 0o755 },
      "watchexec-2.5.1/LICENSE": "Apache-2.0\n",
      "watchexec-2.5.1/doc/watchexec.1": ".TH WATCHEXEC 1\n",
      "watchexec-2.5.1/doc/bin": { symlink: "../watchexec" },
      "watchexec-2.5.1/link": { symlink: "watchexec" },
    });
    return xz(await tarOfDir(src.path, ["watchexec-2.5.1"]));
  }

  it("extracts with the top directory stripped and returns the sha256 of the compressed bytes", async () => {
    const archive = await goodArchive();
    const out = await tempdir();
    const result = await extractTarXz(chunked(archive, 100), out.path, sha256(archive), "test://good.tar.xz");
    expect(result).toEqual({ sha256: sha256(archive), bytes: archive.length });
    expect(await listTree(out.path)).toEqual([
      "LICENSE",
      "doc/",
      "doc/bin -> ../watchexec",
      "doc/watchexec.1",
      "link -> watchexec",
      "watchexec",
    ]);
    expect(await readFile(out.join("watchexec"), "utf8")).toBe("#!/bin/sh\necho watchexec\n");
    expect((await lstat(out.join("watchexec"))).mode & 0o111).not.toBe(0);
    expect(await isExecutableFile(out.join("watchexec"))).toBe(true);
  });

  it("accepts the expected digest in upper case", async () => {
    const archive = await goodArchive();
    const out = await tempdir();
    const result = await extractTarXz(chunked(archive), out.path, sha256(archive).toUpperCase(), "test://good.tar.xz");
    expect(result.sha256).toBe(sha256(archive));
  });

  it("extracts with strip 0", async () => {
    const archive = xz(rawTar([{ path: "watchexec", body: "x", mode: 0o755 }, { path: "doc/a", body: "a" }]));
    const out = await tempdir();
    await extractTarXz(chunked(archive), out.path, sha256(archive), "test://flat", 0);
    expect(await listTree(out.path)).toEqual(["doc/", "doc/a", "watchexec"]);
  });

  it("streams a large archive through, under backpressure", async () => {
    const payload = randomBytes(1024 * 1024);
    const archive = xz(rawTar([{ path: "top/", type: "Directory" }, { path: "top/big", body: payload }]));
    const out = await tempdir();
    const result = await extractTarXz(chunked(archive, 16 * 1024), out.path, sha256(archive), "test://big");
    expect(result.bytes).toBe(archive.length);
    expect(sha256(await readFile(out.join("big")))).toBe(sha256(payload));
  });

  it("throws ChecksumMismatchError naming the expected and actual digests and the URI", async () => {
    const archive = await goodArchive();
    const out = await tempdir();
    const expected = "AB".repeat(32);
    const error: unknown = await extractTarXz(chunked(archive), out.path, expected, "https://example.com/w.tar.xz").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChecksumMismatchError);
    const mismatch = error as ChecksumMismatchError;
    expect(mismatch.expected).toBe("ab".repeat(32));
    expect(mismatch.actual).toBe(sha256(archive));
    expect(mismatch.uri).toBe("https://example.com/w.tar.xz");
    expect(mismatch.message).toBe(
      `SHA-256 mismatch for https://example.com/w.tar.xz: expected ${"ab".repeat(32)}, got ${sha256(archive)}`,
    );
  });

  it("reports a corrupt download of a good archive as a checksum mismatch, not a decoder error", async () => {
    const archive = await goodArchive();
    const corrupt = Buffer.from(archive);
    const middle = Math.floor(corrupt.length / 2);
    corrupt[middle] = (corrupt[middle] ?? 0) ^ 0xff;
    const out = await tempdir();
    await expect(extractTarXz(chunked(corrupt), out.path, sha256(archive), "test://corrupt")).rejects.toBeInstanceOf(ChecksumMismatchError);
    const truncated = archive.subarray(0, archive.length - 20);
    await expect(extractTarXz(chunked(truncated), out.path, sha256(archive), "test://truncated")).rejects.toBeInstanceOf(
      ChecksumMismatchError,
    );
  });

  it("rethrows an error of the input stream as it is", async () => {
    const archive = await goodArchive();
    const broken = new DownloadError("http://x/w.tar.xz", "transfer broke after 100 B", true);
    async function* input(): AsyncGenerator<Uint8Array> {
      yield archive.subarray(0, 100);
      throw broken;
    }
    const out = await tempdir();
    await expect(extractTarXz(input(), out.path, sha256(archive), "http://x/w.tar.xz")).rejects.toBe(broken);
  });

  describe("refuses hostile entries and writes nothing outside the target dir", () => {
    // `outside` is the sandbox holding the target dir: anything escaping would land there.
    it.each<{ name: string; entries: (outside: string) => RawEntry[]; message: string }>([
      { name: "absolute path", entries: (o) => [{ path: `${o}/escape`, body: "pwned" }], message: "absolute path" },
      { name: "../x", entries: () => [{ path: "../escape", body: "pwned" }], message: 'path "../escape" climbs out with ".."' },
      { name: "top/../../x", entries: () => [{ path: "top/../../escape", body: "pwned" }], message: "climbs out" },
      {
        name: "symlink to /etc/passwd",
        entries: () => [{ path: "top/passwd", type: "SymbolicLink", linkpath: "/etc/passwd" }],
        message: 'link "top/passwd" points to absolute path "/etc/passwd"',
      },
      {
        name: "symlink a -> ../../x",
        entries: () => [{ path: "top/a", type: "SymbolicLink", linkpath: "../../escape" }],
        message: 'link "top/a" points outside the layer ("../../escape")',
      },
      {
        name: "symlink to the parent, then a file through it",
        entries: () => [
          { path: "top/up", type: "SymbolicLink", linkpath: ".." },
          { path: "top/up/escape", body: "pwned" },
        ],
        message: 'link "top/up" points outside the layer ("..")',
      },
      {
        name: "symlink to an absolute dir, then a file through it",
        entries: (o) => [
          { path: "top/d", type: "SymbolicLink", linkpath: o },
          { path: "top/d/escape", body: "pwned" },
        ],
        message: 'link "top/d" points to absolute path',
      },
      {
        name: "hard link to ../x",
        entries: () => [{ path: "top/hl", type: "Link", linkpath: "../escape" }],
        message: 'link "top/hl" points outside the layer ("../escape")',
      },
      {
        name: "hard link to /etc/passwd",
        entries: () => [{ path: "top/hl", type: "Link", linkpath: "/etc/passwd" }],
        message: 'link "top/hl" points to absolute path "/etc/passwd"',
      },
      { name: "FIFO", entries: () => [{ path: "top/fifo", type: "FIFO" }], message: 'entry "top/fifo" of type FIFO' },
      {
        name: "character device",
        entries: () => [{ path: "top/null", type: "CharacterDevice" }],
        message: 'entry "top/null" of type CharacterDevice',
      },
    ])("$name", async ({ entries, message }) => {
      const sandbox = await tempdir();
      const target = sandbox.join("target");
      await mkdir(target);
      const archive = xz(
        rawTar([
          { path: "top/", type: "Directory" },
          { path: "top/watchexec", body: "#!/bin/sh\n", mode: 0o755 },
          ...entries(sandbox.path),
          { path: "top/after", body: "after the hostile entry" },
        ]),
      );
      const error: unknown = await extractTarXz(chunked(archive, 256), target, sha256(archive), "test://hostile.tar.xz").catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UnsafeArchiveError);
      expect((error as UnsafeArchiveError).uri).toBe("test://hostile.tar.xz");
      expect((error as Error).message).toMatch(/^refused /);
      expect((error as Error).message).toContain(message);
      expect((error as Error).message).toMatch(/ in test:\/\/hostile\.tar\.xz$/);

      const tree = await listTree(sandbox.path);
      expect(tree.filter((p) => !p.startsWith("target/") && p !== "target/")).toEqual([]);
      expect(tree).not.toContain("target/after");
      expect(tree.some((p) => p.includes("escape") && !p.includes(" -> "))).toBe(false);
    });

    it("names every refused entry", async () => {
      const out = await tempdir();
      const archive = xz(
        rawTar([
          { path: "top/", type: "Directory" },
          { path: "../one", body: "x" },
          { path: "top/two", type: "SymbolicLink", linkpath: "/etc/shadow" },
        ]),
      );
      await expect(extractTarXz(chunked(archive), out.path, sha256(archive), "test://two")).rejects.toThrow(
        'refused path "../one" climbs out with ".."; link "top/two" points to absolute path "/etc/shadow" in test://two',
      );
    });

    it("symlink chains that look safe one by one do not escape either", async () => {
      // Each link stays inside when read alone; following `a` (-> .) then `b` (-> ..) would leave.
      // judgeEntry passes them, and tar refuses to write through an extracted symlink.
      const sandbox = await tempdir();
      const target = sandbox.join("target");
      await mkdir(target);
      const archive = xz(
        rawTar([
          { path: "top/", type: "Directory" },
          { path: "top/a", type: "SymbolicLink", linkpath: "." },
          { path: "top/a/b", type: "SymbolicLink", linkpath: ".." },
          { path: "top/a/b/escape", body: "pwned" },
          { path: "top/d/", type: "Directory" },
          { path: "top/d/e", type: "SymbolicLink", linkpath: ".." },
          { path: "top/d/e/f", type: "SymbolicLink", linkpath: ".." },
          { path: "top/d/e/f/escape", body: "pwned" },
        ]),
      );
      await extractTarXz(chunked(archive), target, sha256(archive), "test://chain").catch(() => undefined);
      const tree = await listTree(sandbox.path);
      expect(tree.filter((p) => !p.startsWith("target/"))).toEqual([]);
      expect(tree.filter((p) => p.endsWith("escape"))).toEqual([]);
      for (const entry of tree.filter((p) => p.includes(" -> "))) {
        const link = sandbox.join(entry.split(" -> ")[0] ?? "");
        expect((await realpath(link)).startsWith(`${await realpath(target)}`)).toBe(true);
      }
    });
  });

  it.each<{ name: string; bytes: () => Buffer; message: RegExp }>([
    { name: "text, not xz", bytes: () => Buffer.from("<html>Not Found</html>\n".repeat(50)), message: /not a valid \.tar\.xz archive/ },
    { name: "random bytes", bytes: () => randomBytes(4096), message: /not a valid \.tar\.xz archive/ },
    { name: "xz of text, not tar", bytes: () => xz(Buffer.from("hello\n".repeat(500))), message: /not a valid \.tar\.xz archive: TAR_BAD_ARCHIVE/ },
    {
      name: "a truncated .tar.xz",
      bytes: () => {
        const full = xz(rawTar([{ path: "top/", type: "Directory" }, { path: "top/a", body: randomBytes(100_000) }]));
        return full.subarray(0, full.length / 2);
      },
      message: /not a valid \.tar\.xz archive/,
    },
    {
      name: "a .tar.xz with trailing garbage",
      bytes: () => Buffer.concat([xz(rawTar([{ path: "top/a", body: "a" }])), Buffer.from("garbage!garbage!")]),
      message: /not a valid \.tar\.xz archive/,
    },
  ])("garbage with the right sha256 ($name) throws UnsafeArchiveError", async ({ bytes, message }) => {
    const input = bytes();
    const out = await tempdir();
    const error: unknown = await extractTarXz(chunked(input, 1000), out.path, sha256(input), "test://garbage").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafeArchiveError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/ in test:\/\/garbage$/);
  });
});

describe("isExecutableFile", () => {
  it.each<[string, boolean]>([
    ["exec", true],
    ["plain", false],
    ["dir", false],
    ["missing", false],
    ["link-to-exec", true],
    ["link-to-plain", false],
    ["dangling", false],
  ])("%s -> %s", async (name, expected) => {
    const dir = await tempdir({
      exec: { content: "#!/bin/sh\n", mode: 0o755 },
      plain: { content: "text", mode: 0o644 },
      "dir/": "",
      "link-to-exec": { symlink: "exec" },
      "link-to-plain": { symlink: "plain" },
      dangling: { symlink: "nowhere" },
    });
    expect(await isExecutableFile(dir.join(name))).toBe(expected);
  });
});
