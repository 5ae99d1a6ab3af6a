// The container harness's own decisions, table-driven: how the examples' pack commands are read
// and judged, and which entries a replayed Tilt sync puts in its tar.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseTiltfile } from "../harness/tiltfile.ts";
import { parsePackCommand, shellWords, tiltArchiveEntries, unresolvableBuildpack } from "./harness/index.ts";

const scratch = mkdtempSync(join(tmpdir(), "reloadable-ct-harness-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("shellWords", () => {
  it.each([
    ["pack build app -e A=1", ["pack", "build", "app", "-e", "A=1"]],
    ["pack build 'my app' \"-e\" \"B=two words\"", ["pack", "build", "my app", "-e", "B=two words"]],
    ["pack build app \\\n  --builder b", ["pack", "build", "app", "--builder", "b"]],
    ['echo "a \\"quoted\\" word"', ["echo", 'a "quoted" word']],
  ])("%j", (text, words) => {
    expect(shellWords(text)).toEqual(words);
  });
});

describe("parsePackCommand", () => {
  it("reads the image, builder, buildpacks in order, env and path", () => {
    expect(parsePackCommand("pack build $EXPECTED_REF --builder b/x --buildpack p/one -b ../../dist/buildpack -e A=1 --env B=x=y --path target/app.jar")).toMatchObject({
      image: "$EXPECTED_REF",
      builder: "b/x",
      buildpacks: ["p/one", "../../dist/buildpack"],
      env: { A: "1", B: "x=y" },
      path: "target/app.jar",
    });
  });
  it.each([
    ["docker build .", /not a pack build command/],
    ["pack build app --publish x", /flag --publish is not one these tests understand/],
    ["pack build app -e NOVALUE", /is not NAME=VALUE/],
    ["pack build app --builder", /has no value/],
  ])("refuses %j", (text, error) => {
    expect(() => parsePackCommand(text)).toThrow(error);
  });
});

describe("unresolvableBuildpack", () => {
  mkdirSync(join(scratch, "bp"));
  writeFileSync(join(scratch, "bp", "buildpack.toml"), '[buildpack]\nid = "reloadable/watchexec"\n');
  mkdirSync(join(scratch, "empty"));
  it.each([
    ["paketo-buildpacks/nodejs", "paketobuildpacks/builder-jammy-base", undefined],
    ["reloadable/watchexec", "paketobuildpacks/builder-jammy-base", /an id that paketobuildpacks\/builder-jammy-base does not have/],
    ["paketo-buildpacks/nodejs", undefined, /no builder/],
    ["./bp", undefined, undefined],
    ["./empty", undefined, /holds no buildpack.toml/],
    ["./missing.cnb", undefined, /does not exist/],
  ])("%s with builder %s", (reference, builder, problem) => {
    const result = unresolvableBuildpack(reference, scratch, builder);
    if (problem === undefined) expect(result).toBeUndefined();
    else expect(result).toMatch(problem);
  });
});

describe("tiltArchiveEntries", () => {
  const root = join(scratch, "checkout");
  mkdirSync(join(root, "target", "classes", "com", "example"), { recursive: true });
  writeFileSync(join(root, "target", "classes", "com", "example", "A.class"), "a");
  writeFileSync(join(root, "target", "classes", "app.properties"), "p");
  writeFileSync(join(root, "message.txt"), "m");
  const tilt = (syncs: string) => parseTiltfile(`custom_build('x', 'pack build $EXPECTED_REF', deps=['.'], live_update=[${syncs} run('date > /t')])`);

  it.each([
    {
      name: "a file at the sync root: the root's directory entry, then the file",
      syncs: "sync('.', '/workspace'),",
      changed: ["message.txt"],
      entries: ["workspace", "workspace/message.txt"],
    },
    {
      name: "a nested file: every directory on the way, from the sync root",
      syncs: "sync('./target/classes', '/workspace/BOOT-INF/classes'),",
      changed: ["target/classes/com/example/A.class"],
      entries: ["workspace/BOOT-INF/classes", "workspace/BOOT-INF/classes/com", "workspace/BOOT-INF/classes/com/example", "workspace/BOOT-INF/classes/com/example/A.class"],
    },
    {
      name: "a changed directory is walked, and a path outside every sync is left out",
      syncs: "sync('./target/classes', '/workspace/BOOT-INF/classes'),",
      changed: ["target/classes/com", "message.txt"],
      entries: ["workspace/BOOT-INF/classes", "workspace/BOOT-INF/classes/com", "workspace/BOOT-INF/classes/com/example", "workspace/BOOT-INF/classes/com/example/A.class"],
    },
    {
      name: "entries named twice appear once, where they were first named (directories before what is in them)",
      syncs: "sync('.', '/workspace'),",
      changed: ["message.txt", "target/classes/app.properties"],
      entries: ["workspace", "workspace/message.txt", "workspace/target", "workspace/target/classes", "workspace/target/classes/app.properties"],
    },
  ])("$name", ({ syncs, changed, entries }) => {
    expect(tiltArchiveEntries(tilt(syncs), root, changed).map((e) => e.name)).toEqual(entries);
  });
});
