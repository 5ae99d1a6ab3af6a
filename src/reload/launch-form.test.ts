import { describe, expect, it } from "vitest";
import { launchOf } from "../cnb/launch.ts";
import type { Launch, ProcessSpec } from "../cnb/types.ts";
import { isEmptyLaunch, launchArgv, PROFILE_SHELL, quoteWord, sameLaunch, splitWords, unwrapLaunch } from "./launch-form.ts";
import type { WatchexecOption } from "./watchexec-argv.ts";

/** A process as Paketo's API 0.7 buildpacks write it: a string command, args, direct. */
const api07 = (command: string, args: string[], direct: boolean): Launch => launchOf({ type: "t", command, args, direct }, "0.7");
/** A process as an API 0.10 buildpack writes it: arrays. */
const api010 = (command: string[], args: string[] = []): Launch => launchOf({ type: "t", command, args }, "0.10");
const exec = (argv: string[], args: string[] = []): Launch => ({ kind: "exec", argv, args });
const shell = (command: string, args: string[] = []): Launch => ({ kind: "shell", command, args });
const o = (name: string, value?: string): WatchexecOption => (value === undefined ? { name } : { name, value });

const NODE_START_ARGS = ["--restart", "--watch", "/workspace", "--shell", "none", "--", "node", "server.js"];
const NPM_START_ARGS = [
  "--restart",
  "--watch",
  "/workspace",
  "--ignore",
  "/workspace/package.json",
  "--ignore",
  "/workspace/package-lock.json",
  "--ignore",
  "/workspace/node_modules",
  "--shell",
  "none",
  "--",
  "bash",
  "-c",
  "npm start",
];

