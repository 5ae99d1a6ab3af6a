// What the hot swap agent decides for each kind of change, on classes javac really compiled:
// every case is a source before and after, both compiled (all cases in one javac run each,
// one package per case), then judged by the agent's own `check` command (Main.java), which runs
// the same code as a sync (ClassFile, Compatibility).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const sources = join(dirname(fileURLToPath(import.meta.url)));

/** Sources by class name (in the case's package); `expected` by class name. */
interface Case {
  name: string;
  before: Record<string, string>;
  after: Record<string, string>;
  expected: Record<string, string | RegExp>;
}

const cls = (body: string, header = "public class A") => `${header} {\n${body}\n}\n`;
const ANNOTATION = `import java.lang.annotation.*;\n@Retention(RetentionPolicy.RUNTIME) public @interface Path { String value(); }`;
const CLASS_RETAINED = `import java.lang.annotation.*;\n@Retention(RetentionPolicy.CLASS) public @interface Note { String value(); }`;
const COMPONENT = `import java.lang.annotation.*;\n@Retention(RetentionPolicy.RUNTIME) @Target(ElementType.TYPE) public @interface Component {}`;
const manyStrings = Array.from({ length: 300 }, (_, i) => `"s${i}"`).join(", ");

const CASES: Case[] = [
  { name: "a method body change", before: { A: cls('String f() { return "a"; }') }, after: { A: cls('String f() { return "b" + System.nanoTime(); }') }, expected: { A: "hot swap" } },
  { name: "a changed constant in a method", before: { A: cls("int f() { return 40 + 2; }") }, after: { A: cls("int f() { return 40 + 3; }") }, expected: { A: "hot swap" } },
  { name: "a blank line (only line numbers move)", before: { A: cls("int f() { return 1; }") }, after: { A: cls("\n\nint f() { return 1; }") }, expected: { A: "hot swap" } },
  { name: "the same source compiled again", before: { A: cls("int f() { return 1; }") }, after: { A: cls("int f() { return 1; }") }, expected: { A: "unchanged" } },
  { name: "a new method", before: { A: cls("int f() { return 1; }") }, after: { A: cls("int f() { return g(); }\nint g() { return 1; }") }, expected: { A: "restart: added a method g()" } },
  { name: "a removed method", before: { A: cls("int f() { return 1; }\nvoid g(String s, int[] n) {}") }, after: { A: cls("int f() { return 1; }") }, expected: { A: "restart: removed a method g(String, int[])" } },
  { name: "a new field", before: { A: cls("int f() { return 1; }") }, after: { A: cls("int count;\nint f() { return 1; }") }, expected: { A: "restart: added a field count" } },
  { name: "a removed field", before: { A: cls("static int count;") }, after: { A: cls("") }, expected: { A: "restart: removed a field count" } },
  { name: "a field of another type", before: { A: cls("static int count;") }, after: { A: cls("static long count;") }, expected: { A: "restart: added a field count; removed a field count" } },
  { name: "fields reordered", before: { A: cls("static int a; static int b;") }, after: { A: cls("static int b; static int a;") }, expected: { A: "restart: reordered its fields" } },
  { name: "a method made private", before: { A: cls("public int f() { return 1; }") }, after: { A: cls("private int f() { return 1; }") }, expected: { A: "restart: changed the modifiers of method f()" } },
  { name: "a new superclass", before: { A: cls(""), B: cls("", "public class B") }, after: { A: cls("", "public class A extends B"), B: cls("", "public class B") }, expected: { A: /^restart: changed its superclass to c\d+\.B/, B: "unchanged" } },
  { name: "a new interface", before: { A: cls("public void run() {}") }, after: { A: cls("public void run() {}", "public class A implements Runnable") }, expected: { A: "restart: changed the interfaces it implements" } },
  { name: "the class made final", before: { A: cls("") }, after: { A: cls("", "public final class A") }, expected: { A: "restart: changed its modifiers" } },
  {
    name: "a run-time annotation on the class",
    before: { A: cls(""), Path: ANNOTATION },
    after: { A: cls("", '@Path("/a") public class A'), Path: ANNOTATION },
    expected: { A: "restart: changed its annotations (frameworks read them at startup)", Path: "unchanged" },
  },
  {
    name: "a request-mapping-like annotation's value on a method",
    before: { A: cls('@Path("/a") public String f() { return "x"; }'), Path: ANNOTATION },
    after: { A: cls('@Path("/b") public String f() { return "x"; }'), Path: ANNOTATION },
    expected: { A: "restart: changed the annotations of method f() (frameworks read them at startup)", Path: "unchanged" },
  },
  {
    name: "a new run-time annotation on a method, body unchanged",
    before: { A: cls('public String f() { return "x"; }'), Path: ANNOTATION },
    after: { A: cls('@Path("/f") public String f() { return "x"; }'), Path: ANNOTATION },
    expected: { A: "restart: changed the annotations of method f() (frameworks read them at startup)", Path: "unchanged" },
  },
  {
    name: "a parameter annotation",
    before: { A: cls("public String f(String q) { return q; }"), Path: ANNOTATION },
    after: { A: cls('public String f(@Path("q") String q) { return q; }'), Path: ANNOTATION },
    expected: { A: "restart: changed the annotations of method f(String) (frameworks read them at startup)", Path: "unchanged" },
  },
  {
    name: "an annotation on a field",
    before: { A: cls('@Path("a") int x;'), Path: ANNOTATION },
    after: { A: cls('@Path("b") int x;'), Path: ANNOTATION },
    expected: { A: /^restart: changed the annotations of field x/, Path: "unchanged" },
  },
  {
    name: "a class-retained annotation (not visible at run time)",
    before: { A: cls('@Note("a") int f() { return 1; }'), Note: CLASS_RETAINED },
    after: { A: cls('@Note("b") int f() { return 1; }'), Note: CLASS_RETAINED },
    expected: { A: "hot swap", Note: "unchanged" },
  },
  { name: "a changed static final constant", before: { A: cls("static final int MAX = 3;\nint f() { return MAX; }") }, after: { A: cls("static final int MAX = 5;\nint f() { return MAX; }") }, expected: { A: "restart: changed the constant MAX (the field keeps its old value)" } },
  {
    name: "a changed static initializer",
    before: { A: cls('static final java.util.List<String> NAMES = java.util.List.of("a");') },
    after: { A: cls('static final java.util.List<String> NAMES = java.util.List.of("a", "b");') },
    expected: { A: "restart: changed its static initializer (static fields keep the values it gave them)" },
  },
  {
    name: "a changed field initializer (the constructor)",
    before: { A: cls('String greeting = new String("hi");') },
    after: { A: cls('String greeting = new String("hello");') },
    expected: { A: "restart: changed a constructor (objects made before keep the state it gave them)" },
  },
  {
    name: "a method body with 300 new constants: the unchanged constructor still compares equal",
    before: { A: cls('String greeting = new String("hi");\nint f() { return 1; }') },
    after: { A: cls(`String greeting = new String("hi");\nint f() { return java.util.List.of(${manyStrings}).size(); }`) },
    expected: { A: "hot swap" },
  },
  {
    name: "a lambda body change",
    before: { A: cls('java.util.function.Supplier<String> f() { return () -> "a"; }') },
    after: { A: cls('java.util.function.Supplier<String> f() { return () -> "b"; }') },
    expected: { A: "hot swap" },
  },
  {
    name: "a new lambda before an existing one (the names shift)",
    before: { A: cls('Runnable f() { return () -> System.out.println("x"); }') },
    after: { A: cls('Runnable f() { java.util.function.Supplier<String> s = () -> "new"; s.get(); return () -> System.out.println("x"); }') },
    expected: { A: /^restart: added a method lambda\$f\$1\(\)/ },
  },
  {
    name: "two methods with lambdas swapped in the source (the names shift)",
    before: { A: cls('Runnable a() { return () -> System.out.println("a"); }\nRunnable b() { return () -> System.out.println("b"); }') },
    after: { A: cls('Runnable b() { return () -> System.out.println("b"); }\nRunnable a() { return () -> System.out.println("a"); }') },
    expected: { A: /^restart: added a method lambda\$a\$1\(\)/ },
  },
  {
    name: "two lambdas of one interface swapped in a method (same names, bodies moved)",
    before: { A: cls('Runnable[] f() { return new Runnable[] { () -> System.out.println("a"), () -> System.out.println("b") }; }') },
    after: { A: cls('Runnable[] f() { return new Runnable[] { () -> System.out.println("b"), () -> System.out.println("a") }; }') },
    expected: { A: "restart: renumbered its lambdas (a lambda made before would run another lambda's code)" },
  },
  {
    name: "two lambdas of two interfaces of one shape swapped (same names, other call sites)",
    before: { A: cls('interface Task { void run(); }\nObject[] f() { Runnable r = () -> {}; Task t = () -> {}; return new Object[] { r, t }; }') },
    after: { A: cls('interface Task { void run(); }\nObject[] f() { Task t = () -> {}; Runnable r = () -> {}; return new Object[] { r, t }; }') },
    expected: { A: "restart: renumbered its lambdas (a lambda made before would run another lambda's code)", A$Task: "unchanged" },
  },
  {
    name: "a new anonymous class in a method",
    before: { A: cls("Runnable f() { return null; }") },
    after: { A: cls("Runnable f() { return new Runnable() { public void run() {} }; }") },
    expected: { A: "restart: added or removed a nested class", A$1: "new" },
  },
  { name: "a new plain class", before: { A: cls("int f() { return 1; }") }, after: { A: cls("int f() { return B.g(); }"), B: cls("static int g() { return 1; }", "class B") }, expected: { A: "hot swap", B: "new" } },
  {
    name: "a new class that frameworks find by scanning",
    before: { A: cls(""), Component: COMPONENT },
    after: { A: cls(""), Component: COMPONENT, B: cls("", "@Component class B") },
    expected: { A: "unchanged", Component: "unchanged", B: "new (@Component: restart)" },
  },
  { name: "an enum constant added", before: { E: "public enum E { A }" }, after: { E: "public enum E { A, B }" }, expected: { E: /^restart: added a field B/ } },
  { name: "a record component added", before: { R: "public record R(int a) {}" }, after: { R: "public record R(int a, int b) {}" }, expected: { R: /^restart: changed its record components/ } },
  { name: "a removed class", before: { A: cls(""), B: cls("", "class B") }, after: { A: cls("") }, expected: { A: "unchanged", B: "removed" } },
];

