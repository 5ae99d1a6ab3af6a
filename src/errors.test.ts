import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { BuildpackError, ConfigurationError, explainSystemError, FileSystemError, systemErrorIn } from "./errors.ts";
import { testdirsRemovedAfterEach } from "./testing/testdir.ts";

const testdir = testdirsRemovedAfterEach();

function systemError(code: string, syscall: string, path?: string, dest?: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: something, ${syscall} '${path}'`), { code, syscall, errno: -1, ...(path !== undefined ? { path } : {}), ...(dest !== undefined ? { dest } : {}) });
}

const who = { uid: 1000, gid: 1000 };

describe("explainSystemError", () => {
  it.each<{ code: string; syscall: string; path?: string; dest?: string; message: string; fix: RegExp }>([
    {
      code: "EPERM",
      syscall: "chmod",
      path: "/workspace/root-owned.txt",
      message: "permission denied: cannot change the mode of /workspace/root-owned.txt (EPERM)",
      fix: /^The build runs as uid 1000, gid 1000\. Give that user access to \/workspace\/root-owned\.txt/,
    },
    { code: "EACCES", syscall: "open", path: "/layers/x/launch.toml", message: "permission denied: cannot open /layers/x/launch.toml (EACCES)", fix: /uid 1000/ },
    { code: "EACCES", syscall: "rename", path: "/a", dest: "/b", message: "permission denied: cannot rename /a to /b (EACCES)", fix: /uid 1000/ },
    { code: "ENOSPC", syscall: "write", path: "/layers/x/watchexec.download", message: "no space left on the device holding /layers/x/watchexec.download (write)", fix: /^Free disk space/ },
    { code: "EROFS", syscall: "chmod", path: "/workspace/a", message: "/workspace/a is on a read-only file system (cannot change the mode of it)", fix: /writable/ },
    { code: "EISDIR", syscall: "read", path: "/bindings/mirror/x", message: "/bindings/mirror/x is a directory where a file was expected (read)", fix: /with a file/ },
    { code: "ENOTDIR", syscall: "scandir", path: "/workspace/a/b", message: "a part of /workspace/a/b is not a directory (list)", fix: /a file stands/ },
    { code: "ENOENT", syscall: "open", path: "/workspace/Procfile", message: "/workspace/Procfile does not exist (open)", fix: /exists when the build runs/ },
    { code: "EDQUOT", syscall: "write", path: "/layers/f", message: "disk quota exceeded writing /layers/f", fix: /quota of uid 1000/ },
    { code: "ELOOP", syscall: "stat", path: "/workspace/loop", message: "/workspace/loop is a loop of symbolic links (read)", fix: /symbolic links/ },
    { code: "EMFILE", syscall: "open", path: "/workspace/a", message: "too many open files (open /workspace/a)", fix: /ulimit -n/ },
    { code: "EIO", syscall: "read", path: "/workspace/a", message: "input/output error on /workspace/a (read)", fix: /storage/ },
    { code: "ETXTBSY", syscall: "open", path: "/layers/w/bin/watchexec", message: "/layers/w/bin/watchexec is busy (open, ETXTBSY)", fix: /Stop whatever/ },
    { code: "EPERM", syscall: "kill", message: "permission denied: cannot kill a path the system did not name (EPERM)", fix: /uid 1000/ },
  ])("$code on $syscall", ({ code, syscall, path, dest, message, fix }) => {
    const error = systemError(code, syscall, path, dest);
    const explained = explainSystemError(error, who);
    expect(explained).toBeInstanceOf(FileSystemError);
    expect(explained).toBeInstanceOf(BuildpackError);
    expect(explained?.message).toBe(message);
    expect(explained?.fix).toMatch(fix);
    expect(explained?.cause).toBe(error);
    expect(explained?.code).toBe(code);
  });

  it.each<[string, unknown]>([
    ["an error without a code", new Error("boom")],
    ["a string", "boom"],
    ["undefined", undefined],
    ["an unknown errno", systemError("EWHATEVER", "open", "/x")],
    ["tar's symlink error (a code, but not an errno)", Object.assign(new Error("TAR_SYMLINK_ERROR"), { code: "TAR_SYMLINK_ERROR", syscall: "symlink" })],
    ["a network error (no syscall on a path)", Object.assign(new Error("ECONNREFUSED"), { code: "ECONNREFUSED" })],
  ])("leaves %s alone", (_name, error) => {
    expect(explainSystemError(error, who)).toBeUndefined();
  });

  it("finds the system error among the causes", () => {
    const root = systemError("ENOSPC", "write", "/layers/a");
    const wrapped = new Error("while installing", { cause: new Error("while writing", { cause: root }) });
    expect(systemErrorIn(wrapped)).toBe(root);
    expect(explainSystemError(wrapped, who)?.message).toBe("no space left on the device holding /layers/a (write)");
  });

  it("survives a cycle of causes", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    Object.assign(a, { cause: b });
    expect(systemErrorIn(a)).toBeUndefined();
  });

  it("explains real errors from node:fs", async () => {
    const dir = await testdir({ "sub/": "" });
    const isDir: unknown = await readFile(dir.join("sub")).catch((e: unknown) => e);
    // readFile's EISDIR names no path: the message says so rather than guessing.
    expect(explainSystemError(isDir, who)?.message).toBe("a path the system did not name is a directory where a file was expected (read)");
    const missing: unknown = await readFile(dir.join("missing")).catch((e: unknown) => e);
    expect(explainSystemError(missing, who)?.message).toBe(`${dir.join("missing")} does not exist (open)`);
    if (process.getuid?.() !== 0) {
      await mkdir(dir.join("locked"));
      await chmod(dir.join("locked"), 0o500);
      const denied: unknown = await writeFile(dir.join("locked", "f"), "x").catch((e: unknown) => e);
      expect(explainSystemError(denied, who)?.message).toBe(`permission denied: cannot open ${dir.join("locked", "f")} (EACCES)`);
    }
  });

  it("BuildpackErrors carry their variable, value and fix", () => {
    const error = new ConfigurationError("BP_X", "1", "is bad", "Set BP_X to 2.");
    expect(error.message).toBe('BP_X="1" is bad');
    expect(error.fix).toBe("Set BP_X to 2.");
  });
});