describe("unwrapLaunch", () => {
  it.each<[string, Launch, Launch, WatchexecOption[]]>([
    // Paketo's wrappers, as launchOf reads their launch.toml.
    ["node-start: API 0.7 command = watchexec + args, direct", api07("watchexec", NODE_START_ARGS, true), exec(["node", "server.js"]), [o("restart"), o("watch", "/workspace"), o("shell", "none")]],
    ["node-start as a direct = false token list", api07("watchexec", NODE_START_ARGS, false), shell("node", ["server.js"]), [o("restart"), o("watch", "/workspace"), o("shell", "none")]],
    [
      "npm-start: its ignores",
      api07("watchexec", NPM_START_ARGS, true),
      exec(["bash", "-c", "npm start"]),
      [o("restart"), o("watch", "/workspace"), o("ignore", "/workspace/package.json"), o("ignore", "/workspace/package-lock.json"), o("ignore", "/workspace/node_modules"), o("shell", "none")],
    ],
    ["executable-jar: -r --shell=none", api07("watchexec", ["-r", "--shell=none", "--", "java", "app.Main"], true), exec(["java", "app.Main"]), [o("restart"), o("shell", "none")]],
    ["dist-zip: a shell script (direct = false, no args)", api07("watchexec -r /workspace/app/bin/app", [], false), shell("/workspace/app/bin/app"), [o("restart")]],
    ["dist-zip: the script in command, args empty and direct unset", launchOf({ type: "reload", command: "watchexec -r /workspace/app/bin/app" }, "0.7"), shell("/workspace/app/bin/app"), [o("restart")]],
    // API 0.10 arrays.
    ["API 0.10: all in command", api010(["watchexec", "--restart", "--shell=none", "--", "node", "server.js"]), exec(["node", "server.js"]), [o("restart"), o("shell", "none")]],
    ["API 0.10: the command's tail in args stays overridable", api010(["watchexec", "--restart", "--shell=none", "--", "node"], ["server.js", "--port", "8080"]), exec(["node"], ["server.js", "--port", "8080"]), [o("restart"), o("shell", "none")]],
    ["API 0.10: watchexec's options in args", api010(["watchexec"], ["-r", "--shell=none", "--", "node", "server.js"]), exec(["node", "server.js"]), [o("restart"), o("shell", "none")]],
    ["API 0.10: the default shell runs the words as one script", api010(["watchexec", "-r", "--", "node", "server.js"]), exec(["sh", "-c", "node server.js"]), [o("restart")]],
    ["API 0.10: --shell=bash", api010(["watchexec", "--shell=bash", "--", "node server.js --port $PORT"]), exec(["bash", "-c", "node server.js --port $PORT"]), [o("shell", "bash")]],
    ["API 0.10: a shell with options", api010(["watchexec", "--shell=bash -eu", "--", "run"]), exec(["bash", "-eu", "-c", "run"]), [o("shell", "bash -eu")]],
    // Option forms.
    ["clustered -rn", api010(["watchexec", "-rn", "node", "a.js"]), exec(["node", "a.js"]), [o("restart"), o("no-shell")]],
    ["-w/path attached", api010(["watchexec", "-n", "-w/workspace/src", "--", "node", "a.js"]), exec(["node", "a.js"]), [o("no-shell"), o("watch", "/workspace/src")]],
    ["--watch=/x", api010(["watchexec", "-n", "--watch=/x", "--", "node"]), exec(["node"]), [o("no-shell"), o("watch", "/x")]],
    ["-i and --ignore", api010(["watchexec", "-n", "-i", "*.tmp", "--ignore", "dist/**", "--", "node"]), exec(["node"]), [o("no-shell"), o("ignore", "*.tmp"), o("ignore", "dist/**")]],
    ["--poll without a value", api010(["watchexec", "-n", "--poll", "--", "node"]), exec(["node"]), [o("no-shell"), o("poll")]],
    ["--poll with a value", api010(["watchexec", "-n", "--poll", "2s", "node"]), exec(["node"]), [o("no-shell"), o("poll", "2s")]],
    ["a path to watchexec", api010(["/layers/x/bin/watchexec", "-r", "-n", "--", "python3", "app.py"]), exec(["python3", "app.py"]), [o("restart"), o("no-shell")]],
    // Nested: the outermost wrapper's settings are the ones kept.
    [
      "a wrapper inside a wrapper",
      api010(["watchexec", "-r", "--shell=none", "-i", "outer", "--", "/layers/y/bin/watchexec", "--poll=1s", "-n", "-i", "inner", "--", "node", "a.js", "--", "b"]),
      exec(["node", "a.js", "--", "b"]),
      [o("restart"), o("shell", "none"), o("ignore", "outer")],
    ],
    ["a wrapper inside a shell script wrapper", api07("watchexec -r --shell=none -- watchexec -n -- node a.js", [], false), shell("node a.js"), [o("restart"), o("shell", "none")]],
    // Shell scripts: plain words can be seen into.
    ["a shell script with quoted words, --shell=none", api07("watchexec -r --shell=none -- '/workspace/my app/run' --port 8080", [], false), shell("'/workspace/my app/run' --port 8080"), [o("restart"), o("shell", "none")]],
    ["a shell script, default shell: the words are the script", api07('watchexec -r -- echo "a b"', [], false), shell("echo a b"), [o("restart")]],
    ["a token list, default shell: the tokens are the script", api07("watchexec", ["-r", "--", "echo", "$HOME"], false), shell("echo $HOME"), [o("restart")]],
  ])("%s", (_name, launch, inner, options) => {
    const result = unwrapLaunch(launch);
    expect(result).toMatchObject({ launch: inner, wrapper: { options } });
  });

  it.each<[string, Launch]>([
    ["an exec'd program", api010(["node", "server.js"], ["--port", "8080"])],
    ["a legacy direct program", api07("node", ["server.js"], true)],
    ["a program merely named like watchexec", api010(["watchexec-wrapper", "--", "x"])],
    ["another program with watchexec as an argument", api010(["node", "--", "watchexec", "--", "x"])],
    ["a shell script", api07("node server.js", [], false)],
    ["a shell script with shell syntax", api07("node server.js --port $PORT && echo done", [], false)],
    ["a shell script whose program only starts with watchexec", api07("watchexec-x -r $A", [], false)],
    ["a token list", api07("node", ["$APP"], false)],
  ])("%s is not wrapped: unchanged", (_name, launch) => {
    expect(unwrapLaunch(launch)).toEqual({ launch, wrapper: undefined });
  });

  it.each<[string, Launch, RegExp]>([
    ["an unknown option", api07("watchexec", ["--restart", "--frobnicate", "--", "node"], true), /^unknown watchexec option "--frobnicate"$/],
    ["no command", api07("watchexec", ["--restart", "--shell", "none", "--"], true), /^watchexec runs no command$/],
    ["no command (API 0.10)", api010(["watchexec", "-r"]), /^watchexec runs no command$/],
    ["no command in a token list", api07("watchexec", ["-r"], false), /^watchexec runs no command$/],
    ["an option without its value", api010(["watchexec", "-r", "--watch"]), /^watchexec option "--watch" has no value$/],
    ["a shell script with shell syntax", api07('watchexec -r -- sh -c "$CMD"', [], false), /shell syntax this buildpack cannot take apart: watchexec -r -- sh -c "\$CMD"$/],
    ["a shell script with a pipe", api07("  /layers/x/bin/watchexec -r -- a | b", [], false), /cannot take apart/],
    ["a nested wrapper with a problem", api010(["watchexec", "-n", "--", "watchexec", "--bogus", "--", "x"]), /^unknown watchexec option "--bogus"$/],
  ])("%s -> a problem", (_name, launch, problem) => {
    const result = unwrapLaunch(launch);
    expect("problem" in result && result.problem).toMatch(problem);
  });

  // Only `--shell=none` was unwrapped twice: with watchexec's default shell the outer wrapper runs
  // `sh -c "watchexec ... -- node a.js"`, and that inner watcher must go too, or the process
  // still runs two watchers after Reloadable wraps it again.
  it.each<[string, Launch]>([
    ["exec'd, default shell outside", api010(["watchexec", "-r", "--", "watchexec", "--poll=1s", "--", "node", "a.js"])],
    ["exec'd, --shell=sh outside", api010(["watchexec", "-r", "--shell=sh", "--", "watchexec", "-n", "--", "node", "a.js"])],
  ])("a nested wrapper behind a shell is unwrapped too (%s)", (_name, launch) => {
    const result = unwrapLaunch(launch);
    if ("problem" in result) throw new Error(result.problem);
    const words = result.launch.kind === "exec" ? [...result.launch.argv, ...result.launch.args] : [result.launch.command, ...result.launch.args];
    expect(words.join(" ")).not.toMatch(/\bwatchexec\b/);
    expect(words.join(" ")).toContain("node a.js");
  });
});

