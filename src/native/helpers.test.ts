/**
 * The static helper of src/native/ (reloadable-init, -exec, -settle, -tar, -trigger, -tool),
 * compiled here with gcc (not the packaged build) and run through its names, as the image runs
 * it. Cases that need another user (the run user writing into the build user's app dir, files
 * that `docker cp` made root's) need root to set up files owned by two other users: they run when
 * the tests run as root, as they do in CI, and are skipped otherwise.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, readlink, realpath, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testdirsRemovedAfterEach, writeTree, type TreeEntry } from "../testing/testdir.ts";

const SOURCES = fileURLToPath(new URL(".", import.meta.url));
const IS_ROOT = process.getuid?.() === 0;
/** The run user of Paketo's stacks (cnb, 1002) and the build user (1001), sharing group 1000. */
const RUN_USER = { uid: 1002, gid: 1000 };
const BUILD_USER = { uid: 1001, gid: 1000 };

let binDir = "";
const helper = (name: string): string => join(binDir, name);

/**
 * A stand-in for Reloadable's busybox (the real one is a build dependency, not here): like it, a
 * static program that acts by the name it was run as; it prints that name and its arguments.
 */
const BUSYBOX_STAND_IN = `#include <stdio.h>
int main(int argc, char **argv) {
  printf("busybox applet %s:", argv[0]);
  for (int i = 1; i < argc; i++) printf(" %s", argv[i]);
  putchar('\\n');
  return 0;
}
`;
const busybox = (): string => join(binDir, "busybox");

function compile(out: string, sources: string[], input?: string): void {
  const gcc = spawnSync("gcc", ["-static", "-Os", "-Wall", "-Wextra", "-Werror", "-o", out, ...sources], { encoding: "utf8", ...(input !== undefined ? { input } : {}) });
  if (gcc.status !== 0) throw new Error(`gcc failed (${gcc.status}): ${gcc.stderr}${gcc.error?.message ?? ""}`);
}

beforeAll(async () => {
  binDir = await mkdtemp(join(tmpdir(), "reloadable-native-"));
  await chmod(binDir, 0o755); // the run user runs it too
  const sources = (await readdir(SOURCES)).filter((f) => f.endsWith(".c")).map((f) => join(SOURCES, f));
  compile(join(binDir, "reloadable-helper"), sources);
  compile(busybox(), ["-x", "c", "-"], BUSYBOX_STAND_IN);
  for (const name of ["reloadable-init", "reloadable-exec", "reloadable-settle", "reloadable-tar", "reloadable-trigger", "reloadable-tool", "some-tool"]) {
    await symlink("reloadable-helper", join(binDir, name));
  }
}, 120_000);

afterAll(async () => {
  if (binDir !== "") await rm(binDir, { recursive: true, force: true });
});

const made = testdirsRemovedAfterEach();

/** A temp dir that other users can enter (mkdtemp makes it 0700). */
async function tempdir(tree: Record<string, TreeEntry> = {}): Promise<string> {
  const dir = await made(tree);
  await chmod(dir.path, 0o755);
  return realpath(dir.path);
}

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The same, as bytes (an archive tar wrote). */
  stdoutBytes: Buffer;
  stderr: string;
  /** From the start to the exit. */
  ms: number;
}

interface RunOptions {
  cwd?: string;
  /** Added to a bare environment (PATH only): nothing of the test runner's leaks in. */
  env?: Record<string, string>;
  /** Run as this user instead of the current one (needs root). */
  as?: { uid: number; gid: number };
  input?: string | Buffer;
}

interface Running {
  pid: number;
  /** Resolves once `text` has appeared on stdout. */
  printed(text: string): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  done: Promise<Result>;
}

function start(program: string, args: readonly string[], options: RunOptions = {}): Running {
  const started = performance.now();
  const child = spawn(program, args, {
    cwd: options.cwd ?? tmpdir(),
    env: { PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin", ...options.env },
    ...(options.as !== undefined ? { uid: options.as.uid, gid: options.as.gid } : {}),
    stdio: ["pipe", "pipe", "pipe"],
  });
  const chunks: Buffer[] = [];
  let stdout = "";
  let stderr = "";
  const waiting: { text: string; resolve: () => void }[] = [];
  child.stdout.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    stdout = Buffer.concat(chunks).toString("utf8");
    for (const w of waiting.filter((w) => stdout.includes(w.text))) w.resolve();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  child.stdin.on("error", () => {}); // a program that exits before reading all its input
  child.stdin.end(options.input ?? "");
  const done = new Promise<Result>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stdoutBytes: Buffer.concat(chunks), stderr, ms: performance.now() - started }));
  });
  return {
    pid: child.pid ?? -1,
    printed: (text) => (stdout.includes(text) ? Promise.resolve() : new Promise((resolve) => waiting.push({ text, resolve }))),
    kill: (signal) => child.kill(signal),
    done,
  };
}

/** A PATH without dirs the current user cannot search (execvp reports EACCES for those). */
const SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin";

const run = (program: string, args: readonly string[], options: RunOptions = {}): Promise<Result> => start(program, args, options).done;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value (not undefined), for at most `ms`. */
async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, ms = 5000): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`not within ${ms} ms`);
    await sleep(10);
  }
}

const owner = async (path: string) => {
  const info = await lstat(path);
  return { uid: info.uid, gid: info.gid };
};

