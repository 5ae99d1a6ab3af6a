import { describe, expect, it } from "vitest";
import { isWatchexec, optionValues, parseWatchexec, type WatchexecInvocation, type WatchexecOption } from "./watchexec-argv.ts";

const W = "watchexec";

describe("isWatchexec", () => {
  it.each<[string | undefined, boolean]>([
    ["watchexec", true],
    ["/layers/paketo-buildpacks_watchexec/watchexec/bin/watchexec", true],
    ["./watchexec", true],
    [undefined, false],
    ["", false],
    ["watchexec-wrapper", false],
    ["/usr/bin/watchexec2", false],
    ["reloadable-init", false],
    ["node", false],
  ])("%j -> %j", (program, expected) => {
    expect(isWatchexec(program)).toBe(expected);
  });
});

describe("parseWatchexec: every form watchexec 2.x accepts", () => {
  const o = (name: string, value?: string): WatchexecOption => (value === undefined ? { name } : { name, value });

  it.each<[string, string[], WatchexecOption[], string[], string]>([
    // Paketo's wrappers, word for word.
    [
      "node-start (API 0.7, command + args)",
      [W, "--restart", "--watch", "/workspace", "--shell", "none", "--", "node", "server.js"],
      [o("restart"), o("watch", "/workspace"), o("shell", "none")],
      ["node", "server.js"],
      "none",
    ],
    [
      "npm-start with its ignores",
      [W, "--restart", "--watch", "/workspace", "--ignore", "/workspace/package.json", "--ignore", "/workspace/package-lock.json", "--ignore", "/workspace/node_modules", "--shell", "none", "--", "sh", "/workspace/start.sh"],
      [o("restart"), o("watch", "/workspace"), o("ignore", "/workspace/package.json"), o("ignore", "/workspace/package-lock.json"), o("ignore", "/workspace/node_modules"), o("shell", "none")],
      ["sh", "/workspace/start.sh"],
      "none",
    ],
    ["executable-jar", [W, "-r", "--shell=none", "--", "java", "app.Main"], [o("restart"), o("shell", "none")], ["java", "app.Main"], "none"],
    ["dist-zip's script words (default shell)", [W, "-r", "/workspace/app/bin/app"], [o("restart")], ["/workspace/app/bin/app"], "sh"],
    ["libreload's verbosity -vv", [W, "--restart", "--shell", "none", "-vv", "--", "go-app"], [o("restart"), o("shell", "none"), o("verbose"), o("verbose")], ["go-app"], "none"],
    // Short options.
    ["clustered -rn", [W, "-rn", "node", "a.js"], [o("restart"), o("no-shell")], ["node", "a.js"], "none"],
    ["clustered with a value last: -rw/src", [W, "-rw/src", "--", "x"], [o("restart"), o("watch", "/src")], ["x"], "sh"],
    ["attached value -w/path", [W, "-w/path", "-r", "--", "x"], [o("watch", "/path"), o("restart")], ["x"], "sh"],
    ["attached value with = -w=/path", [W, "-w=/path", "--", "x"], [o("watch", "/path")], ["x"], "sh"],
    ["separate value -w /path", [W, "-w", "/path", "x"], [o("watch", "/path")], ["x"], "sh"],
    ["-i is --ignore", [W, "-i", "*.log", "-i**/tmp/**", "--", "x"], [o("ignore", "*.log"), o("ignore", "**/tmp/**")], ["x"], "sh"],
    ["-E takes a value that looks like a command", [W, "-E", "A=b", "node"], [o("env", "A=b")], ["node"], "sh"],
    ["-1 (hidden: once)", [W, "-1", "--", "x"], [o("once")], ["x"], "sh"],
    // Long options.
    ["--watch=/x", [W, "--watch=/x", "--", "x"], [o("watch", "/x")], ["x"], "sh"],
    ["--ignore separate and --ignore=", [W, "--ignore", "a", "--ignore=b", "--", "x"], [o("ignore", "a"), o("ignore", "b")], ["x"], "sh"],
    ["--stop-signal SIGINT --stop-timeout=20s", [W, "--stop-signal", "SIGINT", "--stop-timeout=20s", "x"], [o("stop-signal", "SIGINT"), o("stop-timeout", "20s")], ["x"], "sh"],
    ["a value with = in it", [W, "--env=A=b=c", "--", "x"], [o("env", "A=b=c")], ["x"], "sh"],
    // Optional values.
    ["--poll without a value, before --", [W, "--poll", "--", "x"], [o("poll")], ["x"], "sh"],
    ["--poll without a value, before an option", [W, "--poll", "-r", "x"], [o("poll"), o("restart")], ["x"], "sh"],
    ["--poll=500ms", [W, "--poll=500ms", "--", "x"], [o("poll", "500ms")], ["x"], "sh"],
    ["--poll 500ms (the next word is no option: it is the value)", [W, "--poll", "500ms", "x"], [o("poll", "500ms")], ["x"], "sh"],
    ["--poll last before the command takes the command's first word, as clap does", [W, "--poll", "node", "a.js"], [o("poll", "node")], ["a.js"], "sh"],
    ["-c without a value", [W, "-c", "-r", "x"], [o("clear"), o("restart")], ["x"], "sh"],
    ["-c takes the rest of its cluster", [W, "-creset", "x"], [o("clear", "reset")], ["x"], "sh"],
    ["--log-file without a value", [W, "--log-file", "--", "x"], [o("log-file")], ["x"], "sh"],
    // Where the command starts, and which shell.
    ["the command at the first positional word", [W, "-r", "node", "--inspect", "-e", "x"], [o("restart")], ["node", "--inspect", "-e", "x"], "sh"],
    ["-- then a word that looks like an option", [W, "-r", "--", "--version"], [o("restart")], ["--version"], "sh"],
    ["the command keeps its own --", [W, "-r", "--", "node", "a.js", "--", "b"], [o("restart")], ["node", "a.js", "--", "b"], "sh"],
    ["a lone - is the command", [W, "-r", "-", "x"], [o("restart")], ["-", "x"], "sh"],
    ["no options", [W, "make"], [], ["make"], "sh"],
    ["a path to watchexec", ["/layers/x/bin/watchexec", "-r", "--", "python3", "app.py"], [o("restart")], ["python3", "app.py"], "sh"],
    ["--shell=bash", [W, "--shell=bash", "--", "echo $A"], [o("shell", "bash")], ["echo $A"], "bash"],
    ["a shell with options", [W, "--shell=bash -x -o pipefail", "--", "x"], [o("shell", "bash -x -o pipefail")], ["x"], "bash -x -o pipefail"],
    ["the last shell option wins: -n after --shell", [W, "--shell=bash", "-n", "x"], [o("shell", "bash"), o("no-shell")], ["x"], "none"],
    ["the last shell option wins: --shell after -n", [W, "-n", "--shell=zsh", "x"], [o("no-shell"), o("shell", "zsh")], ["x"], "zsh"],
  ])("%s", (_name, argv, options, command, shell) => {
    expect(parseWatchexec(argv)).toEqual({ watchexec: true, invocation: { options, command, shell } });
  });

  it.each<[string, string[], string]>([
    ["an unknown long option", [W, "--restart", "--frobnicate", "--", "x"], 'unknown watchexec option "--frobnicate"'],
    ["an unknown long option with a value", [W, "--frobnicate=1", "x"], 'unknown watchexec option "--frobnicate"'],
    ["an unknown short option", [W, "-rZ", "x"], 'unknown watchexec option "-Z"'],
    ["1.x's removed --no-shell", [W, "--no-shell", "x"], 'unknown watchexec option "--no-shell"'],
    ["a flag given a value", [W, "--restart=yes", "x"], 'watchexec option "--restart" takes no value'],
    ["a value option at the end", [W, "--watch"], 'watchexec option "--watch" has no value'],
    ["a short value option at the end", [W, "-r", "-w"], 'watchexec option "-w" has no value'],
    ["no command", [W, "-r"], "watchexec runs no command"],
    ["no command after --", [W, "--restart", "--"], "watchexec runs no command"],
    ["an empty command", [W, "--", ""], "watchexec runs no command"],
    ["nothing at all", [W], "watchexec runs no command"],
  ])("%s -> a problem", (_name, argv, problem) => {
    expect(parseWatchexec(argv)).toEqual({ watchexec: true, problem });
  });

  // watchexec 2.5.1 declares `alias = "force-poll"` on --poll and `alias = "colour"` on --color
  // (crates/cli/src/args/events.rs, output.rs): a wrapper written with them starts fine, so the
  // parser must read them instead of failing the build with "unknown option".
  it.each<[string, string[], string]>([
    ["--force-poll (1.x's name, still an alias)", [W, "--force-poll", "500ms", "--", "x"], "500ms"],
    ["--force-poll=1s", [W, "--force-poll=1s", "--", "x"], "1s"],
    ["--colour", [W, "--colour", "never", "--", "x"], "never"],
  ])("the alias %s is read as its option", (_name, argv, value) => {
    const parsed = parseWatchexec(argv);
    expect(parsed).toMatchObject({ watchexec: true, invocation: { command: ["x"], shell: "sh" } });
    expect("invocation" in parsed && parsed.invocation.options.map((option) => option.value)).toEqual([value]);
  });

  it.each<[string, string[]]>([
    ["another program", ["node", "--", "watchexec", "--", "x"]],
    ["a program merely named like watchexec", ["watchexec-wrapper", "--", "x"]],
    ["our own init in front", ["reloadable-init", "watchexec", "-r", "--", "x"]],
    ["nothing", []],
  ])("%s -> not watchexec", (_name, argv) => {
    expect(parseWatchexec(argv)).toEqual({ watchexec: false });
  });

  it("copies the command out of its input", () => {
    const argv = [W, "--", "node", "a.js"];
    const parsed = parseWatchexec(argv);
    if (!("invocation" in parsed)) throw new Error("expected an invocation");
    parsed.invocation.command.push("changed");
    expect(argv).toEqual([W, "--", "node", "a.js"]);
  });
});

describe("optionValues", () => {
  const invocation: WatchexecInvocation = {
    options: [{ name: "ignore", value: "a" }, { name: "watch", value: "/w" }, { name: "poll" }, { name: "ignore", value: "b" }, { name: "restart" }],
    command: ["x"],
    shell: "none",
  };
  it.each<[string, string[]]>([
    ["ignore", ["a", "b"]],
    ["watch", ["/w"]],
    ["poll", []],
    ["restart", []],
    ["ignore-file", []],
  ])("%s -> %j", (name, expected) => {
    expect(optionValues(invocation, name)).toEqual(expected);
  });

  it("reads short and long forms alike", () => {
    const parsed = parseWatchexec([W, "-i", "a", "--ignore=b", "-ic", "--ignore", "d", "--", "x"]);
    if (!("invocation" in parsed)) throw new Error("expected an invocation");
    expect(optionValues(parsed.invocation, "ignore")).toEqual(["a", "b", "c", "d"]);
  });
});