describe("sameLaunch", () => {
  const spec = (launch: Launch, workingDir?: string): ProcessSpec => ({ type: "t", launch, default: false, ...(workingDir !== undefined ? { workingDir } : {}) });

  it.each<[string, ProcessSpec, ProcessSpec, boolean]>([
    ["same argv", spec(exec(["node", "a.js"])), spec(exec(["node", "a.js"])), true],
    ["the type and default do not matter", spec(exec(["node"])), { ...spec(exec(["node"])), type: "other", default: true }, true],
    ["argv differs", spec(exec(["node", "a.js"])), spec(exec(["node", "b.js"])), false],
    ["the same words split differently between argv and args", spec(exec(["node", "a.js"])), spec(exec(["node"], ["a.js"])), false],
    ["working dirs differ", spec(exec(["node"]), "/workspace/a"), spec(exec(["node"]), "/workspace/b"), false],
    ["one working dir unset", spec(exec(["node"]), "/workspace"), spec(exec(["node"])), false],
    ["same working dir", spec(exec(["node"]), "/w"), spec(exec(["node"]), "/w"), true],
    ["exec vs shell of the same text", spec(exec(["node"])), spec(shell("node")), false],
    ["same shell script", spec(shell("node a.js")), spec(shell("node a.js")), true],
    ["shell: script vs tokens", spec(shell("node a.js")), spec(shell("node", ["a.js"])), false],
  ])("%s -> %j", (_name, a, b, expected) => {
    expect(sameLaunch(a, b)).toBe(expected);
    expect(sameLaunch(b, a)).toBe(expected);
  });
});

