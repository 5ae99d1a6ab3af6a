// The edits of issue 16's hot swap tests and bench, one edit type each, applied in order to the
// Spring Boot example and to the java-plain fixture, compiled for real (Maven, javac) before any
// app runs. Each state is the whole set of class files after its edit; a sync sends the class
// files that differ from the state before.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fixturesDir } from "./paths.ts";
import type { JavaWorkspace, SpringBootBuild } from "./java-apps.ts";

/** Which way a sync is expected to reach the app. */
export type ReloadPath = "hot swap" | "restart";

export interface Edit {
  /** The edit type, as the issue names it. */
  name: string;
  /** Source files (relative to the checkout) written before compiling. */
  sources: Record<string, string>;
  /** What shows the edit: GET this path, expect this body (trimmed). */
  request: string;
  body: string;
  path: ReloadPath;
  /** Hot swap: how many classes are redefined. Restart: what the line says about why. */
  redefined?: number;
  reason?: RegExp;
}

/** One state of the app: every class file (relative to the class dir) and its bytes. */
export type ClassState = Map<string, Buffer>;

export interface CompiledEdit extends Edit {
  /** The class files that differ from the state before (relative to the class dir). */
  changed: Record<string, Buffer>;
  /** The class files of the state before that this edit changed, for going back (the bench). */
  undo: Record<string, Buffer>;
}

/** The files of `to` that differ from `from` (or that `from` lacks). */
export function classDiff(from: ClassState, to: ClassState): Record<string, Buffer> {
  const changed: Record<string, Buffer> = {};
  for (const [file, bytes] of to) if (!from.get(file)?.equals(bytes)) changed[file] = bytes;
  return changed;
}

function readClasses(dir: string): ClassState {
  const state: ClassState = new Map();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".class")) continue;
    const path = join(entry.parentPath, entry.name);
    state.set(relative(dir, path), readFileSync(path));
  }
  return state;
}

function compileEdits(edits: readonly Edit[], base: ClassState, compile: (edit: Edit) => ClassState): CompiledEdit[] {
  let before = base;
  return edits.map((edit) => {
    const after = compile(edit);
    const changed = classDiff(before, after);
    if (Object.keys(changed).length === 0) throw new Error(`edit "${edit.name}" changed no class file`);
    const undo = classDiff(after, before);
    for (const file of Object.keys(undo)) if (!after.has(file)) delete undo[file];
    before = after;
    return { ...edit, changed, undo };
  });
}

// --- The Spring Boot example ---------------------------------------------------------------------

const CONTROLLER = "src/main/java/com/example/reloadable/GreetingController.java";
const PUNCTUATION = "src/main/java/com/example/reloadable/Punctuation.java";

function controller(options: { greeting?: string; word?: string; repeat: number; mark: "none" | "field" | "class"; tailMapping?: boolean }): string {
  const tail = options.word === undefined;
  const mark = options.mark === "class" ? "Punctuation.mark()" : options.mark === "field" ? "mark" : '"!"';
  return `package com.example.reloadable;

import java.util.function.Supplier;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class GreetingController {
${options.mark !== "none" ? '\n  private final String mark = "?";\n' : ""}
  @GetMapping("/")
  public String greeting() {
    return "${options.greeting ?? "hello"} from spring boot " + ${tail ? '"s1"' : "tail()"} + "\\n";
  }
${
  tail
    ? ""
    : `
${options.tailMapping === true ? '  @GetMapping("/tail")\n' : ""}  public String tail() {
    Supplier<String> word = () -> "${options.word}";
    return word.get() + ${mark}.repeat(${options.repeat});
  }
`
}}
`;
}

function punctuation(mark: string): string {
  return `package com.example.reloadable;

/** A class the controller starts to use after the app started: it loads on first use. */
final class Punctuation {
  private Punctuation() {}

  static String mark() {
    return "${mark}";
  }
}
`;
}