describe("the helper's name", () => {
  it.each([["reloadable-helper"], ["some-tool"]])("run as %s: exit 2 with the list of names", async (name) => {
    const result = await run(helper(name), ["x"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^reloadable-helper: run it through a link named reloadable-init, -exec, -settle, -tar,? .*-trigger\b.*, not as /);
    expect(result.stderr).toMatch(new RegExp(`not as ${name}\n$`));
  });
});

describe("reloadable-settle QUIET_MS PROGRAM", () => {
  /** Its state file: watchexec's changes since the app last started, named by the parent pid. */
  const stateFile = (tmp: string, parentPid: number, uid = process.getuid?.() ?? 0) => join(tmp, `reloadable-settle-${parentPid}-${uid}.events`);

  it.each<[string, string | undefined]>([
    ["no $WATCHEXEC_EVENTS_FILE (the first start)", undefined],
    ["an empty events file (a start no file change caused)", ""],
  ])("%s: execs the program at once and removes a stale state file", async (_name, events) => {
    const dir = await tempdir({ "tmp/": "", ...(events !== undefined ? { events } : {}) });
    const tmp = join(dir, "tmp");
    const stale = stateFile(tmp, process.pid);
    await writeFile(stale, "modify:/old/change\n");
    const env: Record<string, string> = { TMPDIR: tmp, ...(events !== undefined ? { WATCHEXEC_EVENTS_FILE: join(dir, "events") } : {}) };
    const running = start(helper("reloadable-settle"), ["10000", "sh", "-c", 'echo "app $$"'], { env, cwd: dir });
    const result = await running.done;
    expect(result).toMatchObject({ code: 0, stdout: `app ${running.pid}\n`, stderr: "" }); // exec'd: the same pid
    expect(result.ms).toBeLessThan(5000); // the quiet period is 10 s
    expect(existsSync(stale)).toBe(false);
  });

  // `{cwd}` in the expected line stands for the working dir.
  it.each<[string, (cwd: string) => string, string]>([
    ["one change", (cwd) => `modify:${cwd}/server.js\n`, "1 change: server.js"],
    ["each path once, sorted, whatever the kinds", (cwd) => `modify:${cwd}/b.js\ncreate:${cwd}/a.js\nmodify:${cwd}/b.js\nremove:${cwd}/a.js\n`, "2 changes: a.js, b.js"],
    ["paths below the working dir, relative to it", (cwd) => `create:${cwd}/src/lib/x.ts\nrename:${cwd}/src/y.ts\n`, "2 changes: src/lib/x.ts, src/y.ts"],
    ["paths outside it, absolute (a sibling with the same prefix too)", (cwd) => `modify:${cwd}-other/x\nother:/etc/hosts\n`, "2 changes: /etc/hosts, {cwd}-other/x"],
    ["more than three: the first three and a count", (cwd) => ["e", "d", "c", "b", "a"].map((n) => `modify:${cwd}/${n}\n`).join(""), "5 changes: a, b, c, +2 more"],
    ["no newline at the end", (cwd) => `modify:${cwd}/a`, "1 change: a"],
  ])(
    "with events (%s): waits the quiet period, prints one line, execs the program",
    async (_name, events, line) => {
      const dir = await tempdir({ "app/": "", "tmp/": "" });
      const cwd = join(dir, "app");
      await writeFile(join(dir, "events"), events(cwd));
      const running = start(helper("reloadable-settle"), ["300", "sh", "-c", 'echo "app $$"'], { env: { TMPDIR: join(dir, "tmp"), WATCHEXEC_EVENTS_FILE: join(dir, "events") }, cwd });
      const result = await running.done;
      expect(result).toMatchObject({ code: 0, stdout: `app ${running.pid}\n`, stderr: `[reloadable] restart: ${line.replaceAll("{cwd}", cwd)}\n` });
      expect(result.ms).toBeGreaterThanOrEqual(300);
      expect(await readdir(join(dir, "tmp"))).toEqual([]); // the state file is gone once the app starts
    },
  );

  it.each<[string, boolean, string]>([
    ["the agent left its marker: at once, no line, the marker removed", true, ""],
    ["no marker (the JVM ended on its own, then a sync): the quiet period and the line", false, "[reloadable] restart: 1 change: A.class\n"],
  ])("JVM hot swap, $RELOADABLE_HOTSWAP_MARKER set: %s", async (_name, marked, stderr) => {
    const dir = await tempdir({ "tmp/": "", "state/": "", events: "modify:{cwd}/A.class\n" });
    await writeFile(join(dir, "events"), `modify:${dir}/A.class\n`);
    const marker = join(dir, "state", "restart-asked");
    if (marked) await writeFile(marker, "4242 com.example.A added a field\n");
    const result = await run(helper("reloadable-settle"), ["2000", "echo", "app"], {
      env: { TMPDIR: join(dir, "tmp"), WATCHEXEC_EVENTS_FILE: join(dir, "events"), RELOADABLE_HOTSWAP_MARKER: marker },
      cwd: dir,
    });
    expect(result).toMatchObject({ code: 0, stdout: "app\n", stderr });
    if (marked) expect(result.ms).toBeLessThan(1500);
    else expect(result.ms).toBeGreaterThanOrEqual(2000);
    expect(existsSync(marker)).toBe(false);
  });

  it.each([["0"], ["60000"]])("QUIET_MS %s is within bounds: without events, the program runs at once", async (quiet) => {
    const dir = await tempdir({ "tmp/": "" });
    const result = await run(helper("reloadable-settle"), [quiet, "echo", "app"], { env: { TMPDIR: join(dir, "tmp") } });
    expect(result).toMatchObject({ code: 0, stdout: "app\n", stderr: "" });
    expect(result.ms).toBeLessThan(5000);
  });

  it("QUIET_MS 0: no wait, still one line", async () => {
    const dir = await tempdir({ "tmp/": "", events: "modify:/srv/a\n" });
    const result = await run(helper("reloadable-settle"), ["0", "echo", "app"], { env: { TMPDIR: join(dir, "tmp"), WATCHEXEC_EVENTS_FILE: join(dir, "events") }, cwd: dir });
    expect(result).toMatchObject({ code: 0, stdout: "app\n", stderr: "[reloadable] restart: 1 change: /srv/a\n" });
  });

  it("the changes of earlier runs killed during their quiet period are named by the next one", async () => {
    const dir = await tempdir({ "app/": "", "tmp/": "" });
    const cwd = join(dir, "app");
    await writeFile(join(dir, "events-1"), `create:${cwd}/a\nmodify:${cwd}/b\n`);
    await writeFile(join(dir, "events-2"), `modify:${cwd}/b\ncreate:${cwd}/c\n`);
    // As watchexec does: one parent restarts the helper; the first run is killed while it waits.
    const script = [
      'WATCHEXEC_EVENTS_FILE="$DIR/events-1" "$SETTLE" 30000 echo first &',
      'state="$TMPDIR/reloadable-settle-$$-$(id -u).events"',
      'i=0; while [ ! -s "$state" ] && [ $i -lt 250 ]; do sleep 0.02; i=$((i + 1)); done',
      'kill -TERM $!; wait $!; echo "first: $?"',
      'WATCHEXEC_EVENTS_FILE="$DIR/events-2" "$SETTLE" 100 echo second',
      'echo "second: $?"',
    ].join("\n");
    const result = await run("sh", ["-c", script], { env: { DIR: dir, SETTLE: helper("reloadable-settle"), TMPDIR: join(dir, "tmp") }, cwd });
    expect(result.stdout).toBe("first: 143\nsecond\nsecond: 0\n");
    // (sh itself reports the killed job on stderr.)
    expect(result.stderr.split("\n").filter((line) => line.includes("[reloadable]"))).toEqual(["[reloadable] restart: 3 changes: a, b, c"]);
    expect(await readdir(join(dir, "tmp"))).toEqual([]);
  });

  it.each<[string, string[]]>([
    ["not a number", ["abc", "echo", "ran"]],
    ["a unit", ["10ms", "echo", "ran"]],
    ["a fraction", ["1.5", "echo", "ran"]],
    ["empty", ["", "echo", "ran"]],
    ["negative", ["-1", "echo", "ran"]],
    ["over a minute", ["60001", "echo", "ran"]],
    ["no program", ["100"]],
    ["nothing", []],
  ])("bad arguments (%s): exit 2 with the usage, nothing run", async (_name, args) => {
    const result = await run(helper("reloadable-settle"), args);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toMatch(/^usage: reloadable-settle QUIET_MS PROGRAM \[ARG\.\.\.\] \(QUIET_MS 0 to 60000\)\n$/);
  });

  it("a program that does not exist: 127 naming it", async () => {
    const result = await run(helper("reloadable-settle"), ["0", "no-such-program-here"], { env: { PATH: SYSTEM_PATH } });
    expect(result.code).toBe(127);
    expect(result.stderr).toBe("reloadable-settle: cannot execute no-such-program-here: No such file or directory\n");
  });

  it("dies at once on SIGTERM while it waits, without starting the program", async () => {
    const dir = await tempdir({ "tmp/": "", events: "modify:/srv/a\n" });
    const tmp = join(dir, "tmp");
    const running = start(helper("reloadable-settle"), ["30000", "echo", "app"], { env: { TMPDIR: tmp, WATCHEXEC_EVENTS_FILE: join(dir, "events") }, cwd: dir });
    await eventually(() => (existsSync(stateFile(tmp, process.pid)) ? true : undefined)); // it is waiting
    const killed = performance.now();
    running.kill("SIGTERM");
    const result = await running.done;
    expect(result).toMatchObject({ code: null, signal: "SIGTERM", stdout: "", stderr: "" });
    expect(performance.now() - killed).toBeLessThan(5000); // not the 30 s quiet period
  });

  it.runIf(IS_ROOT)("run as the run user with events: replaces what docker cp made root's in the app dir first", async () => {
    const dir = await tempdir({ "tmp/": "", "app/lib/x.js": "x", events: "modify:/srv/a\n" });
    await chmod(join(dir, "tmp"), 0o1777);
    await chown(join(dir, "app"), BUILD_USER.uid, BUILD_USER.gid);
    await chmod(join(dir, "app"), 0o775);
    const result = await run(helper("reloadable-settle"), ["0", "true"], {
      as: RUN_USER,
      env: { TMPDIR: join(dir, "tmp"), WATCHEXEC_EVENTS_FILE: join(dir, "events"), CNB_APP_DIR: join(dir, "app") },
      cwd: join(dir, "app"),
    });
    expect(result.code).toBe(0);
    expect(await owner(join(dir, "app", "lib"))).toEqual(RUN_USER);
    expect(await readFile(join(dir, "app", "lib", "x.js"), "utf8")).toBe("x");
  });
});

describe.runIf(IS_ROOT)("reloadable-tar, run as the run user into the build user's app dir", () => {
  /**
   * The image's app dir as the build leaves it: /workspace of the build user (1001), group-
   * writable, in a root that nobody but root may write. `workspace` holds `tree`, made by root
   * (as docker cp makes what it copies).
   */
  async function appDir(tree: Record<string, TreeEntry> = {}): Promise<{ root: string; workspace: string }> {
    const root = await tempdir({ "workspace/": "" });
    const workspace = join(root, "workspace");
    await chown(workspace, BUILD_USER.uid, BUILD_USER.gid);
    await chmod(workspace, 0o775);
    await writeTree(workspace, tree);
    return { root, workspace };
  }

  /** Makes `path` and all below it the build user's and group-writable, as the build leaves the app dir. */
  const builtByTheBuild = (path: string) => {
    for (const command of [["chown", "-R", `${BUILD_USER.uid}:${BUILD_USER.gid}`, path], ["chmod", "-R", "g+w", path]]) {
      expect(spawnSync(command[0]!, command.slice(1)).status).toBe(0);
    }
  };

  /** A tar archive of `tree` as the sync tools send it: entries for its dirs, then files. */
  async function archive(tree: Record<string, TreeEntry>, top: string[], prepare?: (stage: string) => Promise<void>): Promise<Buffer> {
    const stage = await tempdir(tree);
    await prepare?.(stage);
    const tar = spawnSync("tar", ["-C", stage, "-c", "-f", "-", ...top]);
    if (tar.status !== 0) throw new Error(`tar -c failed: ${tar.stderr.toString()}`);
    return tar.stdout;
  }

  /** What Tilt's live update runs: `tar -C / -x -f -`, the app dir being /workspace. */
  const TILT = (root: string) => ["-C", root, "-x", "-f", "-"];
  const extract = (root: string, workspace: string, input: Buffer | string, args = TILT(root)) =>
    run(helper("reloadable-tar"), args, { as: RUN_USER, env: { CNB_APP_DIR: workspace }, input, cwd: root });

  const TILT_UPDATE = { "workspace/server.js": "v2", "workspace/src/lib/util.js": "u" };

  it.each<[string, (root: string) => string[]]>([
    ["Tilt: tar -C / -x -f -", TILT],
    ["kubectl cp: tar -xmf - -C /", (root) => ["-xmf", "-", "-C", root]],
    ["kubectl cp --no-preserve", (root) => ["--no-same-permissions", "--no-same-owner", "-xmf", "-", "-C", root]],
    ["long options", (root) => ["--extract", "--file=-", `--directory=${root}`]],
    ["in the working dir", () => ["-x", "-f", "-"]],
  ])("an archive of workspace/ and its files (%s): exit 0, the files written", async (_name, args) => {
    const built = async () => {
      const dirs = await appDir({ "server.js": "v1", "src/": "" });
      await chown(join(dirs.workspace, "server.js"), RUN_USER.uid, RUN_USER.gid);
      builtByTheBuild(join(dirs.workspace, "src"));
      return dirs;
    };
    const update = await archive(TILT_UPDATE, ["workspace"]);
    // What the helper is for: GNU tar itself fails there, on the mode (and times) of workspace/.
    const other = await built();
    const plain = await run("tar", args(other.root), { as: RUN_USER, input: update, cwd: other.root });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/workspace: Cannot (utime|change mode)/);

    const { root, workspace } = await built();
    const result = await extract(root, workspace, update, args(root));
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(await readFile(join(workspace, "server.js"), "utf8")).toBe("v2");
    expect(await readFile(join(workspace, "src", "lib", "util.js"), "utf8")).toBe("u");
    expect(await owner(join(workspace, "src", "lib", "util.js"))).toEqual(RUN_USER);
    expect(await owner(workspace)).toEqual(BUILD_USER);
    expect(await owner(join(workspace, "src"))).toEqual(BUILD_USER);
  });

  it("creating an archive (kubectl cp from the container): tar's output passes through unchanged", async () => {
    const { root, workspace } = await appDir({ "a.txt": "a", "src/b.txt": "b" });
    builtByTheBuild(workspace);
    const created = await run(helper("reloadable-tar"), ["-c", "-f", "-", "-C", workspace, "a.txt", "src"], { as: RUN_USER, env: { CNB_APP_DIR: workspace }, cwd: root });
    expect(created).toMatchObject({ code: 0, stderr: "" });
    const listed = spawnSync("tar", ["-t", "-f", "-"], { input: created.stdoutBytes, encoding: "utf8" });
    expect(listed.stdout.split("\n").filter(Boolean).sort()).toEqual(["a.txt", "src/", "src/b.txt"]);
  });

  it.each<[string, string]>([
    ["text", "this is not a tar archive\n"],
    ["binary noise", Buffer.alloc(3000, 0x5a).toString("latin1")],
  ])("a garbage stream (%s): exit 2, tar's messages kept", async (_name, input) => {
    const { root, workspace } = await appDir();
    const result = await extract(root, workspace, Buffer.from(input, "latin1"));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("tar: This does not look like a tar archive\n");
    expect(result.stderr).toMatch(/tar: Exiting with failure status due to previous errors\n$/);
  });

  it("an error that is not about a directory's mode or times (a file in a dir it cannot write): exit 2 and its message", async () => {
    const { root, workspace } = await appDir();
    await mkdir(join(root, "elsewhere")); // root's 0755, outside the app dir: nothing repairs it
    const result = await extract(root, workspace, await archive({ "elsewhere/x.txt": "x", ...TILT_UPDATE }, ["elsewhere", "workspace"]));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("tar: elsewhere/x.txt: Cannot open: Permission denied\n");
    expect(result.stderr).toMatch(/tar: Exiting with failure status due to previous errors\n$/);
    // The dropped errors stay dropped; the rest of the archive was written.
    expect(result.stderr).not.toMatch(/Cannot (utime|change mode)/);
    expect(await readFile(join(workspace, "server.js"), "utf8")).toBe("v2");
  });

  // The host's clock ahead of the container's (a VM, a remote cluster): GNU tar warns for each
  // file and exits 0 when it can write them. The warning is no error, and must not turn the
  // dropped directory errors' exit 2 into a failed sync.
  it("a file with a time stamp in the future (clock skew): the warning is kept, exit 0", async () => {
    const { root, workspace } = await appDir();
    const inAnHour = new Date(Date.now() + 3_600_000);
    const update = await archive(TILT_UPDATE, ["workspace"], (stage) => utimes(join(stage, "workspace", "server.js"), inAnHour, inAnHour));
    const result = await extract(root, workspace, update);
    expect(result.stderr).toMatch(/^tar: workspace\/server\.js: time stamp .* in the future\n/);
    expect(result.code).toBe(0);
    expect(await readFile(join(workspace, "server.js"), "utf8")).toBe("v2");
  });

  it("what docker cp made root's is replaced by a copy the run user owns, and the extraction into it succeeds", async () => {
    const { root, workspace } = await appDir({
      "static/index.html": "<html>",
      "static/css/site.css": "body{}",
      "static/latest": { symlink: "index.html" },
      "empty/": "",
      "config.json": "{}",
    });
    for (const path of ["static", "static/css", "empty"]) await chmod(join(workspace, path), 0o755);
    for (const path of ["static/index.html", "static/css/site.css", "config.json"]) await chmod(join(workspace, path), 0o644);
    expect(await owner(join(workspace, "static"))).toEqual({ uid: 0, gid: 0 });

    const result = await extract(root, workspace, await archive({ "workspace/static/new.txt": "n" }, ["workspace"]));
    expect(result.code).toBe(0);
    const husk = join(workspace, ".reloadable-replaced-static-1");
    expect(result.stderr).toContain(`${join(workspace, "static")} belonged to uid 0`);
    expect(result.stderr).toContain(husk);

    // The copy: the run user's, everything kept (nested dirs, files, symlinks), and the new file.
    for (const path of ["static", "static/css", "static/css/site.css", "static/index.html", "static/latest", "static/new.txt", "empty", "config.json"]) {
      expect([path, await owner(join(workspace, path))]).toEqual([path, RUN_USER]);
    }
    expect(await readFile(join(workspace, "static", "css", "site.css"), "utf8")).toBe("body{}");
    expect(await readlink(join(workspace, "static", "latest"))).toBe("index.html");
    expect(await readFile(join(workspace, "static", "latest"), "utf8")).toBe("<html>");
    expect(await readFile(join(workspace, "static", "new.txt"), "utf8")).toBe("n");
    expect(await readFile(join(workspace, "config.json"), "utf8")).toBe("{}");
    // The original, root's, beside it; an empty one is gone.
    expect(await owner(husk)).toEqual({ uid: 0, gid: 0 });
    expect(await readFile(join(husk, "css", "site.css"), "utf8")).toBe("body{}");
    expect((await readdir(workspace)).sort()).toEqual([".reloadable-replaced-static-1", "config.json", "empty", "static"]);

    // The next sync into the copy succeeds and changes nothing else.
    const next = await extract(root, workspace, await archive({ "workspace/static/css/site.css": "body{color:red}" }, ["workspace"]));
    expect(next).toMatchObject({ code: 0, stderr: "" });
    expect(await readFile(join(workspace, "static", "css", "site.css"), "utf8")).toBe("body{color:red}");
    expect((await readdir(workspace)).sort()).toEqual([".reloadable-replaced-static-1", "config.json", "empty", "static"]);
  });
});