describe("launchArgv", () => {
  it.each<[string, Launch, string, { argv: string[]; args: string[] }]>([
    ["exec: as is", exec(["node", "a.js"], ["--port", "1"]), "web", { argv: ["node", "a.js"], args: ["--port", "1"] }],
    ["shell script: through the profile shell as the type", shell("node a.js --port $PORT"), "web", { argv: [PROFILE_SHELL, "web", "node a.js --port $PORT"], args: [] }],
    ["shell tokens: each a word after the script", shell("node", ["a.js", "$PORT"]), "worker", { argv: [PROFILE_SHELL, "worker", "node", "a.js", "$PORT"], args: [] }],
  ])("%s", (_name, launch, type, expected) => {
    expect(launchArgv(launch, type)).toEqual(expected);
  });

  it("is reloadable-shell", () => {
    expect(PROFILE_SHELL).toBe("reloadable-shell");
  });
});

describe("isEmptyLaunch", () => {
  it.each<[Launch, boolean]>([
    [exec([]), true],
    [exec([], ["x"]), true],
    [exec([""]), true],
    [exec(["  "]), true],
    [exec(["node"]), false],
    [exec(["node", ""]), false],
    [shell(""), true],
    [shell(" \t"), true],
    [shell("", ["x"]), true],
    [shell("run"), false],
  ])("%j -> %j", (launch, expected) => {
    expect(isEmptyLaunch(launch)).toBe(expected);
  });
});

describe("splitWords", () => {
  it.each<[string, string[] | undefined]>([
    ["", []],
    ["  ", []],
    ["node server.js", ["node", "server.js"]],
    [" a\t b ", ["a", "b"]],
    ["'a b' c", ["a b", "c"]],
    ['"a b" c', ["a b", "c"]],
    ["a'b c'd", ["ab cd"]],
    ["''", [""]],
    [`"it's"`, ["it's"]],
    ["FOO=bar cmd", ["FOO=bar", "cmd"]],
    ["--watch=/x", ["--watch=/x"]],
    ["'$HOME'", ["$HOME"]],
    ["echo $HOME", undefined],
    ['echo "$HOME"', undefined],
    ["a | b", undefined],
    ["a && b", undefined],
    ["a; b", undefined],
    ["a > f", undefined],
    ["ls *.js", undefined],
    ["cd ~", undefined],
    ["a\\ b", undefined],
    ["a # c", undefined],
    ["(a)", undefined],
    ["a\nb", undefined],
    ["'open", undefined],
    ['"open', undefined],
  ])("%j -> %j", (command, expected) => {
    expect(splitWords(command)).toEqual(expected);
  });
});

describe("quoteWord", () => {
  it.each<[string, string]>([
    ["node", "node"],
    ["/workspace/app/bin/app", "/workspace/app/bin/app"],
    ["--watch=/x", "--watch=/x"],
    ["a@b%c+d:e,f.g/h-i_j", "a@b%c+d:e,f.g/h-i_j"],
    ["", "''"],
    ["a b", "'a b'"],
    ["$HOME", "'$HOME'"],
    ["it's", "'it'\\''s'"],
    ["**/*.log", "'**/*.log'"],
  ])("%j -> %s", (word, expected) => {
    expect(quoteWord(word)).toBe(expected);
  });

  // A word with a single quote comes out as 'it'\''s', which splitWords declines (a backslash).
  it.each(["a b", "$HOME", "", 'a"b', "*", "--x=a b"])("splitWords reads back %j", (word) => {
    expect(splitWords(`cmd ${quoteWord(word)}`)).toEqual(["cmd", word]);
  });
});
