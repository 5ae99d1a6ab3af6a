import { chmod, lstat, mkdir, readlink, symlink, writeFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { testdir, type TestDir } from "../testing/testdir.ts";
import { makeGroupWritable } from "./permissions.ts";

const dirs: TestDir[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => d.cleanup()));
});

/** [path relative to the root ("" is the root, "/" ends a dir), mode before, mode after]. */
const TREE: [string, number, number][] = [
  ["/", 0o700, 0o770],
  ["readme.txt", 0o644, 0o664],
  ["secret", 0o600, 0o660],
  ["readonly", 0o444, 0o464],
  ["nothing", 0o000, 0o060],
  ["already", 0o664, 0o664],
  ["group-all", 0o676, 0o676],
  ["world-writable", 0o666, 0o666],
  ["setuid", 0o4755, 0o4775],
  ["src/", 0o755, 0o775],
  ["src/app.py", 0o644, 0o664],
  ["src/run.sh", 0o755, 0o775],
  ["src/deep/", 0o750, 0o770],
  ["src/deep/deeper/", 0o775, 0o775],
  ["src/deep/deeper/file", 0o640, 0o660],
  ["locked/", 0o700, 0o770],
  ["locked/x", 0o600, 0o660],
  ["done/", 0o770, 0o770],
  ["sticky/", 0o1755, 0o1775],
];

async function makeTree(): Promise<TestDir> {
  const dir = await testdir();
  dirs.push(dir);
  // Parents first; modes after everything exists so that locked dirs can still be filled.
  for (const [path] of TREE) {
    if (path === "/") continue;
    if (path.endsWith("/")) await mkdir(dir.join(path), { recursive: true });
    else await writeFile(dir.join(path), path);
  }
  for (const [path, before] of [...TREE].reverse()) await chmod(path === "/" ? dir.path : dir.join(path), before);
  return dir;
}

async function modeOf(path: string): Promise<number> {
  return (await lstat(path)).mode & 0o7777;
}

describe("makeGroupWritable", () => {
  it.each(TREE)("%s: %o -> %o", async (path, before, after) => {
    const dir = await makeTree();
    const target = path === "/" ? dir.path : dir.join(path);
    expect(await modeOf(target)).toBe(before);
    await makeGroupWritable(dir.path);
    expect(await modeOf(target)).toBe(after);
  });

  it("makes files g+rw and dirs g+rwx, nothing newly world-writable", async () => {
    const dir = await makeTree();
    await makeGroupWritable(dir.path);
    for (const [path, before] of TREE) {
      const info = await lstat(path === "/" ? dir.path : dir.join(path));
      const wanted = info.isDirectory() ? 0o070 : 0o060;
      expect(info.mode & wanted, path).toBe(wanted);
      expect(info.mode & 0o002, path).toBe(before & 0o002);
      // Owner and other bits are never touched.
      expect(info.mode & 0o7707, path).toBe(before & 0o7707);
    }
  });

  it("returns how many entries changed; a second run changes none", async () => {
    const dir = await makeTree();
    const expected = TREE.filter(([, before, after]) => before !== after).length;
    expect(await makeGroupWritable(dir.path)).toBe(expected);
    expect(await makeGroupWritable(dir.path)).toBe(0);
  });

  it("skips symlinks and does not follow them", async () => {
    const outside = await testdir({ "target.txt": { content: "x", mode: 0o600 }, "targetdir/": "" });
    dirs.push(outside);
    await chmod(outside.join("targetdir"), 0o700);
    const dir = await testdir({
      "app.txt": { content: "a", mode: 0o664 },
      "link-file": { symlink: outside.join("target.txt") },
      "link-dir": { symlink: outside.join("targetdir") },
      "dangling": { symlink: "does-not-exist" },
    });
    dirs.push(dir);
    await chmod(dir.path, 0o770);

    expect(await makeGroupWritable(dir.path)).toBe(0);
    expect(await modeOf(outside.join("target.txt"))).toBe(0o600);
    expect(await modeOf(outside.join("targetdir"))).toBe(0o700);
    expect(await readlink(dir.join("dangling"))).toBe("does-not-exist");
  });

  it("a symlinked root is skipped", async () => {
    const dir = await testdir({ "real/f": { content: "x", mode: 0o600 } });
    dirs.push(dir);
    await symlink(dir.join("real"), dir.join("root-link"));
    expect(await makeGroupWritable(dir.join("root-link"))).toBe(0);
    expect(await modeOf(dir.join("real", "f"))).toBe(0o600);
  });

  it.each<[string, number, number, number]>([
    ["a single file", 0o600, 0o660, 1],
    ["a file already group-writable", 0o660, 0o660, 0],
  ])("a root that is %s", async (_name, before, after, count) => {
    const dir = await testdir({ f: { content: "x", mode: before } });
    dirs.push(dir);
    expect(await makeGroupWritable(dir.join("f"))).toBe(count);
    expect(await modeOf(dir.join("f"))).toBe(after);
  });

  it("a missing root is an error", async () => {
    const dir = await testdir();
    dirs.push(dir);
    await expect(makeGroupWritable(dir.join("missing"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
