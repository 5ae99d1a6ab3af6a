import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { ContractError } from "../errors.ts";
import { testdir, type TestDir, testdirsRemovedAfterEach } from "../testing/testdir.ts";
import { ManifestError, parseManifest } from "./manifest.ts";
import { readZipEntry } from "./zip.ts";

const tempdir = testdirsRemovedAfterEach();

/** The error `fn` throws (fails the test if it throws none). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  expect.fail("expected an error");
}

describe("parseManifest: line endings", () => {
  it.each<[string, string]>([
    ["CRLF", "\r\n"],
    ["LF", "\n"],
    ["CR", "\r"],
  ])("%s", (_name, eol) => {
    const text = ["Manifest-Version: 1.0", "Main-Class: app.Main", "Class-Path: lib/a.jar lib/b.jar", ""].join(eol);
    const manifest = parseManifest(text);
    expect(manifest.get("Manifest-Version")).toBe("1.0");
    expect(manifest.get("Main-Class")).toBe("app.Main");
    expect(manifest.get("Class-Path")).toBe("lib/a.jar lib/b.jar");
  });

  it("mixed line endings in one file", () => {
    const manifest = parseManifest("A: 1\r\nB: 2\nC: 3\rD: 4\r\n");
    expect([manifest.get("A"), manifest.get("B"), manifest.get("C"), manifest.get("D")]).toEqual(["1", "2", "3", "4"]);
  });

  it("the last header needs no line end", () => {
    expect(parseManifest("Main-Class: app.Main").get("Main-Class")).toBe("app.Main");
  });

  it("a CRLF continuation is not taken for an empty line between CR and LF", () => {
    const manifest = parseManifest("Main-Class: app.\r\n Main\r\nStart-Class: x.Y\r\n\r\n");
    expect(manifest.get("Main-Class")).toBe("app.Main");
    expect(manifest.get("Start-Class")).toBe("x.Y");
  });
});

describe("parseManifest: continuation lines", () => {
  /**
   * Writes `Name: value` wrapped the way JDK 11+ does: at most 72 bytes a line, then CRLF and one
   * space, never inside a UTF-8 character.
   */
  function wrap72(name: string, value: string): string {
    const bytes = Buffer.from(`${name}: ${value}`, "utf8");
    const lines: Buffer[] = [];
    let at = 0;
    while (at < bytes.length) {
      const room = lines.length === 0 ? 72 : 71;
      let end = Math.min(at + room, bytes.length);
      while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--; // not inside a character
      lines.push(lines.length === 0 ? bytes.subarray(at, end) : Buffer.concat([Buffer.from(" "), bytes.subarray(at, end)]));
      at = end;
    }
    return lines.map((l) => l.toString("utf8")).join("\r\n") + "\r\n";
  }

  const longClassPath = Array.from({ length: 6 }, (_, i) => `lib/dependency-number-${i}-1.0.0.jar`).join(" ");

  it.each<[string, string, string]>([
    ["a split in the middle of a word", "Class-Path", longClassPath],
    ["a split right before a space", "X-Value", `${"a".repeat(72 - "X-Value: ".length)} tail`],
    ["a split right after a space", "X-Value", `${"a".repeat(72 - "X-Value: ".length - 1)} tail`],
    ["several continuation lines", "X-Long", "x".repeat(400)],
    ["a multi-byte UTF-8 value split between characters", "X-Unicode", "é".repeat(60)],
  ])("%s joins back exactly", (_name, header, value) => {
    const text = wrap72(header, value);
    expect(text.split("\r\n").length).toBeGreaterThan(2); // it did wrap
    for (const line of text.split("\r\n")) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(72);
    expect(parseManifest(text).get(header)).toBe(value);
  });

  it("only the first space of a continuation line is dropped", () => {
    expect(parseManifest("Class-Path: lib/a.jar\r\n  lib/b.jar\r\n").get("Class-Path")).toBe("lib/a.jar lib/b.jar");
  });

  it("a continuation line holding only the space adds nothing", () => {
    expect(parseManifest("Main-Class: app.Main\r\n \r\n").get("Main-Class")).toBe("app.Main");
  });

  it("continues the right header when there are several", () => {
    const manifest = parseManifest("A: one\r\n -two\r\nB: three\r\n -four\r\n -five\r\n");
    expect(manifest.get("A")).toBe("one-two");
    expect(manifest.get("B")).toBe("three-four-five");
  });

  /**
   * `Main-Class: app.xéé…` wrapped at exactly 72 bytes, as JDK 8's Manifest.write does: the
   * split falls between the two bytes of an "é" (the JAR spec only counts bytes;
   * java.util.jar.Manifest joins the bytes back before decoding them).
   */
  const splitValue = `app.x${"é".repeat(40)}`;
  const splitLine = Buffer.from(`Main-Class: ${splitValue}\r\n`, "utf8");
  const splitBytes = Buffer.concat([splitLine.subarray(0, 72), Buffer.from("\r\n "), splitLine.subarray(72)]);

  it("(the fixture below really splits a character)", () => {
    expect(splitLine[71]).toBe(0xc3);
    expect(splitLine[72]).toBe(0xa9);
    expect(splitBytes.toString("utf8").split("\r\n")[0]).not.toMatch(/é$/);
  });

  // Regression test (the bug is fixed): parseManifest takes already-decoded text, and both callers in app.ts decode the whole
  // file first (readFile(..., "utf8"), entry.toString("utf8")), so the two halves of a character
  // split at the wrap become two U+FFFD.
  it("a multi-byte UTF-8 character split across the 72-byte wrap joins back when given bytes", () => {
    expect(parseManifest(splitBytes).get("Main-Class")).toBe(splitValue);
  });
});

