import { mkdir, readFile } from "node:fs/promises";
import TOML from "@iarna/toml";
import { afterEach, describe, expect, it } from "vitest";
import { testdir, type TestDir, type TreeEntry, testdirsRemovedAfterEach } from "../testing/testdir.ts";
import { mergeProcesses, readEarlierProcesses, writeLaunchToml } from "./launch.ts";
import type { Process } from "./types.ts";

const tempdir = testdirsRemovedAfterEach();
async function tree(entries: Record<string, TreeEntry>): Promise<TestDir> {
  const dir = await tempdir(entries);
  return dir;
}

function proc(type: string, command: string[] = [type], extra: Partial<Process> = {}): Process {
  return { type, command, args: [], default: false, ...extra };
}
const dflt = (type: string, command: string[] = [type]) => proc(type, command, { default: true });

describe("mergeProcesses", () => {
  it.each<[string, Process[][], [string, string[], boolean][]]>([
    ["nothing", [], []],
    ["empty buildpacks", [[], []], []],
    ["one buildpack", [[dflt("web"), proc("worker")]], [["web", ["web"], true], ["worker", ["worker"], false]]],
    ["a later definition replaces, in the first one's place", [[proc("web", ["a"]), proc("worker")], [proc("web", ["b"])]], [["web", ["b"], false], ["worker", ["worker"], false]]],
    ["order of first appearance", [[proc("b")], [proc("a"), proc("c")], [proc("b", ["b2"])]], [["b", ["b2"], false], ["a", ["a"], false], ["c", ["c"], false]]],
    ["last default wins", [[dflt("web")], [dflt("worker")]], [["web", ["web"], false], ["worker", ["worker"], true]]],
    ["last default wins within one buildpack", [[dflt("web"), dflt("worker")]], [["web", ["web"], false], ["worker", ["worker"], true]]],
    ["a later non-default redefinition of the default type clears it", [[dflt("web", ["a"]), proc("worker")], [proc("web", ["b"])]], [["web", ["b"], false], ["worker", ["worker"], false]]],
    ["a later non-default other type keeps the default", [[dflt("web")], [proc("worker")]], [["web", ["web"], true], ["worker", ["worker"], false]]],
    ["a later default redefinition keeps it", [[dflt("web", ["a"])], [dflt("web", ["b"])]], [["web", ["b"], true]]],
    ["a redefinition after the default moved leaves the new default", [[dflt("web")], [dflt("worker")], [proc("web", ["c"])]], [["web", ["c"], false], ["worker", ["worker"], true]]],
  ])("%s", (_name, perBuildpack, expected) => {
    expect(mergeProcesses(perBuildpack).map((p) => [p.type, p.command, p.default])).toEqual(expected);
  });

  it("keeps args and working-dir and does not mutate its input", () => {
    const web = dflt("web", ["node"]);
    const input = [[{ ...web, args: ["a.js"], "working-dir": "/workspace/x" }], [dflt("worker")]];
    const merged = mergeProcesses(input);
    expect(merged[0]).toEqual({ type: "web", command: ["node"], args: ["a.js"], default: false, "working-dir": "/workspace/x" });
    expect(input[0]![0]!.default).toBe(true);
  });
});

const GROUP = `
[[group]]
  id = "a/one"
  version = "1.0.0"
  api = "0.10"

[[group]]
  id = "b/two"
  version = "2.0.0"
  api = "0.10"

[[group]]
  id = "reloadable/watchexec"
  version = "0.1.0"
  api = "0.10"

[[group]]
  id = "c/three"
  version = "3.0.0"
  api = "0.10"
`;

const A_LAUNCH = `
[[processes]]
  type = "web"
  command = ["node", "server.js"]
  args = ["--port", "8080"]
  default = true

[[processes]]
  type = "worker"
  command = ["node", "worker.js"]
  working-dir = "/workspace/jobs"
`;

const B_LAUNCH = `
[[processes]]
  type = "worker"
  command = ["node", "worker2.js"]

[[processes]]
  type = "task"
  command = "rake"
  args = ["db:migrate"]
  default = false
`;

const C_LAUNCH = `
[[processes]]
  type = "late"
  command = ["late"]
  default = true
`;