let work: string;
let classes: string;

/** Compiles the agent, and every case's before and after sources in one javac run each. */
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "hotswap-compat-"));
  classes = join(work, "agent");
  const agentSources = readdirSync(join(sources, "reloadable", "hotswap")).filter((f) => f.endsWith(".java")).map((f) => join(sources, "reloadable", "hotswap", f));
  execFileSync("javac", ["--release", "8", "-d", classes, ...agentSources], { stdio: "pipe" });
  for (const side of ["before", "after"] as const) {
    const files: string[] = [];
    CASES.forEach((c, i) => {
      for (const [name, source] of Object.entries(c[side])) {
        const file = join(work, `${side}-src`, `c${i}`, `${name}.java`);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, `package c${i};\n${source}`);
        files.push(file);
      }
    });
    execFileSync("javac", ["--release", "17", "-nowarn", "-d", join(work, side), ...files], { stdio: "pipe" });
  }
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

function verdicts(): Map<string, string> {
  const out = execFileSync("java", ["-cp", classes, "reloadable.hotswap.Main", "check", join(work, "before"), join(work, "after")], { encoding: "utf8" });
  return new Map(out.trim().split("\n").map((line) => [line.slice(0, line.indexOf(": ")), line.slice(line.indexOf(": ") + 2)] as const));
}