describe("parseManifest: names, sections, BOM", () => {
  it.each<[string, string]>([
    ["lower case", "main-class"],
    ["upper case", "MAIN-CLASS"],
    ["as written", "Main-Class"],
    ["mixed", "mAiN-cLaSs"],
  ])("header names are case-insensitive: %s", (_name, lookup) => {
    expect(parseManifest("Main-Class: app.Main\r\n").get(lookup)).toBe("app.Main");
  });

  it("a header written in lower case is found by its usual name", () => {
    expect(parseManifest("start-class: app.Main\r\n").get("Start-Class")).toBe("app.Main");
  });

  it("a missing header is undefined, an empty value is empty", () => {
    const manifest = parseManifest("Manifest-Version: 1.0\r\nX-Empty: \r\n");
    expect(manifest.get("Main-Class")).toBeUndefined();
    expect(manifest.get("X-Empty")).toBe("");
  });

  it("values keep their inner and trailing spaces and colons", () => {
    expect(parseManifest("X-Url: http://example.com/a b  \r\n").get("X-Url")).toBe("http://example.com/a b  ");
  });

  it("the main section ends at the first blank line", () => {
    const text = [
      "Manifest-Version: 1.0",
      "Main-Class: app.Main",
      "",
      "Name: app/Main.class",
      "SHA-256-Digest: abc",
      "Main-Class: other.Main",
      "",
      "Name: lib/",
      "Implementation-Title: lib",
      "",
    ].join("\r\n");
    const manifest = parseManifest(text);
    expect(manifest.get("Main-Class")).toBe("app.Main");
    expect(manifest.get("Name")).toBeUndefined();
    expect(manifest.get("SHA-256-Digest")).toBeUndefined();
    expect(manifest.get("Implementation-Title")).toBeUndefined();
  });

  it("a malformed per-entry section is not read (the main section ended before it)", () => {
    expect(parseManifest("Main-Class: app.Main\n\nnot a header\n").get("Main-Class")).toBe("app.Main");
  });

  it.each<[string, string]>([
    ["BOM then CRLF", "\uFEFFMain-Class: app.Main\r\n"],
    ["BOM then LF", "\uFEFFMain-Class: app.Main\n"],
    ["BOM decoded from bytes", Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from("Main-Class: app.Main\n")]).toString("utf8")],
  ])("a BOM is skipped: %s", (_name, text) => {
    expect(parseManifest(text).get("Main-Class")).toBe("app.Main");
  });

  it("an empty text is an empty manifest", () => {
    expect(parseManifest("").get("Main-Class")).toBeUndefined();
  });

  it.each<[string, number]>([
    ["a one-character name", 1],
    ["a 70-character name", 70],
  ])("accepts %s", (_name, length) => {
    const name = "X".repeat(length);
    expect(parseManifest(`${name}: v\r\n`).get(name)).toBe("v");
  });

  it("accepts digits, '-' and '_' in names", () => {
    expect(parseManifest("X_1-a: v\r\n").get("x_1-A")).toBe("v");
  });
});

