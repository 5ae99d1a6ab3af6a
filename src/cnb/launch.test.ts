import { mkdir, readFile } from "node:fs/promises";
import TOML from "@iarna/toml";
import { afterEach, describe, expect, it } from "vitest";
import { testdir, type TestDir, type TreeEntry, testdirsRemovedAfterEach } from "../testing/testdir.ts";
import { launchOf, mergeProcesses, readEarlierBuildpacks, readEarlierProcesses, writeLaunchToml } from "./launch.ts";
import type { TomlTable } from "./toml.ts";
import type { Launch, Process, ProcessSpec } from "./types.ts";

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
        { type: "web", launch: { kind: "exec", argv: ["node", "server.js"], args: ["--port", "8080"] }, default: true, buildpackId: "a/one" },
        { type: "worker", launch: { kind: "exec", argv: ["node", "worker2.js"], args: [] }, default: false, buildpackId: "b/two" },
        { type: "task", launch: { kind: "exec", argv: ["rake"], args: ["db:migrate"] }, default: false, buildpackId: "b/two" },
      ],
      group: [
        { id: "a/one", api: "0.10", layersDir: dir.join("layers", "a_one") },
        { id: "b/two", api: "0.10", layersDir: dir.join("layers", "b_two") },
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
      launch: { kind: "exec", argv: ["node", "worker.js"], args: [] },
      default: false,
      workingDir: "/workspace/jobs",
      buildpackId: "a/one",
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

  it("reads each process with its own buildpack's API", async () => {
    const dir = await tree({
      "layers/group.toml": '[[group]]\nid = "paketo-buildpacks/node-start"\nversion = "2.6.29"\napi = "0.7"\n[[group]]\nid = "a/new"\nversion = "1"\napi = "0.10"\n[[group]]\nid = "reloadable/watchexec"\nversion = "0.1.0"\napi = "0.10"\n',
      "layers/paketo-buildpacks_node-start/launch.toml": NODE_START_LAUNCH,
      "layers/a_new/launch.toml": '[[processes]]\ntype = "worker"\ncommand = ["node", "w.js"]\nargs = ["--x"]\n',
    });
    const result = await readEarlierProcesses(dir.join("layers", "reloadable_watchexec"), "reloadable/watchexec");
    expect(result.found && result.processes.map((p) => [p.type, p.launch, p.default, p.buildpackId])).toEqual([
      ["web", { kind: "exec", argv: ["watchexec", "--restart", "--watch", "/workspace", "--shell", "none", "--", "node", "server.js"], args: [] }, true, "paketo-buildpacks/node-start"],
      ["no-reload", { kind: "exec", argv: ["node", "server.js"], args: [] }, false, "paketo-buildpacks/node-start"],
      ["worker", { kind: "exec", argv: ["node", "w.js"], args: ["--x"] }, false, "a/new"],
    ]);
    expect(result.found && result.group.map((g) => [g.id, g.api])).toEqual([
      ["paketo-buildpacks/node-start", "0.7"],
      ["a/new", "0.10"],
    ]);
  });

  // Regression test (the bug is fixed): under Buildpack API < 0.9 an earlier buildpack writes `command` as a
  // string and, unless `direct = true`, the lifecycle runs it through bash with the profile scripts.
  it("a string command of a non-direct (API < 0.9) process is a shell process", async () => {
    const dir = await tree({
      "layers/group.toml": '[[group]]\nid = "old/bp"\nversion = "1"\napi = "0.8"\n[[group]]\nid = "reloadable/watchexec"\nversion = "0.1.0"\n',
      "layers/old_bp/launch.toml": '[[processes]]\ntype = "web"\ncommand = "python app.py"\ndirect = false\ndefault = true\n',
    });
    const result = await readEarlierProcesses(dir.join("layers", "reloadable_watchexec"), "reloadable/watchexec");
    expect(result.found && result.processes[0]?.launch).toEqual({ kind: "shell", command: "python app.py", args: [] });
  });
});

/** Paketo node-start 2.6.29's launch.toml with BP_LIVE_RELOAD_ENABLED (Buildpack API 0.7). */
const NODE_START_LAUNCH = `
[[processes]]
  type = "web"
  command = "watchexec"
  args = ["--restart", "--watch", "/workspace", "--shell", "none", "--", "node", "server.js"]
  direct = true
  default = true

[[processes]]
  type = "no-reload"
  command = "node"
  args = ["server.js"]
  direct = true
  default = false
`;