/** The Spring Boot edits, in order, starting from the example as it is. */
export const SPRING_EDITS: readonly Edit[] = [
  { name: "method body change", sources: { [CONTROLLER]: controller({ repeat: 1, mark: "none" }) }, request: "/", body: "hello from spring boot s1", path: "hot swap", redefined: 1 },
  {
    name: "new method",
    sources: { [CONTROLLER]: controller({ word: "s2", repeat: 1, mark: "none" }) },
    request: "/",
    body: "hello from spring boot s2!",
    path: "restart",
    reason: /com\.example\.reloadable\.GreetingController added a method tail\(\)/,
  },
  { name: "changed constant in a method", sources: { [CONTROLLER]: controller({ word: "s2", repeat: 3, mark: "none" }) }, request: "/", body: "hello from spring boot s2!!!", path: "hot swap", redefined: 1 },
  {
    name: "new field",
    sources: { [CONTROLLER]: controller({ word: "s2", repeat: 3, mark: "field" }) },
    request: "/",
    body: "hello from spring boot s2???",
    path: "restart",
    reason: /com\.example\.reloadable\.GreetingController added a field mark/,
  },
  {
    name: "annotation change (a new @GetMapping)",
    sources: { [CONTROLLER]: controller({ word: "s2", repeat: 3, mark: "field", tailMapping: true }) },
    request: "/tail",
    body: "s2???",
    path: "restart",
    reason: /com\.example\.reloadable\.GreetingController changed the annotations of method tail\(\) \(frameworks read them at startup\)/,
  },
  {
    name: "new class",
    sources: { [CONTROLLER]: controller({ word: "s2", repeat: 3, mark: "class", tailMapping: true }), [PUNCTUATION]: punctuation("!") },
    request: "/",
    body: "hello from spring boot s2!!!",
    path: "hot swap",
    redefined: 1,
  },
  { name: "lambda body change", sources: { [CONTROLLER]: controller({ word: "lambda", repeat: 3, mark: "class", tailMapping: true }) }, request: "/", body: "hello from spring boot lambda!!!", path: "hot swap", redefined: 1 },
  {
    name: "two classes changed in one sync",
    sources: { [CONTROLLER]: controller({ greeting: "hi", word: "lambda", repeat: 3, mark: "class", tailMapping: true }), [PUNCTUATION]: punctuation(".") },
    request: "/",
    body: "hi from spring boot lambda...",
    path: "hot swap",
    redefined: 2,
  },
];

export interface SpringEdits {
  spring: SpringBootBuild;
  /** The edits, each compiled by `mvn -o compile` in the checkout; paths relative to target/classes. */
  edits: CompiledEdit[];
}

/**
 * The example packaged by Maven (its first state), then each edit written and compiled with
 * `mvn -o compile` as an IDE or a developer would, in the same checkout.
 */
export function compileSpringEdits(java: JavaWorkspace, edits: readonly Edit[] = SPRING_EDITS): SpringEdits {
  const spring = java.buildSpringBoot();
  const classes = join(spring.checkout, "target", "classes");
  const compiled = compileEdits(edits, readClasses(classes), (edit) => {
    for (const [file, text] of Object.entries(edit.sources)) writeFileSync(join(spring.checkout, file), text);
    execFileSync("mvn", ["-o", "-q", "-B", "compile"], { cwd: spring.checkout, stdio: "pipe" });
    return readClasses(classes);
  });
  return { spring, edits: compiled };
}

// --- The plain app (integration/fixtures/apps/java-plain) ------------------------------------------

const PLAIN_SOURCES = join(fixturesDir, "apps", "java-plain");
const MAIN = "src/app/Main.java";
const GREETING = "src/app/Greeting.java";
const MARK = "src/app/Mark.java";

function greeting(options: { hello?: string; word?: string; repeat?: number; mark?: "literal" | "field" | "class"; deprecated?: boolean }): string {
  const mark = options.mark === "class" ? "Mark.mark()" : options.mark === "field" ? "MARK" : '"!"';
  const tail =
    options.word === undefined
      ? ""
      : `
  static final String MARK = "?";
`.repeat(options.mark === "field" || options.mark === "class" ? 1 : 0) +
        `
${options.deprecated === true ? "  @Deprecated\n" : ""}  static String tail() {
    Supplier<String> word = () -> "${options.word}";
    return word.get() + ${mark}.repeat(${options.repeat ?? 1});
  }
`;
  return `package app;

import java.util.function.Supplier;

/** The app's answer (see the fixture's Greeting.java); these versions are the hot swap edits. */
public final class Greeting {
  private Greeting() {}

  static String text() {
    return "${options.hello ?? "hello"} " + ${options.word === undefined ? '"p1"' : "tail()"};
  }
${tail}}
`;
}