describe("parseManifest: errors", () => {
  it.each<[string, string, number]>([
    ["a continuation with no header before it", " app.Main\r\n", 1],
    ["a continuation as the first line after a BOM", "\uFEFF continued\r\n", 1],
    ["no space after the colon", "Manifest-Version: 1.0\r\nMain-Class:app.Main\r\n", 2],
    ["no colon at all", "Manifest-Version: 1.0\r\nCreated-By: x\r\nMain-Class app.Main\r\n", 3],
    ["a space before the colon", "Main-Class : app.Main\r\n", 1],
    ["a '.' in the name", "A: 1\nMain.Class: app.Main\n", 2],
    ["a space in the name", "Main Class: app.Main\r\n", 1],
    ["a non-ASCII name", "Maïn-Class: app.Main\r\n", 1],
    ["a name starting with '-'", "-Main-Class: app.Main\r\n", 1],
    ["a name starting with '_'", "_Main-Class: app.Main\r\n", 1],
    ["an empty name", ": app.Main\r\n", 1],
    ["a 71-character name", `${"X".repeat(71)}: v\r\n`, 1],
    ["a bad line after a continuation (CR line ends)", "A: 1\r -2\rB:3\r", 3],
    ["a tab instead of the continuation space", "Class-Path: lib/a.jar\r\n\tlib/b.jar\r\n", 2],
  ])("%s -> ManifestError naming the source and line", (_name, text, line) => {
    const error = thrown(() => parseManifest(text, "/workspace/META-INF/MANIFEST.MF"));
    expect(error).toBeInstanceOf(ManifestError);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as Error).message).toMatch(new RegExp(`^/workspace/META-INF/MANIFEST\\.MF line ${line}: `));
    expect((error as ManifestError).fix).toContain("/workspace/META-INF/MANIFEST.MF");
  });

  it("the default source is META-INF/MANIFEST.MF", () => {
    expect(() => parseManifest("oops\n")).toThrow(/^META-INF\/MANIFEST\.MF line 1: /);
  });

  it("says what is wrong and quotes the line", () => {
    expect(() => parseManifest("Main-Class:app.Main\n", "x.jar!/META-INF/MANIFEST.MF")).toThrow(
      'x.jar!/META-INF/MANIFEST.MF line 1: not a "Name: value" header: "Main-Class:app.Main"',
    );
    expect(() => parseManifest(" x\n", "M")).toThrow("M line 1: a continuation line with no header before it");
  });
});

describe("parseManifest: bounds", () => {
  it("a line of 511 bytes passes, 512 is a ManifestError (java -jar fails on it: line too long)", () => {
    const line = (n: number) => `X-Long: ${"a".repeat(n - "X-Long: ".length)}`;
    expect(parseManifest(Buffer.from(`Main-Class: a.B\n${line(511)}\n`)).get("X-Long")).toHaveLength(503);
    const error = thrown(() => parseManifest(Buffer.from(`Main-Class: a.B\n${line(512)}\n`), "/workspace/META-INF/MANIFEST.MF"));
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as Error).message).toBe(
      '/workspace/META-INF/MANIFEST.MF line 2: a line of 512 bytes: Java refuses manifest lines over 511 bytes ("line too long"); wrap it with continuation lines',
    );
  });

  it("counts bytes, not characters, in text too", () => {
    expect(() => parseManifest(`X: ${"é".repeat(300)}\n`)).toThrow(/line 1: a line of 603 bytes/);
  });

  it("a long value in continuation lines is fine, and linear: 50,000 of them", () => {
    const text = `Class-Path: a\r\n${" lib/x.jar\r\n".repeat(50_000)}\r\n`;
    expect(parseManifest(text).get("Class-Path")).toHaveLength(1 + 9 * 50_000);
  });

  it("a manifest over 1 MiB is an error naming the file", () => {
    expect(() => parseManifest(Buffer.alloc(1024 * 1024 + 1, "a"), "app.jar!/META-INF/MANIFEST.MF")).toThrow(
      "app.jar!/META-INF/MANIFEST.MF is 1048577 bytes, over the limit of 1048576 for a JAR manifest",
    );
  });
});

describe("parseManifest on a manifest written by the JDK jar tool", () => {
  it("reads back a Class-Path the tool wrapped at 72 bytes", async () => {
    const classPath = Array.from({ length: 8 }, (_, i) => `lib/dependency-number-${i + 1}-1.0.0.jar`).join(" ");
    const dir = await tempdir({ "classes/app/Main.class": "not really a class", "extra.mf": `Class-Path: ${classPath}\n` });
    execFileSync("jar", ["--create", "--file", dir.join("x.jar"), "--main-class", "app.Main", "--manifest", dir.join("extra.mf"), "-C", dir.join("classes"), "."], {
      stdio: "pipe",
    });

    const bytes = await readZipEntry(dir.join("x.jar"), "META-INF/MANIFEST.MF");
    expect(bytes).toBeDefined();
    const text = bytes!.toString("utf8");
    // The tool did wrap it: continuation lines, no line over 72 bytes.
    expect(text).toMatch(/\r\n [^ ]/);
    for (const line of text.split("\r\n")) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(72);

    const manifest = parseManifest(text, "x.jar!/META-INF/MANIFEST.MF");
    expect(manifest.get("Class-Path")).toBe(classPath);
    expect(manifest.get("Main-Class")).toBe("app.Main");
    expect(manifest.get("Manifest-Version")).toBe("1.0");
    expect(manifest.get("Created-By")).toBeDefined();
  });
});
