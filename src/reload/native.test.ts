import { describe, expect, it } from "vitest";
import { launchOf } from "../cnb/launch.ts";
import type { Launch, ProcessSpec } from "../cnb/types.ts";
import { testdirsRemovedAfterEach, type TestDir } from "../testing/testdir.ts";
import { findNativeAppBinaries } from "./native.ts";

const tempdir = testdirsRemovedAfterEach();

/** The first bytes of an ELF file: all findNativeAppBinaries reads. */
const ELF = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);

const exec = (argv: string[], args: string[] = []): Launch => ({ kind: "exec", argv, args });

describe("findNativeAppBinaries", () => {
  it.each<[string, (dir: TestDir) => Omit<ProcessSpec, "type" | "default">, boolean]>([
    ["a relative path to an ELF file of the app dir", () => ({ launch: exec(["./bin/server"], ["--port", "8080"]) }), true],
    ["an absolute path inside the app dir", (dir) => ({ launch: exec([dir.join("app", "bin", "server")]) }), true],
    ["relative to the process's working dir", (dir) => ({ launch: exec(["./server"]), workingDir: dir.join("app", "bin") }), true],
    [
      "inside an earlier watchexec wrapper (API 0.7)",
      () => ({ launch: launchOf({ command: "watchexec", args: ["-r", "--shell=none", "--", "./bin/server"], direct: true }, "0.7") }),
      true,
    ],
    ["a program found on PATH", () => ({ launch: exec(["server"]) }), false],
    ["a script, not ELF", () => ({ launch: exec(["./bin/run.sh"]) }), false],
    ["a file that does not exist", () => ({ launch: exec(["./bin/missing"]) }), false],
    ["an ELF file outside the app dir", () => ({ launch: exec(["../tools/server"]) }), false],
    ["a shell process", () => ({ launch: { kind: "shell", command: "./bin/server", args: [] } }), false],
    ["an empty command", () => ({ launch: exec([]) }), false],
    ["a wrapper it cannot take apart (the rewrite reports it)", () => ({ launch: exec(["watchexec", "--bogus", "--", "./bin/server"]) }), false],
  ])("%s -> %j", async (_name, make, native) => {
    const dir = await tempdir({ "app/bin/server": ELF, "app/bin/run.sh": "#!/bin/sh\n", "tools/server": ELF });
    const process: ProcessSpec = { type: "web", default: true, ...make(dir) };
    expect([...(await findNativeAppBinaries([process], dir.join("app")))]).toEqual(native ? ["web"] : []);
  });

  it("names each type once, in order", async () => {
    const dir = await tempdir({ "app/server": ELF });
    const processes: ProcessSpec[] = [
      { type: "worker", launch: exec(["node"]), default: false },
      { type: "web", launch: exec(["./server"]), default: true },
      { type: "web-no-reload", launch: exec(["./server"]), default: false },
    ];
    expect([...(await findNativeAppBinaries(processes, dir.join("app")))]).toEqual(["web", "web-no-reload"]);
  });
});