describe.runIf(IS_ROOT)("reloadable-tar: a second docker cp over a replaced dir", () => {
  it("the next original is kept as .reloadable-replaced-<name>-2", async () => {
    const root = await tempdir({ "workspace/static/a.txt": "1" });
    const workspace = join(root, "workspace");
    await chown(workspace, BUILD_USER.uid, BUILD_USER.gid);
    await chmod(workspace, 0o775);
    const tar = (input: Buffer) => run(helper("reloadable-tar"), ["-C", root, "-x", "-f", "-"], { as: RUN_USER, env: { CNB_APP_DIR: workspace }, input, cwd: root });
    // An empty archive: only the repair runs.
    const empty = Buffer.alloc(10240);
    expect((await tar(empty)).code).toBe(0);
    expect(await owner(join(workspace, "static"))).toEqual(RUN_USER);
    // docker cp again: root's once more.
    spawnSync("chown", ["-R", "0:0", join(workspace, "static")]);
    await writeFile(join(workspace, "static", "a.txt"), "2");
    expect((await tar(empty)).code).toBe(0);
    expect(await owner(join(workspace, "static"))).toEqual(RUN_USER);
    expect(await readFile(join(workspace, "static", "a.txt"), "utf8")).toBe("2");
    expect((await readdir(workspace)).sort()).toEqual([".reloadable-replaced-static-1", ".reloadable-replaced-static-2", "static"]);
  });
});

