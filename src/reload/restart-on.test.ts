import { describe, expect, it } from "vitest";
import { globProblem } from "./config.ts";
import { DEPENDENCY_MANIFESTS, restartFilters, restartGlob } from "./restart-on.ts";

describe("restartFilters (globs relative to the app dir -> watchexec --filter patterns)", () => {
  it.each<[string, string[], string[]]>([
    // Anchored with "/": a pattern with no "/" would match the name at any depth.
    ["a file at the top of the app dir", ["package.json"], ["/package.json", "/package.json/**"]],
    ["a dir and what is inside it", ["src"], ["/src", "/src/**"]],
    ["a glob already ending in /** is not doubled", ["src/**"], ["/src/**"]],
    ["any depth, when asked for", ["**/package.json"], ["/**/package.json", "/**/package.json/**"]],
    ["everything", ["**"], ["/**"]],
    ["a wildcard stays within one dir", ["requirements*.txt"], ["/requirements*.txt", "/requirements*.txt/**"]],
    ["several, in order", ["server", "lib/*.so"], ["/server", "/server/**", "/lib/*.so", "/lib/*.so/**"]],
    ["none", [], []],
  ])("%s", (_, globs, filters) => {
    expect(restartFilters(globs)).toEqual(filters);
  });

  it("never gives watchexec a pattern it reads as an option or as absolute-and-unmatchable", () => {
    for (const filter of restartFilters(DEPENDENCY_MANIFESTS)) expect(filter).toMatch(/^\/[^/]/);
  });
});

describe("restartGlob", () => {
  it.each<[string, string]>([
    ["package.json", "package.json"],
    ["./package.json", "package.json"],
    ["././src/", "src"],
    ["src///", "src"],
    ["/app/src/main.go", "src/main.go"],
    ["a/./b", "a/b"],
  ])("%j -> %j", (written, glob) => {
    expect(restartGlob(written, "/app")).toEqual({ glob });
  });

  it.each(["!x", "/app", "/", "/other/x", "/application/x", "..", "../x", "a/../../x", "a/..", ".", "./", "/app/"])("%j is refused", (written) => {
    expect(restartGlob(written, "/app")).toHaveProperty("problem");
  });
});

describe("DEPENDENCY_MANIFESTS", () => {
  it("are the manifests and lock files of the common ecosystems, each a glob watchexec accepts", () => {
    expect(DEPENDENCY_MANIFESTS).toEqual([
      "package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml",
      "requirements*.txt", "pyproject.toml", "Pipfile", "Pipfile.lock", "poetry.lock",
      "Gemfile", "Gemfile.lock",
      "go.mod", "go.sum",
      "pom.xml", "build.gradle", "build.gradle.kts", "settings.gradle*",
      "Cargo.toml", "Cargo.lock",
    ]);
    for (const glob of DEPENDENCY_MANIFESTS) {
      expect(globProblem(glob)).toBeUndefined();
      expect(restartGlob(glob, "/workspace")).toEqual({ glob });
    }
  });
});
