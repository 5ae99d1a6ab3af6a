import { chmod, lstat, mkdir, readlink, symlink, writeFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { testdir, type TestDir } from "../testing/testdir.ts";
import { groupWritableError, makeGroupWritable, planGroupWritable } from "./permissions.ts";
import { rm } from "node:fs/promises";

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
  // setuid/setgid programs stay as they are: made group-writable, the group could replace them.
  ["setuid", 0o4755, 0o4755],
  ["setgid", 0o2755, 0o2755],
  ["setgid-dir/", 0o2755, 0o2775],
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
    for (const [path, before] of TREE.filter(([p]) => !p.startsWith("set"))) {
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

  it("applies a plan made earlier, and reports entries that vanished since instead of failing", async () => {
    const dir = await testdir({ a: { content: "a", mode: 0o600 }, b: { content: "b", mode: 0o600 } });
    dirs.push(dir);
    await chmod(dir.path, 0o770);
    const plan = await planGroupWritable(dir.path);
    expect(plan.changes.map((c) => c.path).sort()).toEqual([dir.join("a"), dir.join("b")]);
    await rm(dir.join("b"));
    const skipped: string[] = [];
    expect(await makeGroupWritable(dir.path, plan, (path, reason) => skipped.push(`${path}: ${reason}`))).toBe(1);
    expect(skipped).toEqual([`${dir.join("b")}: ENOENT`]);
    expect(await modeOf(dir.join("a"))).toBe(0o660);
  });
});

describe("planGroupWritable and groupWritableError", () => {
  it("changes nothing on disk", async () => {
    const dir = await makeTree();
    await planGroupWritable(dir.path);
    for (const [path, before] of TREE) expect(await modeOf(path === "/" ? dir.path : dir.join(path))).toBe(before);
  });

  it("lists setuid/setgid files apart, never as changes", async () => {
    const dir = await makeTree();
    const plan = await planGroupWritable(dir.path);
    expect(plan.setId.sort()).toEqual([dir.join("setgid"), dir.join("setuid")]);
    expect(plan.changes.map((c) => c.path)).not.toContain(dir.join("setuid"));
  });

  it("entries owned by another user that need a change are blocked, and the error names them with owner and mode", async () => {
    // Planned for a build user who owns none of them (the files are this test's).
    const dir = await testdir({ "ok.txt": { content: "x", mode: 0o664 }, "owned.txt": { content: "x", mode: 0o644 }, "sub/x": { content: "x", mode: 0o600 } });
    dirs.push(dir);
    await chmod(dir.path, 0o775);
    await chmod(dir.join("sub"), 0o775);
    const me = process.getuid?.() ?? 0;
    const other = me + 4242;
    const plan = await planGroupWritable(dir.path, other);
    expect(plan.changes).toEqual([]);
    expect(plan.blocked.map((b) => [b.path, b.uid, b.mode])).toEqual([
      [dir.join("owned.txt"), me, 0o644],
      [dir.join("sub", "x"), me, 0o600],
    ]);
    const error = groupWritableError(plan, other);
    expect(error?.message).toBe(
      `cannot make the app dir group-writable for sync tools: the build user (uid ${other}) may not change 2 entries of ${dir.path}: owned.txt (owner uid ${me}, mode 0644), sub/x (owner uid ${me}, mode 0600)`,
    );
    expect(error?.fix).toBe("chown them to the build user, or make them group-writable (chmod g+rw, g+rwx for dirs) before the build, or remove them from the app; nothing was written.");
  });

  it("names five entries and counts the rest", async () => {
    const tree = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}`, { content: "x", mode: 0o600 }]));
    const dir = await testdir(tree);
    dirs.push(dir);
    await chmod(dir.path, 0o770);
    const other = (process.getuid?.() ?? 0) + 1;
    const error = groupWritableError(await planGroupWritable(dir.path, other), other);
    expect(error?.message).toMatch(/may not change 8 entries of .*: (f\d \(owner uid \d+, mode 0600\), ){4}f\d \(owner uid \d+, mode 0600\) and 3 more$/);
  });

  it("root may change anything: nothing is blocked", async () => {
    const dir = await makeTree();
    expect((await planGroupWritable(dir.path, 0)).blocked).toEqual([]);
    expect(groupWritableError(await planGroupWritable(dir.path, 0), 0)).toBeUndefined();
  });
});
