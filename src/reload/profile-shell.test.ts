import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { testdirsRemovedAfterEach, type TestDir, type TreeEntry } from "../testing/testdir.ts";
import { profileShellScript } from "./profile-shell.ts";

const tempdir = testdirsRemovedAfterEach();

/** A profile script that appends its name (and where it ran) to $TRACE. */
const trace = (name: string): string => `TRACE="\${TRACE:+$TRACE }${name}"; export TRACE\n`;

/**
 * Two earlier buildpacks (a/one, b/two) with profile scripts for every type and for `web` or
 * `worker` alone, and the app's .profile. The launcher takes buildpacks in group order, their
 * layers and each layer's files by name (os.ReadDir), profile.d/* before profile.d/<type>/*.
 */
const TREE: Record<string, TreeEntry> = {
  "layers/a_one/launch.toml": "",
  "layers/a_one/l0/bin/": "",
  "layers/a_one/l1.toml": "[types]\nlaunch = true\n",
  "layers/a_one/l1/profile.d/02.sh": trace("a/l1/02"),
  "layers/a_one/l1/profile.d/01.sh": trace("a/l1/01") + 'export FROM_PROFILE="profile value"\nexport PROFILE_PWD="$PWD"\n',
  "layers/a_one/l1/profile.d/web/w.sh": trace("a/l1/web"),
  "layers/a_one/l1/profile.d/worker/w.sh": trace("a/l1/worker"),
  "layers/a_one/l2/profile.d/x.sh": trace("a/l2/x"),
  "layers/b_two/m/profile.d/b.sh": trace("b/m/b"),
  "layers/b_two/m/profile.d/web/z.sh": trace("b/m/web"),
  "layers/reloadable_watchexec/helpers/bin/": "",
  "app/.profile": trace("app/.profile") + 'export FROM_APP_PROFILE="$FROM_PROFILE, then .profile"\n',
  "app/wd/": "",
};
const IDS = ["a/one", "b/two", "reloadable/watchexec"];

async function setup(extra: Record<string, TreeEntry> = {}): Promise<{ dir: TestDir; shell: string }> {
  const dir = await tempdir({ ...TREE, ...extra });
  const script = profileShellScript({ appDir: dir.join("app"), layersRoot: dir.join("layers"), buildpackIds: IDS });
  await writeFile(dir.join("reloadable-shell"), script, { mode: 0o755 });
  return { dir, shell: dir.join("reloadable-shell") };
}

/** A clean env: only what a launched process would have besides the profile scripts. */
const ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" };