describe("reloadable-tar: which tar it runs", () => {
  it("no tar on PATH: exit 127 naming the PATH", async () => {
    const dir = await tempdir({ "empty/": "" });
    const path = `${join(dir, "empty")}:/nonexistent`;
    const result = await run(helper("reloadable-tar"), ["-t", "-f", "-"], { env: { PATH: path } });
    expect(result.code).toBe(127);
    expect(result.stderr).toBe(`reloadable-tar: no tar on the run image's PATH (${path})\n`);
  });

  it("never a tar that is a link to a launcher (/cnb/process) or to itself: those earlier on PATH are passed over", async () => {
    const dir = await tempdir({
      // A launcher stand-in: it must not run.
      "launcher-link/launcher": { content: `#!/bin/sh\necho ran > "$(dirname "$0")/ran"\nexit 99\n`, mode: 0o755 },
      "launcher-link/tar": { symlink: "launcher" },
      "self-link/": "",
      "stage/file.txt": "x",
    });
    await symlink(helper("reloadable-tar"), join(dir, "self-link", "tar"));
    const listed = spawnSync("tar", ["-C", join(dir, "stage"), "-c", "-f", join(dir, "a.tar"), "file.txt"]);
    expect(listed.status).toBe(0);
    const path = [join(dir, "launcher-link"), join(dir, "self-link"), process.env.PATH ?? "/usr/bin:/bin"].join(":");
    const result = await run(helper("reloadable-tar"), ["-t", "-f", join(dir, "a.tar")], { env: { PATH: path } });
    expect(result).toMatchObject({ code: 0, stdout: "file.txt\n" });
    expect(existsSync(join(dir, "launcher-link", "ran"))).toBe(false);
  });

  it("--busybox=PATH and no tar on PATH: busybox's tar applet, with the other arguments", async () => {
    const dir = await tempdir({ "empty/": "" });
    const result = await run(helper("reloadable-tar"), [`--busybox=${busybox()}`, "-C", dir, "-x", "-f", "-"], { env: { PATH: join(dir, "empty") } });
    expect(result).toMatchObject({ code: 0, stdout: `busybox applet tar: -C ${dir} -x -f -\n`, stderr: "" });
  });

  it("--busybox=PATH and the run image's own tar on PATH: its own, even after busybox's applet link", async () => {
    const dir = await tempdir({ "busybox-bin/": "", "stage/file.txt": "x" });
    await symlink(busybox(), join(dir, "busybox-bin", "tar"));
    expect(spawnSync("tar", ["-C", join(dir, "stage"), "-c", "-f", join(dir, "a.tar"), "file.txt"]).status).toBe(0);
    const path = [join(dir, "busybox-bin"), process.env.PATH ?? "/usr/bin:/bin"].join(":");
    const result = await run(helper("reloadable-tar"), [`--busybox=${busybox()}`, "-t", "-f", join(dir, "a.tar")], { env: { PATH: path } });
    expect(result).toMatchObject({ code: 0, stdout: "file.txt\n" });
  });

  it("--busybox=PATH that does not exist, and no tar on PATH: 127 naming it", async () => {
    const dir = await tempdir({ "empty/": "" });
    const result = await run(helper("reloadable-tar"), [`--busybox=${join(dir, "no-busybox")}`, "-t", "-f", "-"], { env: { PATH: join(dir, "empty") } });
    expect(result.code).toBe(127);
    expect(result.stderr).toBe(`reloadable-tar: cannot execute ${join(dir, "no-busybox")}: No such file or directory\n`);
  });
});

