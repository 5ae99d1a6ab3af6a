import { randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, readFile, readlink, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UnsafeArchiveError } from "../errors.ts";
import { rawTar, sha256, tarOfDir, watchexecArchive, xz, type RawEntry } from "../testing/archive.ts";
import { testdir, type TestDir } from "../testing/testdir.ts";
import { DEFAULT_EXTRACTION_LIMITS, extractTarXz, isExecutableFile, judgeEntry, resolveOnDisk, type EntryVerdict } from "./extract.ts";

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

/** Writes the archive next to the target (as the layer's verified download) and extracts it. */
async function extract(bytes: Uint8Array, target: string, options: Parameters<typeof extractTarXz>[3] = {}, uri = "test://archive.tar.xz"): Promise<void> {
  const holder = await tempdir();
  const file = holder.join("archive.tar.xz");
  await writeFile(file, bytes);
  await extractTarXz(file, target, uri, options);
}

async function refusal(bytes: Uint8Array, target: string, options: Parameters<typeof extractTarXz>[3] = {}, uri = "test://archive.tar.xz"): Promise<UnsafeArchiveError> {
  const error: unknown = await extract(bytes, target, options, uri).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UnsafeArchiveError);
  return error as UnsafeArchiveError;
}

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

  it("extracts with the top directory stripped, links inside kept", async () => {
    const out = await tempdir();
    await extract(await goodArchive(), out.path);
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

  it("extracts with strip 0", async () => {
    const archive = xz(rawTar([{ path: "watchexec", body: "x", mode: 0o755 }, { path: "doc/a", body: "a" }]));
    const out = await tempdir();
    await extract(archive, out.path, { strip: 0 });
    expect(await listTree(out.path)).toEqual(["doc/", "doc/a", "watchexec"]);
  });

  it("streams a large archive through", async () => {
    const payload = randomBytes(3 * 1024 * 1024);
    const archive = xz(rawTar([{ path: "top/", type: "Directory" }, { path: "top/big", body: payload }]));
    const out = await tempdir();
    await extract(archive, out.path);
    expect(sha256(await readFile(out.join("big")))).toBe(sha256(payload));
  });

  it("extracts the real release-shaped watchexec archive twice in one process (the decoder's lock is released)", async () => {
    const archive = watchexecArchive();
    for (let i = 0; i < 2; i++) {
      const out = await tempdir();
      await extract(archive.bytes, out.path);
      expect(await isExecutableFile(out.join("watchexec"))).toBe(true);
    }
    // ...also after a refused one.
    await refusal(xz(rawTar([{ path: "../x", body: "x" }])), (await tempdir()).path);
    const out = await tempdir();
    await extract(archive.bytes, out.path);
    expect(await isExecutableFile(out.join("watchexec"))).toBe(true);
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
        name: "a link that stays inside, then a file written through it",
        entries: () => [
          { path: "top/sub/", type: "Directory" },
          { path: "top/in", type: "SymbolicLink", linkpath: "sub" },
          { path: "top/in/escape", body: "pwned" },
        ],
        message: 'entry "top/in/escape" would be written through the link "in"',
      },
      {
        name: "chained relative links: l1 -> the top, then esc -> l1/../etc (the issue's case)",
        entries: () => [
          { path: "top/a0/a1/a2/a3/a4/a5/a6/a7/a8/a9/", type: "Directory" },
          { path: "top/a0/a1/a2/a3/a4/a5/a6/a7/a8/a9/l1", type: "SymbolicLink", linkpath: "../../../../../../../../../.." },
          { path: "top/esc", type: "SymbolicLink", linkpath: "a0/a1/a2/a3/a4/a5/a6/a7/a8/a9/l1/../../../../../../../../../../../escape" },
        ],
        message:
          'link "top/esc" -> "a0/a1/a2/a3/a4/a5/a6/a7/a8/a9/l1/../../../../../../../../../../../escape" resolves outside the layer: ".." climbs above the top after the link "a0/a1/a2/a3/a4/a5/a6/a7/a8/a9/l1" -> "../../../../../../../../../.."',
      },
      {
        name: "a link through a link that leads out",
        entries: () => [
          { path: "top/sub/", type: "Directory" },
          { path: "top/sub/x", type: "SymbolicLink", linkpath: "." },
          { path: "top/z", type: "SymbolicLink", linkpath: "sub/x/../../escape" },
        ],
        message: 'link "top/z" -> "sub/x/../../escape" resolves outside the layer: ".." climbs above the top after the link "sub/x" -> "."',
      },
      {
        name: "a link whose target passes through another link (tar refuses those; named as ours)",
        entries: () => [
          { path: "top/sub/", type: "Directory" },
          { path: "top/sub/x", type: "SymbolicLink", linkpath: "." },
          { path: "top/y", type: "SymbolicLink", linkpath: "sub/x/x/.." },
        ],
        message: 'link "y" -> "sub/x/x/.." passes through the link "sub/x", which tar does not follow',
      },
      {
        name: "a link made to lead out by a later link (a -> b/../escape, then b -> .)",
        entries: () => [
          { path: "top/a", type: "SymbolicLink", linkpath: "b/../escape" },
          { path: "top/b", type: "SymbolicLink", linkpath: "." },
        ],
        message: 'link "a" -> "b/../escape" resolves outside the layer: ".." climbs above the top after the link "b" -> "."',
      },
      {
        name: "a link made to lead out by a later link, one level down",
        entries: () => [
          { path: "top/d/", type: "Directory" },
          { path: "top/d/a", type: "SymbolicLink", linkpath: "b/../../escape" },
          { path: "top/d/b", type: "SymbolicLink", linkpath: ".." },
        ],
        message: 'link "d/a" -> "b/../../escape" resolves outside the layer',
      },
      {
        name: "a loop of links",
        entries: () => [
          { path: "top/p", type: "SymbolicLink", linkpath: "q" },
          { path: "top/q", type: "SymbolicLink", linkpath: "p" },
          { path: "top/r", type: "SymbolicLink", linkpath: "p/x" },
        ],
        message: 'link "q" -> "p" passes through the link "p", which tar does not follow',
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
      {
        name: "hard link through a symlink that leads out",
        entries: () => [
          { path: "top/a", type: "SymbolicLink", linkpath: "b/../escape" },
          { path: "top/b", type: "SymbolicLink", linkpath: "." },
          { path: "top/hl", type: "Link", linkpath: "top/a/passwd" },
        ],
        message: 'hard link "top/hl" -> "top/a/passwd" resolves outside the layer: ".." climbs above the top after the link "b" -> "."',
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
      const error = await refusal(archive, target, {}, "test://hostile.tar.xz");
      expect(error.uri).toBe("test://hostile.tar.xz");
      expect(error.message).toMatch(/^refused /);
      expect(error.message).toContain(message);
      expect(error.message).toMatch(/ in test:\/\/hostile\.tar\.xz$/);

      const tree = await listTree(sandbox.path);
      expect(tree.filter((p) => !p.startsWith("target/") && p !== "target/")).toEqual([]);
      expect(tree.some((p) => p.includes("escape") && !p.includes(" -> "))).toBe(false);
    });

    it("names every refused entry of the header checks", async () => {
      const out = await tempdir();
      const archive = xz(
        rawTar([
          { path: "top/", type: "Directory" },
          { path: "../one", body: "x" },
          { path: "top/two", type: "SymbolicLink", linkpath: "/etc/shadow" },
        ]),
      );
      const error = await refusal(archive, out.path, {}, "test://two");
      expect(error.message).toBe('refused path "../one" climbs out with ".."; link "top/two" points to absolute path "/etc/shadow" in test://two');
    });

    it("stops at the first entry refused on disk and writes nothing after it", async () => {
      const sandbox = await tempdir();
      const target = sandbox.join("target");
      await mkdir(target);
      const archive = xz(
        rawTar([
          { path: "top/", type: "Directory" },
          { path: "top/a", type: "SymbolicLink", linkpath: "." },
          { path: "top/a/b", type: "SymbolicLink", linkpath: ".." },
          { path: "top/a/b/escape", body: "pwned" },
          { path: "top/after", body: "x" },
        ]),
      );
      const error = await refusal(archive, target);
      expect(error.message).toBe('refused entry "top/a/b" would be written through the link "a" in test://archive.tar.xz');
      expect(await listTree(sandbox.path)).toEqual(["target/", "target/a -> ."]);
    });
  });

  describe("bounds", () => {
    it("refuses more entries than the limit, naming it", async () => {
      const out = await tempdir();
      const archive = xz(rawTar(Array.from({ length: 12 }, (_, i) => ({ path: `top/f${i}`, body: "x" }))));
      const error = await refusal(archive, out.path, { limits: { maxBytes: 1024 * 1024, maxEntries: 10 } });
      expect(error.message).toBe("the archive holds more than 10 entries (the limit) in test://archive.tar.xz");
      expect((await readdir(out.path)).length).toBeLessThanOrEqual(10);
    });

    it("refuses an entry whose declared size passes the limit before writing any of it", async () => {
      const out = await tempdir();
      // A header claiming 3 MiB; the body is there too (zeros compress to nothing).
      const archive = xz(rawTar([{ path: "top/", type: "Directory" }, { path: "top/small", body: "ok" }, { path: "top/bomb", body: Buffer.alloc(3 * 1024 * 1024) }]));
      const error = await refusal(archive, out.path, { limits: { maxBytes: 2 * 1024 * 1024, maxEntries: 100 } });
      expect(error.message).toBe('entry "top/bomb" (3145728 bytes) takes the archive past the limit of 2 MiB unpacked in test://archive.tar.xz');
      expect(await listTree(out.path)).toEqual(["small"]);
    });

    it("refuses a stream that decompresses past the limit even when the entries are small (padding, skipped entries)", async () => {
      const out = await tempdir();
      // 600 entries the filter skips (the top dir, stripped to nothing) still decompress to 600 x 1 KiB.
      const archive = xz(rawTar(Array.from({ length: 600 }, () => ({ path: "top/", type: "Directory" as const, body: "" }))));
      const error = await refusal(archive, out.path, { limits: { maxBytes: 256 * 1024, maxEntries: 10_000 } });
      expect(error.message).toBe("the archive unpacks to more than the limit of 262144 bytes in test://archive.tar.xz");
    });

    it("the defaults fit watchexec's release archives by a wide margin", () => {
      expect(DEFAULT_EXTRACTION_LIMITS).toEqual({ maxBytes: 256 * 1024 * 1024, maxEntries: 1_000 });
    });
  });

  it.each<{ name: string; bytes: () => Buffer; message: RegExp }>([
    { name: "text, not xz", bytes: () => Buffer.from("<html>Not Found</html>\n".repeat(50)), message: /^not a valid \.tar\.xz archive/ },
    { name: "random bytes", bytes: () => randomBytes(4096), message: /^not a valid \.tar\.xz archive/ },
    { name: "an empty file", bytes: () => Buffer.alloc(0), message: /^not a valid \.tar\.xz archive/ },
    { name: "xz of text, not tar", bytes: () => xz(Buffer.from("hello\n".repeat(500))), message: /^not a valid \.tar\.xz archive: TAR_(BAD_ARCHIVE|ENTRY_INVALID)/ },
    {
      name: "a truncated .tar.xz",
      bytes: () => {
        const full = xz(rawTar([{ path: "top/", type: "Directory" }, { path: "top/a", body: randomBytes(100_000) }]));
        return full.subarray(0, full.length / 2);
      },
      message: /^not a valid \.tar\.xz archive/,
    },
    {
      name: "a .tar.xz cut in its last bytes (the xz index and footer)",
      bytes: () => {
        const full = xz(rawTar([{ path: "top/", type: "Directory" }, { path: "top/a", body: "a" }]));
        return full.subarray(0, full.length - 12);
      },
      message: /^not a valid \.tar\.xz archive/,
    },
    {
      name: "a whole xz stream of a tar cut after its last entry (no end-of-archive blocks)",
      bytes: () => {
        const tar = rawTar([{ path: "top/", type: "Directory" }, { path: "top/watchexec", body: "#!/bin/sh\n", mode: 0o755 }]);
        return xz(tar.subarray(0, tar.length - 1024));
      },
      message: /^the tar stream ends without its end-of-archive blocks: the archive was cut short$/,
    },
    {
      name: "a whole xz stream of a tar cut inside its last entry",
      bytes: () => {
        const tar = rawTar([{ path: "top/", type: "Directory" }, { path: "top/watchexec", body: "x".repeat(2000), mode: 0o755 }]);
        return xz(tar.subarray(0, 512 * 3));
      },
      message: /^not a valid \.tar\.xz archive: TAR_BAD_ARCHIVE: Truncated input/,
    },
  ])("a verified file that is not a whole .tar.xz ($name) throws UnsafeArchiveError", async ({ bytes, message }) => {
    const out = await tempdir();
    const error = await refusal(bytes(), out.path, {}, "test://garbage");
    expect(error.message.replace(/ in test:\/\/garbage$/, "")).toMatch(message);
    expect(error.message).toMatch(/ in test:\/\/garbage$/);
  });
});

describe("resolveOnDisk", () => {
  it.each<{ name: string; from: string[]; target: string; expected: string[] | "out" }>([
    { name: "plain", from: [], target: "a/b", expected: ["a", "b"] },
    { name: "missing parts are taken as written", from: ["x"], target: "y/../z", expected: ["x", "z"] },
    { name: "through a link to a dir", from: [], target: "link/file", expected: ["dir", "file"] },
    { name: "'..' after a link climbs from where it leads", from: [], target: "deep/..", expected: ["dir", "sub"] },
    { name: "a link to the top, then '..'", from: [], target: "top/..", expected: "out" },
    { name: "absolute", from: [], target: "/etc", expected: "out" },
    { name: "'..' from the top", from: [], target: "..", expected: "out" },
  ])("$name", async ({ from, target, expected }) => {
    const root = await tempdir({ "dir/sub/deeper/": "", link: { symlink: "dir" }, deep: { symlink: "dir/sub/deeper" }, top: { symlink: "." } });
    const resolution = resolveOnDisk(root.path, from, target);
    if (expected === "out") expect(resolution.inside).toBe(false);
    else expect(resolution).toEqual({ inside: true, parts: expected });
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
