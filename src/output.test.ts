import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, formatTable, streamLogger } from "./output.ts";

describe("formatTable", () => {
  it.each<[string, string[][], string[]]>([
    ["no rows", [], []],
    ["one cell", [["a"]], ["a"]],
    [
      "left-aligned columns, two spaces apart",
      [
        ["Variable", "Value", "Description"],
        ["BP_LIVE_RELOAD_ENABLED", "true", "whether to reload"],
        ["BP_X", "", "x"],
      ],
      ["Variable                Value  Description", "BP_LIVE_RELOAD_ENABLED  true   whether to reload", "BP_X                           x"],
    ],
    ["the last column is not padded", [["a", "long last cell"], ["bb", "x"]], ["a   long last cell", "bb  x"]],
    ["an empty last cell leaves no trailing space", [["name", ""], ["n", "v"]], ["name", "n     v"]],
    ["rows of different lengths", [["a", "b", "c"], ["longer"]], ["a       b  c", "longer"]],
    ["a short row ends at its own last cell", [["a", "bbbb", "c"], ["aaa", "b"]], ["a    bbbb  c", "aaa  b"]],
  ])("%s", (_name, rows, expected) => {
    expect(formatTable(rows)).toEqual(expected);
  });

  it("every non-last column starts at the same offset", () => {
    const lines = formatTable([
      ["Variable", "Value", "Default", "Description"],
      ["BP_LIVE_RELOAD_DEBOUNCE", "100ms", "50ms", "window"],
      ["BP_WATCHEXEC_VERSION", "*", "*", "version"],
    ]);
    expect(new Set([lines[0]!.indexOf("Value"), lines[1]!.indexOf("100ms"), lines[2]!.indexOf("*")]).size).toBe(1);
    expect(new Set([lines[0]!.indexOf("Default"), lines[1]!.indexOf("50ms"), lines[2]!.lastIndexOf("*")]).size).toBe(1);
    expect(lines[0]!.indexOf("Description")).toBe(lines[1]!.indexOf("window"));
    expect(lines[2]!.indexOf("version")).toBe(lines[1]!.indexOf("window"));
  });
});

describe("formatDuration", () => {
  it.each<[number, string]>([
    [0, "0ms"],
    [0.4, "0ms"],
    [1, "1ms"],
    [12.5, "13ms"],
    [999, "999ms"],
    [1000, "1.0s"],
    [1049, "1.0s"],
    [1050, "1.1s"],
    [1500, "1.5s"],
    [61_000, "61.0s"],
  ])("%d ms -> %s", (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });

  // Regression test (the bug is fixed): just under a second rounds up to "1000ms" instead of switching to "1.0s".
  it("999.6 ms -> 1.0s", () => {
    expect(formatDuration(999.6)).toBe("1.0s");
  });
});

describe("formatBytes", () => {
  it.each<[number, string]>([
    [0, "0 B"],
    [1, "1 B"],
    [1023, "1023 B"],
    [1024, "1.0 KiB"],
    [1536, "1.5 KiB"],
    [1024 * 1024 - 1024, "1023.0 KiB"],
    [1024 * 1024, "1.0 MiB"],
    [5.25 * 1024 * 1024, "5.3 MiB"],
    [3 * 1024 * 1024 * 1024, "3072.0 MiB"],
  ])("%d -> %s", (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });

  // Regression test (the bug is fixed): sizes just under 1 MiB round up to "1024.0 KiB" instead of "1.0 MiB".
  it("1048575 -> 1.0 MiB", () => {
    expect(formatBytes(1024 * 1024 - 1)).toBe("1.0 MiB");
  });
});

describe("streamLogger", () => {
  it("indents by level and sends warnings to the error stream", () => {
    const out = new PassThrough();
    const err = new PassThrough();
    const logger = streamLogger(out, err);
    logger.title("Reloadable", "0.1.0", "https://example.com");
    logger.header("Header");
    logger.detail("detail");
    logger.subDetail("sub");
    logger.blank();
    logger.warn("careful");
    expect(String(out.read())).toBe("Reloadable 0.1.0\n  https://example.com\n  Header\n    detail\n      sub\n\n");
    expect(String(err.read())).toBe("  WARNING: careful\n");
  });
});