function run(program: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string; pid: number | undefined } {
  // stdin from /dev/null: bash sources ~/.bashrc when stdin is a socket (Node's pipes are), taking
  // itself for a command run by sshd.
  const result = spawnSync(program, args, { cwd, env: ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, pid: result.pid };
}

/**
 * The launcher's own way (lifecycle 0.21.17 launch/bash.go): bash sources each profile, cd's to
 * the working dir, then execs `bash -c` with the command as a script (no args) or with each of
 * command and args evaluated as one token. The reference the profile shell is compared with.
 */
function launcherArgv(profiles: string[], workingDir: string, command: string, args: string[]): string[] {
  let launcher = profiles.map((p) => `source "${p}"\n`).join("") + `cd "${workingDir}"\n`;
  if (args.length === 0) launcher += 'exec bash -c "$@"';
  else {
    const tokens = ['"$(eval echo \\"$0\\")"', ...args.map((_, i) => `"$(eval echo \\"\${${i + 1}}\\")"`)].join(" ");
    launcher += `exec bash -c '${tokens}' "\${@:1}"`;
  }
  return ["bash", "-c", launcher, "launcher", command, ...args];
}

/** The profiles the launcher finds for `type` in TREE, in its order. */
function launcherProfiles(dir: TestDir, type: "web" | "worker"): string[] {
  const a = (path: string) => dir.join("layers", path);
  return type === "web"
    ? [a("a_one/l1/profile.d/01.sh"), a("a_one/l1/profile.d/02.sh"), a("a_one/l1/profile.d/web/w.sh"), a("a_one/l2/profile.d/x.sh"), a("b_two/m/profile.d/b.sh"), a("b_two/m/profile.d/web/z.sh"), ".profile"]
    : [a("a_one/l1/profile.d/01.sh"), a("a_one/l1/profile.d/02.sh"), a("a_one/l1/profile.d/worker/w.sh"), a("a_one/l2/profile.d/x.sh"), a("b_two/m/profile.d/b.sh"), ".profile"];
}

describe("profileShellScript (run by bash)", () => {
  it.each<["web" | "worker", string]>([
    ["web", "a/l1/01 a/l1/02 a/l1/web a/l2/x b/m/b b/m/web app/.profile"],
    ["worker", "a/l1/01 a/l1/02 a/l1/worker a/l2/x b/m/b app/.profile"],
  ])("sources the profile scripts for %s in the launcher's order, then .profile", async (type, expected) => {
    const { dir, shell } = await setup();
    expect(run(shell, [type, 'echo "$TRACE"'], dir.join("app"))).toMatchObject({ status: 0, stdout: `${expected}\n` });
    // The same order as the launcher's own bash.
    expect(run("bash", launcherArgv(launcherProfiles(dir, type), dir.join("app"), 'echo "$TRACE"', []).slice(1), dir.join("app")).stdout).toBe(`${expected}\n`);
  });

  it("profile scripts run in the app dir; the command in the process's working dir", async () => {
    const { dir, shell } = await setup();
    expect(run(shell, ["web", 'echo "$PROFILE_PWD|$PWD"'], dir.join("app", "wd"))).toMatchObject({ status: 0, stdout: `${dir.join("app")}|${dir.join("app", "wd")}\n` });
  });

  it("without an app .profile or any profile script it runs the command", async () => {
    const dir = await tempdir({ "app/": "" });
    const script = profileShellScript({ appDir: dir.join("app"), layersRoot: dir.join("layers"), buildpackIds: ["x/missing"] });
    expect(run("bash", ["-c", script, "reloadable-shell", "web", "echo ok; pwd"], dir.join("app"))).toMatchObject({ status: 0, stdout: `ok\n${dir.join("app")}\n` });
  });

  // Script mode (no args): the command is a bash script. Token mode (args): the command and each
  // arg are evaluated as one word each, with $VARS, quotes and spaces as the launcher treats them.
  it.each<[string, string, string[]]>([
    ["a script with shell syntax", 'echo "$FROM_APP_PROFILE" | tr a-z A-Z && echo done', []],
    ["a script with a variable default", 'echo "${MISSING:-fallback} $FROM_PROFILE"', []],
    ["tokens: a $VAR with a space stays one word", "printf", ["[%s]", "$FROM_PROFILE", "plain"]],
    ["tokens: the command itself from a variable", "$CMD", ["x"]],
    ["tokens: spaces stay in the word", "printf", ["[%s]", "a b", "  c  "]],
    ["tokens: quotes inside words", "printf", ["[%s]", '"quoted"', "it's", 'arg with spaces" && quotes']],
    ["tokens: no glob expansion, no word splitting", "printf", ["[%s]", "*", "$FROM_APP_PROFILE"]],
    ["tokens: command substitution", "printf", ["[%s]", "$(echo sub)", "`echo tick`"]],
    ["tokens: an empty word", "printf", ["[%s]", "", "x"]],
  ])("%s: as the launcher runs it", async (_name, command, args) => {
    const { dir, shell } = await setup({ "layers/b_two/m/profile.d/cmd.sh": "export CMD=echo\n" });
    const withCmd = [dir.join("layers", "a_one/l1/profile.d/01.sh"), dir.join("layers", "b_two/m/profile.d/cmd.sh"), ".profile"];
    const reference = run("bash", launcherArgv(withCmd, dir.join("app"), command, args).slice(1), dir.join("app"));
    const ours = run(shell, ["web", command, ...args], dir.join("app"));
    expect(reference.status).toBe(0);
    expect(reference.stdout).not.toBe("");
    expect(ours).toMatchObject({ status: reference.status, stdout: reference.stdout, stderr: reference.stderr });
  });

  it.each<[string, string[], number]>([
    ["the command's exit status", ["exit 7"], 7],
    ["a token command's exit status", ["sh", "-c", "exit 5"], 5],
  ])("%s is the process's", async (_name, command, status) => {
    const { dir, shell } = await setup();
    expect(run(shell, ["web", ...command], dir.join("app")).status).toBe(status);
  });

  // bash execs the last simple command, and the profile shell execs bash: the app is the process
  // that was started, so a stop signal reaches it with no shell in between.
  it.each<[string, string[]]>([
    ["script", ["exec sh -c 'echo $$'"]],
    ["tokens", ["sh", "-c", "echo $$"]],
  ])("%s mode: the command replaces the profile shell (same pid)", async (_name, command) => {
    const { dir, shell } = await setup();
    const result = run(shell, ["web", ...command], dir.join("app"));
    expect(result.stdout).toBe(`${result.pid}\n`);
  });

  it("leaves none of its own variables to the command", async () => {
    const { dir, shell } = await setup();
    expect(run(shell, ["web", "env; set"], dir.join("app")).stdout).not.toContain("__reloadable");
    expect(run(shell, ["web", "sh", "-c", "env"], dir.join("app")).stdout).not.toContain("__reloadable");
  });

  it.each<[string, string[]]>([
    ["no arguments", []],
    ["a type only", ["web"]],
  ])("usage error with %s", async (_name, args) => {
    const { dir, shell } = await setup();
    expect(run(shell, args, dir.join("app"))).toMatchObject({ status: 2, stderr: "usage: reloadable-shell TYPE COMMAND [ARG...]\n" });
  });

  it("names paths with spaces and quotes safely", async () => {
    const dir = await tempdir({ "my app/.profile": "export P=app\n", "my 'layers'/a_b/l/profile.d/s.sh": "export S=layer\n" });
    const script = profileShellScript({ appDir: dir.join("my app"), layersRoot: dir.join("my 'layers'"), buildpackIds: ["a/b"] });
    expect(run("bash", ["-c", script, "reloadable-shell", "web", 'echo "$S $P"'], dir.join("my app"))).toMatchObject({ status: 0, stdout: "layer app\n" });
  });

  // The launcher lists profile.d with os.ReadDir, which includes names starting with a dot;
  // bash's * does not match them.
  it("sources a profile.d script whose name starts with a dot, as the launcher does", async () => {
    const { dir, shell } = await setup({ "layers/b_two/m/profile.d/.hidden.sh": "export HIDDEN=sourced\n" });
    expect(run(shell, ["web", 'echo "${HIDDEN:-skipped}"'], dir.join("app")).stdout).toBe("sourced\n");
  });
});