describe("readEarlierProcesses", () => {
  it("reads the launch.toml of the buildpacks before its own id, in group order", async () => {
    const dir = await tree({
      "layers/group.toml": GROUP,
      "layers/a_one/launch.toml": A_LAUNCH,
      "layers/b_two/launch.toml": B_LAUNCH,
      "layers/reloadable_watchexec/": "",
      "layers/c_three/launch.toml": C_LAUNCH,
    });
    const result = await readEarlierProcesses(dir.join("layers", "reloadable_watchexec"), "reloadable/watchexec");
    expect(result).toEqual({
      found: true,
      buildpacks: ["a/one", "b/two"],
      processes: [
        { type: "web", command: ["node", "server.js"], args: ["--port", "8080"], default: true },
        { type: "worker", command: ["node", "worker2.js"], args: [], default: false },
        { type: "task", command: ["bash", "-c", "rake db:migrate"], args: [], default: false },
      ],
    });
  });

  it.each<[string, Record<string, TreeEntry>, string[], string[]]>([
    ["a buildpack without launch.toml", { "layers/b_two/launch.toml": B_LAUNCH }, ["b/two"], ["worker", "task"]],
    ["no earlier launch.toml at all", {}, [], []],
    ["a launch.toml without processes", { "layers/a_one/launch.toml": "[[labels]]\nkey = \"k\"\nvalue = \"v\"\n" }, [], []],
    ["a malformed launch.toml is skipped", { "layers/a_one/launch.toml": "[[processes]\n", "layers/b_two/launch.toml": B_LAUNCH }, ["b/two"], ["worker", "task"]],
    ["a process without a type is skipped", { "layers/a_one/launch.toml": '[[processes]]\ncommand = ["x"]\n[[processes]]\ntype = "web"\ncommand = ["y"]\n' }, ["a/one"], ["web"]],
  ])("%s", async (_name, entries, buildpacks, types) => {
    const dir = await tree({ "layers/group.toml": GROUP, "layers/reloadable_watchexec/": "", ...entries });
    const result = await readEarlierProcesses(dir.join("layers", "reloadable_watchexec"), "reloadable/watchexec");
    expect(result.found).toBe(true);
    if (!result.found) return;
    expect(result.buildpacks).toEqual(buildpacks);
    expect(result.processes.map((p) => p.type)).toEqual(types);
  });

  it("working-dir is read", async () => {
    const dir = await tree({ "layers/group.toml": GROUP, "layers/a_one/launch.toml": A_LAUNCH });
    const result = await readEarlierProcesses(dir.join("layers", "reloadable_watchexec"), "reloadable/watchexec");
    expect(result.found && result.processes.find((p) => p.type === "worker")).toEqual({
      type: "worker",
      command: ["node", "worker.js"],
      args: [],
      default: false,
      "working-dir": "/workspace/jobs",
    });
  });

  it("reads every buildpack in the group when its own id is not in it", async () => {
    const dir = await tree({
      "layers/group.toml": GROUP,
      "layers/a_one/launch.toml": A_LAUNCH,
      "layers/c_three/launch.toml": C_LAUNCH,
    });
    const result = await readEarlierProcesses(dir.join("layers", "other_id"), "other/id");
    expect(result.found && result.buildpacks).toEqual(["a/one", "c/three"]);
  });

  it.each<[string, Record<string, TreeEntry>]>([
    ["missing group.toml", { "layers/reloadable_watchexec/": "" }],
    ["malformed group.toml", { "layers/group.toml": "[[group]\n" }],
    ["group.toml without a group", { "layers/group.toml": 'foo = "bar"\n' }],
  ])("%s -> found false, naming the path", async (_name, entries) => {
    const dir = await tree(entries);
    const result = await readEarlierProcesses(dir.join("layers", "reloadable_watchexec"), "reloadable/watchexec");
    expect(result).toEqual({ found: false, reason: `${dir.join("layers", "group.toml")} is not readable, so the processes of earlier buildpacks are unknown` });
  });

  // Regression test (the bug is fixed): under Buildpack API < 0.9 an earlier buildpack writes `command` as a
  // string and, unless `direct = true`, the lifecycle runs it through bash. readEarlierProcesses
  // ignores `direct` and turns "python app.py" into the single argv word ["python app.py"], which
  // the launcher (and the watchexec wrapper, --shell=none) would try to exec as one program name.
  it("a string command of a non-direct (API < 0.9) process is run through a shell", async () => {
    const dir = await tree({
      "layers/group.toml": '[[group]]\nid = "old/bp"\nversion = "1"\napi = "0.8"\n[[group]]\nid = "reloadable/watchexec"\nversion = "0.1.0"\n',
      "layers/old_bp/launch.toml": '[[processes]]\ntype = "web"\ncommand = "python app.py"\ndirect = false\ndefault = true\n',
    });
    const result = await readEarlierProcesses(dir.join("layers", "reloadable_watchexec"), "reloadable/watchexec");
    expect(result.found && result.processes[0]?.command).toEqual(["bash", "-c", "python app.py"]);
  });
});

describe("writeLaunchToml", () => {
  it.each<[string, Process[]]>([
    ["no processes", []],
    [
      "processes round trip",
      [
        { type: "web", command: ["watchexec", "--restart", "--", "node", "a b.js", 'q"uote'], args: ["--port", "8080"], default: true, "working-dir": "/workspace/api" },
        { type: "web-no-reload", command: ["node", "a b.js"], args: [], default: false },
      ],
    ],
  ])("%s", async (_name, processes) => {
    const dir = await tree({ "layers/reloadable_watchexec/": "" });
    const layersDir = dir.join("layers", "reloadable_watchexec");
    await writeLaunchToml(layersDir, processes);
    const parsed = TOML.parse(await readFile(dir.join("layers", "reloadable_watchexec", "launch.toml"), "utf8"));
    expect(JSON.parse(JSON.stringify(parsed))).toEqual({ processes });
  });

  it("is read back by readEarlierProcesses", async () => {
    const processes: Process[] = [
      { type: "web", command: ["node", "server.js"], args: ["x"], default: true, "working-dir": "/w" },
      { type: "worker", command: ["w"], args: [], default: false },
    ];
    const dir = await tree({ "layers/group.toml": '[[group]]\nid = "a/one"\nversion = "1"\n[[group]]\nid = "me/me"\nversion = "1"\n' });
    await mkdir(dir.join("layers", "a_one"));
    await writeLaunchToml(dir.join("layers", "a_one"), processes);
    expect(await readEarlierProcesses(dir.join("layers", "me_me"), "me/me")).toEqual({ found: true, buildpacks: ["a/one"], processes });
  });
});