describe("the agent's verdict on each kind of change (java -jar reloadable-hotswap.jar check)", () => {
  let all: Map<string, string>;
  beforeAll(() => {
    all = verdicts();
  });

  it("judges every class of every case, and nothing else", () => {
    const expected = CASES.flatMap((c, i) => [...new Set([...Object.keys(c.before), ...Object.keys(c.after), ...Object.keys(c.expected)])].map((name) => `c${i}.${name}`));
    expect([...all.keys()].sort()).toEqual(expected.sort());
  });

  it.each(CASES.map((c, i) => [c.name, i, c] as const))("%s", (_name, i, c) => {
    for (const [name, expected] of Object.entries(c.expected)) {
      const verdict = all.get(`c${i}.${name}`);
      if (typeof expected === "string") expect(verdict, name).toBe(expected);
      else expect(verdict, name).toMatch(expected);
    }
  });
});

describe("check: bad input", () => {
  it("usage errors exit 2", () => {
    let status: number | undefined;
    try {
      execFileSync("java", ["-cp", classes, "reloadable.hotswap.Main", "compare", "a"], { stdio: "pipe" });
    } catch (error) {
      status = (error as { status: number }).status;
    }
    expect(status).toBe(2);
  });

  it("a file that is no class file, or one cut short, is a restart with the reason", () => {
    const good = join(work, "before", "c0", "A.class");
    const bad = join(work, "bad");
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, "text.class"), "not a class");
    const truncated = join(bad, "cut.class");
    writeFileSync(truncated, Buffer.from(execFileSync("head", ["-c", String(Math.floor(statSync(good).size / 2)), good])));
    const text = execFileSync("java", ["-cp", classes, "reloadable.hotswap.Main", "check", good, join(bad, "text.class")], { encoding: "utf8" });
    expect(text.trim()).toBe("text: restart: not a class file (no CAFEBABE)");
    const cut = execFileSync("java", ["-cp", classes, "reloadable.hotswap.Main", "check", good, truncated], { encoding: "utf8" });
    expect(cut.trim()).toMatch(/^cut: restart: not a complete class file/);
  });
});