function mark(text: string): string {
  return `package app;

/** Used by Greeting from the "new class" edit on: it loads on first use. */
final class Mark {
  private Mark() {}

  static String mark() {
    return "${text}";
  }
}
`;
}

/** Main with its HTTP handler lambda answering `[greeting]` instead of the greeting. */
function bracketedMain(): string {
  const source = readFileSync(join(PLAIN_SOURCES, MAIN), "utf8");
  const edited = source.replace("util.Util.line(Greeting.text())", 'util.Util.line("[" + Greeting.text() + "]")');
  if (edited === source) throw new Error(`${MAIN} has no util.Util.line(Greeting.text()) to edit`);
  return edited;
}

/** The plain app's edits, in order, starting from the fixture (greeting "hello v1"). */
export const PLAIN_EDITS: readonly Edit[] = [
  { name: "method body change", sources: { [GREETING]: greeting({}) }, request: "/", body: "hello p1", path: "hot swap", redefined: 1 },
  { name: "new method", sources: { [GREETING]: greeting({ word: "p2" }) }, request: "/", body: "hello p2!", path: "restart", reason: /app\.Greeting added a method tail\(\)/ },
  { name: "changed constant in a method", sources: { [GREETING]: greeting({ word: "p2", repeat: 3 }) }, request: "/", body: "hello p2!!!", path: "hot swap", redefined: 1 },
  { name: "new field", sources: { [GREETING]: greeting({ word: "p2", repeat: 3, mark: "field" }) }, request: "/", body: "hello p2???", path: "restart", reason: /app\.Greeting added a field MARK/ },
  {
    name: "annotation change (@Deprecated on a method, and its body)",
    sources: { [GREETING]: greeting({ word: "p5", repeat: 3, mark: "field", deprecated: true }) },
    request: "/",
    body: "hello p5???",
    path: "restart",
    reason: /app\.Greeting changed the annotations of method tail\(\)/,
  },
  { name: "new class", sources: { [GREETING]: greeting({ word: "p5", repeat: 3, mark: "class", deprecated: true }), [MARK]: mark("!") }, request: "/", body: "hello p5!!!", path: "hot swap", redefined: 1 },
  { name: "lambda body change (the HTTP handler made at startup)", sources: { [MAIN]: bracketedMain() }, request: "/", body: "[hello p5!!!]", path: "hot swap", redefined: 1 },
  {
    name: "two classes changed in one sync",
    sources: { [GREETING]: greeting({ hello: "hi", word: "p5", repeat: 3, mark: "class", deprecated: true }), [MARK]: mark(".") },
    request: "/",
    body: "[hi p5...]",
    path: "hot swap",
    redefined: 2,
  },
];

export interface PlainEdits {
  /** The app as build.sh lays it out (greeting "hello v1"): the first state. */
  app: string;
  /** Paths relative to the app dir (the class dir of the exploded JAR). */
  edits: CompiledEdit[];
}

/** The fixture built by its build.sh, then each edit compiled by javac from the sources so far. */
export function compilePlainEdits(java: JavaWorkspace, edits: readonly Edit[] = PLAIN_EDITS): PlainEdits {
  const app = java.buildPlain("hello v1");
  const sources = java.tempDir("plain-sources");
  cpSync(join(PLAIN_SOURCES, "src"), join(sources, "src"), { recursive: true });
  const compiled = compileEdits(edits, readClasses(join(app, "app")), (edit) => {
    for (const [file, text] of Object.entries(edit.sources)) {
      mkdirSync(dirname(join(sources, file)), { recursive: true });
      writeFileSync(join(sources, file), text);
    }
    const out = join(sources, "classes");
    rmSync(out, { recursive: true, force: true });
    const files = readdirSync(join(sources, "src", "app")).map((f) => join(sources, "src", "app", f));
    execFileSync("javac", ["--release", "17", "-encoding", "UTF-8", "-nowarn", "-cp", join(app, "lib", "util.jar"), "-d", out, ...files], { stdio: "pipe" });
    return readClasses(join(out, "app"));
  });
  // Paths relative to the app dir: the classes are in app/.
  const prefixed = (files: Record<string, Buffer>) => Object.fromEntries(Object.entries(files).map(([file, bytes]) => [join("app", file), bytes]));
  return { app, edits: compiled.map((edit) => ({ ...edit, changed: prefixed(edit.changed), undo: prefixed(edit.undo) })) };
}
