import { describe, expect, it } from "vitest";
import type { Launch } from "../cnb/types.ts";
import { ContractError } from "../errors.ts";
import { writeFile } from "node:fs/promises";
import { testdirsRemovedAfterEach } from "../testing/testdir.ts";
import { parseProcfile, PROCFILE_LIMITS, procfileProcesses, readProcfile, splitPlainCommand, type ProcfileEntry } from "./procfile.ts";

describe("parseProcfile", () => {
  it.each<[string, string, ProcfileEntry[]]>([
    ["empty", "", []],
    ["one line", "web: python3 server.py", [{ type: "web", command: "python3 server.py" }]],
    ["no space after the colon", "web:node index.js", [{ type: "web", command: "node index.js" }]],
    ["trailing whitespace trimmed", "web:   node index.js  \t", [{ type: "web", command: "node index.js" }]],
    ["comments and blank lines", "# processes\n\nweb: a\n   \n  # indented comment\nworker: b\n", [
      { type: "web", command: "a" },
      { type: "worker", command: "b" },
    ]],
    ["CRLF", "web: a\r\nworker: b c\r\n", [
      { type: "web", command: "a" },
      { type: "worker", command: "b c" },
    ]],
    ["colons in the command", "web: gunicorn app:main --bind 0.0.0.0:$PORT", [{ type: "web", command: "gunicorn app:main --bind 0.0.0.0:$PORT" }]],
    ["type characters", "my.proc_2-x: run", [{ type: "my.proc_2-x", command: "run" }]],
    ["a # inside a command is kept", "web: echo a # b", [{ type: "web", command: "echo a # b" }]],
  ])("%s", (_name, text, expected) => {
    expect(parseProcfile(text)).toEqual(expected);
  });

  it.each<[string, number]>([
    ["web python3 server.py", 1],
    ["# comment\n\nweb: ok\nbad line here", 4],
    ["web: ok\r\n\r\nweb:", 3],
    ["web:    ", 1],
    ["  web: indented", 1],
    ["bad type: cmd", 1],
    ["web: a\n: no type", 2],
  ])("%j -> ContractError naming line %i", (text, line) => {
    let error: unknown;
    try {
      parseProcfile(text, "/workspace/Procfile");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ContractError);
    expect((error as ContractError).message).toContain(`/workspace/Procfile line ${line} `);
    expect((error as ContractError).fix).toContain("/workspace/Procfile");
  });

  // Regression test (the bug is fixed): a Procfile saved with a UTF-8 byte order mark (Windows editors) fails on line 1
  // with an error whose quoted line looks correct, since the BOM is invisible.
  it("a UTF-8 byte order mark is skipped", () => {
    expect(parseProcfile("\uFEFFweb: node a.js\n")).toEqual([{ type: "web", command: "node a.js" }]);
  });

  it("names Procfile by default", () => {
    expect(() => parseProcfile("nope")).toThrow(/^Procfile line 1 is not "<type>: <command>": "nope"$/);
  });
});

