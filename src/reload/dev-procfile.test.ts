import { symlink } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { BuildpackError, ConfigurationError, ContractError } from "../errors.ts";
import { testdirsRemovedAfterEach } from "../testing/testdir.ts";
import { DEV_PROCFILE } from "./config.ts";
import { DEFAULT_DEV_PROCFILE, devProcfilePath, DevProcfileError, readDevProcfile } from "./dev-procfile.ts";
import { PROCFILE_LIMITS } from "./procfile.ts";

const tempdir = testdirsRemovedAfterEach();

async function thrown(promise: Promise<unknown>): Promise<BuildpackError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BuildpackError);
  return error as BuildpackError;
}

describe("devProcfilePath", () => {
  it.each<[string | undefined, string, string, boolean]>([
    [undefined, "/workspace/Procfile.dev", "Procfile.dev", false],
    ["", "/workspace/Procfile.dev", "Procfile.dev", false],
    ["  ", "/workspace/Procfile.dev", "Procfile.dev", false],
    ["Procfile.local", "/workspace/Procfile.local", "Procfile.local", true],
    [" config/Procfile.dev ", "/workspace/config/Procfile.dev", "config/Procfile.dev", true],
    ["./x/../Procfile.tilt", "/workspace/Procfile.tilt", "Procfile.tilt", true],
    ["/workspace/dev/Procfile", "/workspace/dev/Procfile", "dev/Procfile", true],
  ])("%j -> %s", (value, path, name, explicit) => {
    expect(devProcfilePath(value, "/workspace")).toEqual({ path, name, explicit });
  });

  it.each<[string, string]>([
    ["../Procfile.dev", `${DEV_PROCFILE}="../Procfile.dev" names /Procfile.dev, which is outside the app dir (/workspace)`],
    ["/etc/passwd", `${DEV_PROCFILE}="/etc/passwd" names /etc/passwd, which is outside the app dir (/workspace)`],
    ["/workspace-dev/Procfile", `${DEV_PROCFILE}="/workspace-dev/Procfile" names /workspace-dev/Procfile, which is outside the app dir (/workspace)`],
    [".", `${DEV_PROCFILE}="." names the app dir itself, not a file in it`],
  ])("%j is a ConfigurationError", (value, message) => {
    let error: unknown;
    try {
      devProcfilePath(value, "/workspace");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(message);
  });
});

describe("readDevProcfile", () => {
  it("is undefined when the app has no Procfile.dev and the setting is unset", async () => {
    const dir = await tempdir({ "Procfile": "web: node server.js\n" });
    expect(await readDevProcfile(undefined, dir.path)).toBeUndefined();
  });

  it("reads Procfile.dev: plain commands run directly, shell syntax through the profile shell", async () => {
    const dir = await tempdir({ [DEFAULT_DEV_PROCFILE]: "# dev commands\nweb: node_modules/.bin/nodemon server.js\nworker: npm run dev:worker -- --port $PORT\n" });
    expect(await readDevProcfile(undefined, dir.path)).toEqual({
      name: "Procfile.dev",
      commands: [
        { type: "web", command: "node_modules/.bin/nodemon server.js", launch: { kind: "exec", argv: ["node_modules/.bin/nodemon", "server.js"], args: [] } },
        { type: "worker", command: "npm run dev:worker -- --port $PORT", launch: { kind: "shell", command: "npm run dev:worker -- --port $PORT", args: [] } },
      ],
    });
  });

  it("reads the file BP_LIVE_RELOAD_PROCFILE names, rather than Procfile.dev", async () => {
    const dir = await tempdir({ "Procfile.dev": "web: a\n", "config/Procfile.tilt": "web: b\n" });
    const dev = await readDevProcfile("config/Procfile.tilt", dir.path);
    expect(dev?.name).toBe("config/Procfile.tilt");
    expect(dev?.commands.map((c) => c.command)).toEqual(["b"]);
  });

  it("a link that stays in the app dir is read", async () => {
    const dir = await tempdir({ "dev/Procfile": "web: a\n" });
    await symlink("dev/Procfile", dir.join("Procfile.dev"));
    expect((await readDevProcfile(undefined, dir.path))?.commands.map((c) => c.type)).toEqual(["web"]);
  });

  it("set but missing is an error naming the variable, the value and the file", async () => {
    const dir = await tempdir({ "Procfile.dev": "web: a\n" });
    const error = await thrown(readDevProcfile("Procfile.develop", dir.path));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe(`${DEV_PROCFILE}="Procfile.develop" names Procfile.develop, which does not exist in the app dir`);
    expect(error.fix).toContain("relative to the app dir");
  });

  it("set to a directory is an error", async () => {
    const dir = await tempdir({ "config/": "" });
    const error = await thrown(readDevProcfile("config", dir.path));
    expect(error.message).toBe(`${DEV_PROCFILE}="config" names config, which is not a file`);
  });

  it("a Procfile.dev directory is an error, not a silent skip", async () => {
    const dir = await tempdir({ "Procfile.dev/": "" });
    const error = await thrown(readDevProcfile(undefined, dir.path));
    expect(error).toBeInstanceOf(DevProcfileError);
    expect(error.message).toBe("Procfile.dev is not a file (a directory): it would name the app's dev commands");
  });

  it.each([undefined, "Procfile.dev"])("a link out of the app dir is an error (setting %j)", async (value) => {
    const outside = await tempdir({ "Procfile": "web: cat /etc/shadow\n" });
    const dir = await tempdir({});
    await symlink(outside.join("Procfile"), dir.join("Procfile.dev"));
    const error = await thrown(readDevProcfile(value, dir.path));
    expect(error.message).toContain(`a link leading out of the app dir (to ${outside.join("Procfile")})`);
  });

  it.each<[string, string, string]>([
    ["only comments", "# nothing yet\n\n", "Procfile.dev names no process type (only blank lines and comments)"],
    ["empty", "", "Procfile.dev names no process type (only blank lines and comments)"],
    ["a bad line", "web: a\nworker\n", 'Procfile.dev line 2 is not "<type>: <command>": "worker"'],
    ["a type twice", "web: a\nweb: b\n", 'Procfile.dev declares "web" twice (lines 1 and 2)'],
    ["a line over the limit", `web: ${"x".repeat(PROCFILE_LIMITS.maxLineChars)}\n`, `Procfile.dev line 1 is ${PROCFILE_LIMITS.maxLineChars + 5} characters long, over the limit of ${PROCFILE_LIMITS.maxLineChars}`],
    ["watchexec itself", "web: watchexec -r -- node server.js\n", 'Procfile.dev runs watchexec for "web" (watchexec -r -- node server.js): Reloadable already runs each reloadable process under watchexec'],
    ["watchexec through a shell", "web: /usr/bin/watchexec -r -- node $APP\n", 'Procfile.dev runs watchexec for "web" (/usr/bin/watchexec -r -- node $APP): Reloadable already runs each reloadable process under watchexec'],
  ])("%s is an error naming the file", async (_, text, message) => {
    const dir = await tempdir({ "Procfile.dev": text });
    const error = await thrown(readDevProcfile(undefined, dir.path));
    expect(error.message.startsWith(message), error.message).toBe(true);
  });

  it("a file over the size limit is refused before it is read", async () => {
    const dir = await tempdir({ "Procfile.dev": `# ${"x".repeat(PROCFILE_LIMITS.maxBytes)}\n` });
    const error = await thrown(readDevProcfile(undefined, dir.path));
    expect(error).toBeInstanceOf(ContractError);
    expect(error.message).toMatch(/Procfile\.dev is \d+ bytes, over the limit of 1048576/);
  });
});