describe("launchOf", () => {
  const exec = (argv: string[], args: string[] = []): Launch => ({ kind: "exec", argv, args });
  const shell = (command: string, args: string[] = []): Launch => ({ kind: "shell", command, args });

  it.each<[string, TomlTable, string, Launch]>([
    ["API 0.10: arrays, args overridable", { command: ["node", "server.js"], args: ["--port", "8080"] }, "0.10", exec(["node", "server.js"], ["--port", "8080"])],
    ["API 0.10: no args", { command: ["node"] }, "0.10", exec(["node"])],
    ["API 0.9: arrays", { command: ["node"], args: ["a.js"] }, "0.9", exec(["node"], ["a.js"])],
    ["API 0.10: direct = false means nothing", { command: ["node"], direct: false }, "0.10", exec(["node"])],
    ["API 1.0 is no legacy API", { command: ["node"], args: ["a"] }, "1.0", exec(["node"], ["a"])],
    ["API 0.10: a string command is one word", { command: "node" }, "0.10", exec(["node"])],
    ["API 0.10: no command", { args: ["x"] }, "0.10", exec([], ["x"])],
    ["API 0.7, direct: the command and its args exec'd, user args appended", { command: "watchexec", args: ["-r", "--shell=none", "--", "java", "app.Main"], direct: true }, "0.7", exec(["watchexec", "-r", "--shell=none", "--", "java", "app.Main"])],
    ["API 0.7, direct, no args", { command: "node", direct: true }, "0.7", exec(["node"])],
    ["API 0.7, direct = false, no args: a script", { command: "watchexec -r /workspace/app/bin/app", direct: false }, "0.7", shell("watchexec -r /workspace/app/bin/app")],
    ["API 0.7, direct unset is direct = false", { command: "node server.js --port $PORT" }, "0.7", shell("node server.js --port $PORT")],
    ["API 0.7, direct = false with args: tokens", { command: "node", args: ["server.js", "$PORT"], direct: false }, "0.7", shell("node", ["server.js", "$PORT"])],
    ["API 0.8 is legacy too", { command: "python app.py" }, "0.8", shell("python app.py")],
    ["API 0.7: an array command is joined for bash", { command: ["node", "a.js"], direct: false }, "0.7", shell("node a.js")],
    ["API 0.7: no command", { direct: false }, "0.7", shell("")],
    ["non-string args are strings", { command: ["node"], args: [8080, true] }, "0.10", exec(["node"], ["8080", "true"])],
  ])("%s", (_name, table, api, expected) => {
    expect(launchOf({ type: "t", ...table }, api)).toEqual(expected);
  });
});

describe("readEarlierBuildpacks", () => {
  it.each<[string, string, string, [string, string][]]>([
    ["the buildpacks before its own id, with their APIs", '[[group]]\nid = "a/one"\nversion = "1"\napi = "0.7"\n[[group]]\nid = "me/me"\nversion = "1"\napi = "0.10"\n[[group]]\nid = "c/late"\nversion = "1"\napi = "0.8"\n', "me/me", [["a/one", "0.7"]]],
    ["every buildpack when its own id is not in it", '[[group]]\nid = "a/one"\nversion = "1"\napi = "0.7"\n[[group]]\nid = "c/late"\nversion = "1"\napi = "0.8"\n', "me/me", [["a/one", "0.7"], ["c/late", "0.8"]]],
    ["an API not given is 0.10", '[[group]]\nid = "a/one"\nversion = "1"\n[[group]]\nid = "me/me"\nversion = "1"\n', "me/me", [["a/one", "0.10"]]],
    ["it is first", '[[group]]\nid = "me/me"\nversion = "1"\n[[group]]\nid = "a/one"\nversion = "1"\n', "me/me", []],
  ])("%s", async (_name, group, ownId, expected) => {
    const dir = await tree({ "layers/group.toml": group });
    const result = await readEarlierBuildpacks(dir.join("layers", "me_me"), ownId);
    expect(result).toEqual(expected.map(([id, api]) => ({ id, api, layersDir: dir.join("layers", id.replaceAll("/", "_")) })));
  });

  it("no group.toml -> a reason naming the path", async () => {
    const dir = await tree({ "layers/me_me/": "" });
    expect(await readEarlierBuildpacks(dir.join("layers", "me_me"), "me/me")).toEqual({ reason: `${dir.join("layers", "group.toml")} is not readable, so the processes of earlier buildpacks are unknown` });
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
    expect(await readEarlierProcesses(dir.join("layers", "me_me"), "me/me")).toEqual({
      found: true,
      buildpacks: ["a/one"],
      processes: processes.map((p): ProcessSpec => ({
        type: p.type,
        launch: { kind: "exec", argv: p.command, args: p.args },
        default: p.default,
        ...(p["working-dir"] !== undefined ? { workingDir: p["working-dir"] } : {}),
        buildpackId: "a/one",
      })),
      group: [{ id: "a/one", api: "0.10", layersDir: dir.join("layers", "a_one") }],
    });
  });
});