describe("parseProcfile: bounded and linear", () => {
  const testdir = testdirsRemovedAfterEach();

  // Each of these took the old regular expression time quadratic in the line (200 KB: 15.6 s).
  it.each<[string, string]>([
    ["a type, a colon and spaces only", `web:${" ".repeat(60_000)}`],
    ["spaces then a tab", `web:${" ".repeat(60_000)}\t`],
    ["no colon", "w".repeat(60_000)],
  ])("refuses %s without backtracking", (_name, text) => {
    expect(() => parseProcfile(text)).toThrow(/^Procfile line 1 is not "<type>: <command>": "/);
  });

  it("parses a 60 KB command line", () => {
    const command = `echo ${"a ".repeat(30_000)}`.trim();
    expect(parseProcfile(`web: ${command}\n`)).toEqual([{ type: "web", command }]);
  });

  it("a line over 64 KiB is an error naming the line and the limit", () => {
    const text = `web: ok\nworker: ${"x".repeat(200_000)}\n`;
    expect(() => parseProcfile(text, "/workspace/Procfile")).toThrow(
      `/workspace/Procfile line 2 is 200008 characters long, over the limit of ${PROCFILE_LIMITS.maxLineChars}: "worker: ${"x".repeat(72)}..."`,
    );
  });

  it("a Procfile over 1 MiB is an error, also when read from disk (refused before it is read)", async () => {
    expect(() => parseProcfile("web: a\n".repeat(200_000))).toThrow(/^Procfile is 1400000 characters long, over the limit of 1048576$/);
    const dir = await testdir();
    await writeFile(dir.join("Procfile"), Buffer.alloc(2 * 1024 * 1024, "#"));
    await expect(readProcfile(dir.join("Procfile"))).rejects.toThrow(`${dir.join("Procfile")} is 2097152 bytes, over the limit of 1048576`);
  });

  it("readProcfile: the text, or undefined when there is none", async () => {
    const dir = await testdir({ Procfile: "web: a\n" });
    expect(await readProcfile(dir.join("Procfile"))).toBe("web: a\n");
    expect(await readProcfile(dir.join("missing"))).toBeUndefined();
  });
});

describe("splitPlainCommand", () => {
  it.each<[string, string[]]>([
    ["python3 server.py", ["python3", "server.py"]],
    ["  node   index.js\t--inspect ", ["node", "index.js", "--inspect"]],
    ["gunicorn app:main --bind=0.0.0.0:8080", ["gunicorn", "app:main", "--bind=0.0.0.0:8080"]],
    ["java -Dfoo=bar -jar app.jar", ["java", "-Dfoo=bar", "-jar", "app.jar"]],
    ["cmd a=b", ["cmd", "a=b"]],
    ["echo 'hello world'", ["echo", "hello world"]],
    ['echo "hello world"', ["echo", "hello world"]],
    [`echo "it's"`, ["echo", "it's"]],
    [`echo 'say "hi"'`, ["echo", 'say "hi"']],
    ["echo 'a$b|c&&d*'", ["echo", "a$b|c&&d*"]],
    ["echo a'b c'd", ["echo", "ab cd"]],
    ["echo ''", ["echo", ""]],
    [`echo "" x`, ["echo", "", "x"]],
    ["./bin/server --port 8080", ["./bin/server", "--port", "8080"]],
    ["/usr/bin/env python3 -u app.py", ["/usr/bin/env", "python3", "-u", "app.py"]],
    ["npm run start:dev", ["npm", "run", "start:dev"]],
    ["user@host%x+y,z", ["user@host%x+y,z"]],
  ])("%j -> %j", (command, expected) => {
    expect(splitPlainCommand(command)).toEqual(expected);
  });

  it.each([
    ["", "empty"],
    ["   ", "blank"],
    ["node server.js --port $PORT", "$VAR"],
    ["node server.js --port ${PORT}", "${VAR}"],
    ['echo "$HOME"', "$ inside double quotes"],
    ["echo `date`", "backticks"],
    ['echo "`date`"', "backticks inside double quotes"],
    ["echo $(date)", "command substitution"],
    ["cat log | grep x", "pipe"],
    ["make && ./app", "&&"],
    ["a || b", "||"],
    ["a; b", ";"],
    ["./app &", "background"],
    ["./app > out.log", "redirection"],
    ["./app < in", "input redirection"],
    ["ls *.py", "glob *"],
    ["ls file?.py", "glob ?"],
    ["ls [ab].py", "glob []"],
    ["cd ~", "tilde"],
    ["echo a\\ b", "backslash"],
    ['echo "a\\"b"', "backslash inside double quotes"],
    ["(cd src && ./run)", "subshell"],
    ["{ a; }", "group"],
    ["echo 'unterminated", "unterminated single quote"],
    ['echo "unterminated', "unterminated double quote"],
    ["echo !!", "history"],
    ["./app # comment", "comment"],
    ["=cmd", "leading ="],
    ["a =b", "word starting with ="],
  ])("%j -> undefined (%s)", (command) => {
    expect(splitPlainCommand(command)).toBeUndefined();
  });

  // Regression test (the bug is fixed): a leading `NAME=value` is an environment assignment in a shell (`FOO=bar cmd` runs `cmd`
  // with FOO set), but splitPlainCommand treats it as a plain word, so the process would exec a
  // program literally named "FOO=bar". It should return undefined (keep `bash -c`).
  it.each(["FOO=bar cmd", "RAILS_ENV=development bundle exec rails s", "PYTHONUNBUFFERED=1 python app.py"])(
    "%j (leading env assignment) -> undefined",
    (command) => {
      expect(splitPlainCommand(command)).toBeUndefined();
    },
  );

  // Regression test (the bug is fixed): `exec` (like other shell builtins) is no program on disk; run without a shell the
  // process fails to start. A command whose first word is a shell builtin/keyword needs `bash -c`.
  it.each(["exec python app.py", "exec gunicorn app:main"])("%j (shell builtin) -> undefined", (command) => {
    expect(splitPlainCommand(command)).toBeUndefined();
  });
});

describe("procfileProcesses", () => {
  const entry = (type: string, command: string): ProcfileEntry => ({ type, command });

  it.each<[string, ProcfileEntry[], string | undefined]>([
    ["web is the default", [entry("worker", "w"), entry("web", "a")], "web"],
    ["web is the default, not the first", [entry("release", "r"), entry("worker", "w"), entry("web", "a")], "web"],
    ["a single non-web process is the default", [entry("worker", "w")], "worker"],
    ["several non-web processes: no default", [entry("worker", "w"), entry("clock", "c")], undefined],
    ["no processes", [], undefined],
  ])("%s", (_name, entries, expectedDefault) => {
    const processes = procfileProcesses(entries);
    expect(processes.map((p) => p.type)).toEqual(entries.map((e) => e.type));
    expect(processes.filter((p) => p.default).map((p) => p.type)).toEqual(expectedDefault === undefined ? [] : [expectedDefault]);
  });

  it.each<[string, Launch]>([
    ["python3 server.py", { kind: "exec", argv: ["python3", "server.py"], args: [] }],
    ["echo 'a b'", { kind: "exec", argv: ["echo", "a b"], args: [] }],
    ["node server.js --port $PORT", { kind: "shell", command: "node server.js --port $PORT", args: [] }],
    ["make && ./app", { kind: "shell", command: "make && ./app", args: [] }],
    ["echo 'open", { kind: "shell", command: "echo 'open", args: [] }],
    ["RAILS_ENV=development bundle exec rails s", { kind: "shell", command: "RAILS_ENV=development bundle exec rails s", args: [] }],
    ["exec python app.py", { kind: "shell", command: "exec python app.py", args: [] }],
  ])("%j -> %j", (command, launch) => {
    expect(procfileProcesses([entry("web", command)])).toEqual([{ type: "web", launch, default: true }]);
  });

  // Regression test (the bug is fixed): a type repeated in a Procfile gives two processes of that type (both default when it is
  // web); the rewrite then declares web and web-no-reload twice each in launch.toml, which the spec
  // forbids ("MUST NOT be identical to other process types provided by the same buildpack").
  // Expected: a ContractError naming the type, or one process per type (the last, as a map would).
  it("a repeated type gives one process per type, or a ContractError", () => {
    let types: string[];
    try {
      types = procfileProcesses(parseProcfile("web: a\nweb: b\n")).map((p) => p.type);
    } catch (error) {
      expect(error).toBeInstanceOf(ContractError);
      return;
    }
    expect(types).toEqual(["web"]);
  });

  it("maps a parsed Procfile: shell syntax becomes a shell process (profile scripts, .profile)", () => {
    expect(procfileProcesses(parseProcfile("web: python3 app.py\nworker: celery -A app worker --loglevel=$LEVEL\n"))).toEqual([
      { type: "web", launch: { kind: "exec", argv: ["python3", "app.py"], args: [] }, default: true },
      { type: "worker", launch: { kind: "shell", command: "celery -A app worker --loglevel=$LEVEL", args: [] }, default: false },
    ]);
  });
});