describe("reloadable-tool BUSYBOX NAME", () => {
  it.each([[[]], [["/bin/busybox"]]])("arguments %j: exit 2 with the usage", async (args) => {
    expect(await run(helper("reloadable-tool"), args)).toMatchObject({ code: 2, stderr: "usage: reloadable-tool BUSYBOX NAME [ARG...]\n" });
  });

  it("runs the run image's own NAME from PATH, with the arguments", async () => {
    const result = await run(helper("reloadable-tool"), [busybox(), "echo", "a", "b c"]);
    expect(result).toMatchObject({ code: 0, stdout: "a b c\n", stderr: "" });
  });

  it("passes over a launcher link, itself and busybox's applet links on PATH", async () => {
    const dir = await tempdir({
      "launcher-link/launcher": { content: `#!/bin/sh\necho launcher\nexit 99\n`, mode: 0o755 },
      "launcher-link/echo": { symlink: "launcher" },
      "self-link/": "",
      "busybox-bin/": "",
    });
    await symlink(helper("reloadable-tool"), join(dir, "self-link", "echo"));
    await symlink(busybox(), join(dir, "busybox-bin", "echo"));
    const path = [join(dir, "launcher-link"), join(dir, "self-link"), join(dir, "busybox-bin"), process.env.PATH ?? "/usr/bin:/bin"].join(":");
    const result = await run(helper("reloadable-tool"), [busybox(), "echo", "own"], { env: { PATH: path } });
    expect(result).toMatchObject({ code: 0, stdout: "own\n", stderr: "" });
  });

  it("NAME not on PATH: busybox's applet NAME, with the arguments", async () => {
    const dir = await tempdir({ "empty/": "" });
    const result = await run(helper("reloadable-tool"), [busybox(), "date", "-u", "+%s"], { env: { PATH: join(dir, "empty") } });
    expect(result).toMatchObject({ code: 0, stdout: "busybox applet date: -u +%s\n", stderr: "" });
  });

  it("neither NAME on PATH nor BUSYBOX: 127 naming BUSYBOX", async () => {
    const dir = await tempdir({ "empty/": "" });
    const result = await run(helper("reloadable-tool"), [join(dir, "no-busybox"), "rm", "-f", "x"], { env: { PATH: join(dir, "empty") } });
    expect(result.code).toBe(127);
    expect(result.stderr).toBe(`reloadable-tool: cannot execute ${join(dir, "no-busybox")}: No such file or directory\n`);
  });
});

