import { isAbsolute, posix, relative } from "node:path";

/**
 * Restart by path (BP_LIVE_RELOAD_RESTART_ON): only changes to matching paths restart the
 * process; the rest is left to the app (a dev command with its own watcher, an app that reloads
 * its own libraries). The globs are relative to the app dir and become watchexec `--filter`s.
 */
export const RESTART_ON = "BP_LIVE_RELOAD_RESTART_ON";

/**
 * What restarts a dev command when RESTART_ON is unset: the dependency manifests of the common
 * ecosystems. A dev command (nodemon, `flask --debug`, `rails server`) reloads sources itself,
 * but a new dependency needs a new process.
 */
export const DEPENDENCY_MANIFESTS: readonly string[] = [
  // Node.js
  "package.json",
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  // Python
  "requirements*.txt",
  "pyproject.toml",
  "Pipfile",
  "Pipfile.lock",
  "poetry.lock",
  // Ruby
  "Gemfile",
  "Gemfile.lock",
  // Go
  "go.mod",
  "go.sum",
  // JVM
  "pom.xml",
  "build.gradle",
  "build.gradle.kts",
  "settings.gradle*",
  // Rust
  "Cargo.toml",
  "Cargo.lock",
];

export type RestartGlob = { glob: string } | { problem: string; fix?: string };

/**
 * One glob as the user wrote it, relative to the app dir, in the form the filters are made from
 * (see restartFilters): `./` and a trailing `/` dropped, an absolute path inside the app dir made
 * relative (watchexec never matches an absolute pattern). A leading `!` (which watchexec reads as
 * "let this through after all"), `..` and a glob naming the app dir itself are refused. The glob
 * syntax itself is checked by the caller (config.ts globProblem).
 */
export function restartGlob(written: string, appDir: string): RestartGlob {
  if (written.startsWith("!")) {
    return {
      problem: `has "${written}": a leading "!" makes watchexec let through what an earlier glob matched, and a list of only such globs would restart on every change`,
      fix: `List only the paths that restart; to keep paths from restarting anything, add them to BP_LIVE_RELOAD_IGNORE.`,
    };
  }
  let path = written;
  if (isAbsolute(path)) {
    const inside = relative(appDir, path);
    if (inside === "" || inside === ".." || inside.startsWith("../") || isAbsolute(inside)) {
      return {
        problem: `has "${written}", an absolute path ${inside === "" ? "naming the app dir itself" : `outside the app dir (${appDir})`}: the globs are relative to the app dir`,
        fix: `Write each glob relative to the app dir, e.g. package.json or src/config/**.`,
      };
    }
    path = inside;
  }
  if (path.split("/").includes("..")) {
    return { problem: `has "${written}", which leaves the app dir ("..")`, fix: `Write each glob relative to the app dir, without "..".` };
  }
  path = posix.normalize(path).replace(/\/+$/, "");
  if (path === "" || path === ".") {
    return {
      problem: `has "${written}", which names the app dir itself, not the paths in it`,
      fix: `Name the paths that restart (e.g. package.json); ** matches every path.`,
    };
  }
  return { glob: path };
}

/**
 * The watchexec `--filter` patterns for globs relative to the app dir. watchexec 2.5.1 matches
 * filters the way gitignore matches lines: a pattern with no `/` matches a name at ANY depth,
 * one with a `/` is anchored at the project origin, an absolute path never matches, and a
 * pattern matching a dir does not match the files inside it. Each glob is therefore anchored
 * with a leading `/` (so `package.json` is the app dir's own, `**\/package.json` any), and also
 * given as `<glob>/**`, so that a glob naming a dir covers what is in it. The project origin
 * must be the app dir (`--project-origin`): left alone, watchexec 2.5.1 takes the process's
 * working dir, because it resolves the origin before it reads the watched paths.
 */
export function restartFilters(globs: readonly string[]): string[] {
  return globs.flatMap((glob) => (glob === "**" || glob.endsWith("/**") ? [`/${glob}`] : [`/${glob}`, `/${glob}/**`]));
}
