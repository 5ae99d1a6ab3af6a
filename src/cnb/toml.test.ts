import { readdir, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { testdirsRemovedAfterEach } from "../testing/testdir.ts";
import { readToml, removeStaleTempFiles, writeToml } from "./toml.ts";

const testdir = testdirsRemovedAfterEach();

describe("writeToml and removeStaleTempFiles", () => {
  it("an atomic write leaves only its target", async () => {
    const dir = await testdir();
    await writeToml(dir.join("launch.toml"), { processes: [] });
    expect(await readdir(dir.path)).toEqual(["launch.toml"]);
    expect(await readToml(dir.join("launch.toml"))).toEqual({ processes: [] });
  });

  it("removes the temp files of writes killed before their rename, and nothing else", async () => {
    const dir = await testdir({
      "launch.toml": "[[processes]]\n",
      "launch.toml.0a1b2c3d.tmp": "[[proc",
      "watchexec.toml.deadbeef.tmp": "",
      "watchexec.sbom.cdx.json.12345678.tmp": "{",
      "watchexec.toml": "",
      "notes.tmp": "the app's own? not ours: kept",
      "x.toml.1234567.tmp": "7 hex digits: not ours",
      "x.toml.ABCDEF12.tmp": "upper case: not ours",
      "watchexec/": "",
    });
    const removed = await removeStaleTempFiles(dir.path);
    expect(removed.sort()).toEqual(["launch.toml.0a1b2c3d.tmp", "watchexec.sbom.cdx.json.12345678.tmp", "watchexec.toml.deadbeef.tmp"]);
    expect((await readdir(dir.path)).sort()).toEqual(["launch.toml", "notes.tmp", "watchexec", "watchexec.toml", "x.toml.1234567.tmp", "x.toml.ABCDEF12.tmp"]);
  });

  it("a missing dir has nothing to remove", async () => {
    const dir = await testdir();
    expect(await removeStaleTempFiles(dir.join("missing"))).toEqual([]);
  });

  it("a name it writes itself is removed by the next build", async () => {
    const dir = await testdir();
    // What writeFileAtomic names its temp file, as a killed build would leave it.
    await writeFile(dir.join("launch.toml.9f8e7d6c.tmp"), "half");
    expect(await removeStaleTempFiles(dir.path)).toEqual(["launch.toml.9f8e7d6c.tmp"]);
  });
});