describe("reloadable-trigger DIR", () => {
  const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)Z\n$/;

  it.each<[string, Record<string, TreeEntry>]>([
    ["a new trigger file", {}],
    ["over the previous one", { "trigger/sync": "old\n" }],
  ])("writes DIR/sync with the time (%s)", async (_name, tree) => {
    const dir = await tempdir({ "trigger/": "", ...tree });
    const result = await run(helper("reloadable-trigger"), [join(dir, "trigger")]);
    expect(result).toMatchObject({ code: 0, stdout: "", stderr: "" });
    const written = await readFile(join(dir, "trigger", "sync"), "utf8");
    expect(written).toMatch(STAMP);
    expect(Math.abs(Date.parse(written.trim()) - Date.now())).toBeLessThan(120_000);
  });

  it.runIf(IS_ROOT)("run as the run user: replaces a root-owned DIR/sync (as docker cp leaves it) in the group-writable trigger dir", async () => {
    const dir = await tempdir({ "trigger/sync": "root's\n" });
    const trigger = join(dir, "trigger");
    await chown(trigger, BUILD_USER.uid, BUILD_USER.gid);
    await chmod(trigger, 0o775);
    await chmod(join(trigger, "sync"), 0o644);
    const result = await run(helper("reloadable-trigger"), [trigger], { as: RUN_USER });
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(await owner(join(trigger, "sync"))).toEqual(RUN_USER);
    expect(await readFile(join(trigger, "sync"), "utf8")).toMatch(STAMP);
  });

  it("a DIR that does not exist: a failure naming the path", async () => {
    const dir = await tempdir();
    const missing = join(dir, "no-such-dir");
    const result = await run(helper("reloadable-trigger"), [missing]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toBe(`reloadable-trigger: cannot write ${missing}/sync: No such file or directory\n`);
  });

  it.each([[[]], [["a", "b"]]])("arguments %j (no RELOADABLE_TRIGGER_DIR): exit 2 with the usage", async (args) => {
    const result = await run(helper("reloadable-trigger"), args);
    expect(result).toMatchObject({ code: 2, stderr: "usage: reloadable-trigger [DIR] (DIR defaults to $RELOADABLE_TRIGGER_DIR, set in trigger mode)\n" });
  });

  it("no DIR: writes into $RELOADABLE_TRIGGER_DIR (sh -c reloadable-trigger, as Tilt's run() does)", async () => {
    const dir = await tempdir({ "trigger/": "" });
    const result = await run(helper("reloadable-trigger"), [], { env: { RELOADABLE_TRIGGER_DIR: join(dir, "trigger") } });
    expect(result.code).toBe(0);
    expect(await readFile(join(dir, "trigger", "sync"), "utf8")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
  });
});

describe("reloadable-init PROGRAM", () => {
  /** Runs the command as PID 1 of a new PID namespace (with its own /proc), as in a container. */
  const AS_PID_1 = IS_ROOT ? ["--pid", "--fork", "--mount-proc"] : ["--user", "--map-root-user", "--pid", "--fork", "--mount-proc"];
  const asPid1 = (script: string) => start("unshare", [...AS_PID_1, helper("reloadable-init"), "sh", "-c", script]);

  it("no program: exit 2 with the usage", async () => {
    expect(await run(helper("reloadable-init"), [])).toMatchObject({ code: 2, stderr: "usage: reloadable-init PROGRAM [ARG...]\n" });
  });

  it.each<[string, boolean]>([
    ["not PID 1", false],
    ["as PID 1", true],
  ])("%s: a program that does not exist: 127 naming it", async (_name, pid1) => {
    const args = [helper("reloadable-init"), "no-such-program-here"];
    const options = { env: { PATH: SYSTEM_PATH } };
    const result = pid1 ? await run("unshare", [...AS_PID_1, ...args], options) : await run(args[0]!, args.slice(1), options);
    expect(result).toMatchObject({ code: 127, stderr: "reloadable-init: cannot execute no-such-program-here: No such file or directory\n" });
  });

  it("not PID 1: execs the program (the same pid)", async () => {
    const running = start(helper("reloadable-init"), ["sh", "-c", 'echo "$$"']);
    expect(await running.done).toMatchObject({ code: 0, stdout: `${running.pid}\n` });
  });

  it("as PID 1: the program runs as its child", async () => {
    const result = await asPid1('echo "pid $$ parent $PPID"; tr "\\0" " " < /proc/1/cmdline').done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^pid (\d+) parent 1\n/);
    expect(result.stdout).not.toMatch(/^pid 1 /);
    expect(result.stdout).toContain(`${helper("reloadable-init")} sh -c`);
  });

  it.each<[string, string, number]>([
    ["0", "exit 0", 0],
    ["an exit code", "exit 42", 42],
    ["killed by a signal: 128 + the signal", "kill -KILL $$", 137],
  ])("as PID 1: exits with the program's status (%s)", async (_name, script, code) => {
    expect((await asPid1(script).done).code).toBe(code);
  });

  /** The pid, as the test sees it, of reloadable-init: unshare's child. */
  const initPid = (unsharePid: number) =>
    eventually(async () => {
      const children = (await readFile(`/proc/${unsharePid}/task/${unsharePid}/children`, "utf8").catch(() => "")).trim();
      return children === "" ? undefined : Number(children.split(" ")[0]);
    });

  it("as PID 1: SIGTERM reaches the program, which may take 3 s to exit gracefully (watchexec's own PID 1 mode kills after 2 s)", async () => {
    const running = asPid1('trap \'echo stopping; sleep 3; echo "stopped gracefully"; exit 7\' TERM; echo ready; while :; do sleep 0.05; done');
    await running.printed("ready\n");
    process.kill(await initPid(running.pid), "SIGTERM");
    const sent = performance.now();
    const result = await running.done;
    expect(result).toMatchObject({ code: 7, stdout: "ready\nstopping\nstopped gracefully\n" });
    expect(performance.now() - sent).toBeGreaterThanOrEqual(2900);
  }, 20_000);

  it.each<[NodeJS.Signals, string]>([
    ["SIGINT", "INT"],
    ["SIGHUP", "HUP"],
    ["SIGUSR1", "USR1"],
    ["SIGUSR2", "USR2"],
    ["SIGQUIT", "QUIT"],
  ])("as PID 1: forwards %s to the program", async (signal, name) => {
    const running = asPid1(`trap 'echo "got ${name}"; exit 3' ${name}; echo ready; while :; do sleep 0.05; done`);
    await running.printed("ready\n");
    process.kill(await initPid(running.pid), signal);
    expect(await running.done).toMatchObject({ code: 3, stdout: `ready\ngot ${name}\n` });
  });

  it("as PID 1: reaps orphans, so no zombies are left while it runs", async () => {
    const script = [
      // Five processes whose parent exits at once: they are re-parented to PID 1, and end soon.
      "for i in 1 2 3 4 5; do (sleep 0.5 &); done",
      'echo "children of 1: $(grep -l "^PPid:[[:space:]]*1$" /proc/[0-9]*/status 2>/dev/null | wc -l)"',
      "sleep 2",
      'echo "zombies: $(grep -l "^State:[[:space:]]*Z" /proc/[0-9]*/status 2>/dev/null | wc -l)"',
    ].join("\n");
    const result = await asPid1(script).done;
    expect(result.code).toBe(0);
    const [children, zombies] = [/children of 1: (\d+)/, /zombies: (\d+)/].map((re) => Number(re.exec(result.stdout)?.[1]));
    expect(children).toBeGreaterThanOrEqual(2); // the program and orphans: the case is real
    expect(zombies).toBe(0);
  });
});

describe("reloadable-exec PROGRAM", () => {
  /** An ELF program the test may overwrite: a copy of a system one. */
  async function program(name: string, from: string): Promise<{ dir: string; path: string }> {
    const dir = await tempdir();
    const path = join(dir, name);
    await writeFile(path, await readFile(from));
    await chmod(path, 0o755);
    return { dir, path };
  }
  const systemProgram = (name: string): string => {
    const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
    if (found === "") throw new Error(`${name} not found on PATH`);
    return found;
  };

  /**
   * Writes `from` into `to` in `chunks` pieces, 2 ms apart (a sync still writing it), in its own
   * process so that its pace does not depend on the test's event loop. Prints "started" once the
   * file exists.
   */
  const WRITER = `
const fs = require("node:fs");
const [from, to, chunks] = process.argv.slice(1);
const data = fs.readFileSync(from);
const step = Math.ceil(data.length / Number(chunks));
const fd = fs.openSync(to, "w", 0o755);
for (let offset = 0; offset < data.length; offset += step) {
  fs.writeSync(fd, data, offset, Math.min(step, data.length - offset));
  if (offset === 0) process.stdout.write("started\\n");
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
}
fs.closeSync(fd);
`;
  const write = (from: string, to: string, chunks: number) => start(process.execPath, ["-e", WRITER, from, to, String(chunks)]);

  it("no program: exit 2 with the usage", async () => {
    expect(await run(helper("reloadable-exec"), [])).toMatchObject({ code: 2, stderr: "usage: reloadable-exec PROGRAM [ARG...]\n" });
  });

  it("runs the program from a memory copy: /proc/<pid>/exe names a memfd, the arguments are passed", async () => {
    const { dir } = await program("show-exe", systemProgram("readlink"));
    const result = await run(helper("reloadable-exec"), ["./show-exe", "/proc/self/exe"], { cwd: dir });
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/^\/memfd:show-exe( \(deleted\))?\n$/);
  });

  it("the program file can be overwritten in place while it runs (no 'Text file busy')", async () => {
    const { path } = await program("server", systemProgram("sleep"));
    const running = start(helper("reloadable-exec"), [path, "30"]);
    try {
      await eventually(async () => ((await readlink(`/proc/${running.pid}/exe`).catch(() => "")).startsWith("/memfd:server") ? true : undefined));
      await writeFile(path, "a new build"); // ETXTBSY if the file were the running text
      expect(await readFile(path, "utf8")).toBe("a new build");
    } finally {
      running.kill("SIGKILL");
      await running.done;
    }
  });

  it("a program still being written when it starts (for ~200 ms) runs only once complete", async () => {
    const { dir, path } = await program("placeholder", systemProgram("readlink"));
    const target = join(dir, "growing");
    const writer = write(path, target, 100);
    await writer.printed("started\n");
    const result = await run(helper("reloadable-exec"), ["./growing", "/proc/self/exe"], { cwd: dir });
    await writer.done;
    expect(result).toMatchObject({ code: 0, signal: null, stderr: "" });
    expect(result.stdout).toMatch(/^\/memfd:growing/);
  }, 20_000);

  it("a program that keeps changing for over a second is refused: exit 126 and a message", async () => {
    const { dir, path } = await program("placeholder", systemProgram("readlink"));
    const target = join(dir, "never-done");
    const writer = write(path, target, 1500); // ~3 s of writing
    await writer.printed("started\n");
    try {
      const result = await run(helper("reloadable-exec"), ["./never-done", "/proc/self/exe"], { cwd: dir });
      expect(result).toMatchObject({ code: 126, stdout: "" });
      expect(result.stderr).toMatch(/^reloadable-exec: \.\/never-done kept changing for \d+ ms while it was copied; not running a half-written program\n$/);
    } finally {
      await writer.done;
    }
  }, 20_000);

  it("a program that does not exist: 127 naming it and the error", async () => {
    const dir = await tempdir();
    const result = await run(helper("reloadable-exec"), ["./bin/server", "--port", "8080"], { cwd: dir });
    expect(result).toMatchObject({ code: 127, stdout: "" });
    expect(result.stderr).toBe("reloadable-exec: cannot copy ./bin/server: No such file or directory\n");
  });
});
