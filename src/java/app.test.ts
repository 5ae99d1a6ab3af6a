import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { ContractError } from "../errors.ts";
import { testdir, writeTree, type TestDir, type TreeEntry, testdirsRemovedAfterEach } from "../testing/testdir.ts";
import { BOOT_LAUNCHERS, detectJavaApp, type JavaApp } from "./app.ts";
import { ManifestError } from "./manifest.ts";

const tempdir = testdirsRemovedAfterEach();

async function appDir(tree: Record<string, TreeEntry>): Promise<TestDir> {
  const dir = await tempdir(tree);
  return dir;
}

/** Makes `<into>/<name>` with the jar tool from `tree`, with a Main-Class when given one. */
async function makeJar(into: string, name: string, tree: Record<string, TreeEntry>, mainClass?: string): Promise<void> {
  const scratch = await testdir(tree, "reloadable-jar-src-");
  try {
    const main = mainClass === undefined ? [] : ["--main-class", mainClass];
    execFileSync("jar", ["--create", "--file", `${into}/${name}`, ...main, "-C", scratch.path, "."], { stdio: "pipe" });
  } finally {
    await scratch.cleanup();
  }
}

const NEW_LAUNCHER = "org.springframework.boot.loader.launch.JarLauncher";
const OLD_LAUNCHER = "org.springframework.boot.loader.JarLauncher";

const BOOT_MANIFEST = [
  "Manifest-Version: 1.0",
  `Main-Class: ${NEW_LAUNCHER}`,
  "Start-Class: com.example.demo.DemoApplication",
  "Spring-Boot-Version: 3.3.0",
  "Spring-Boot-Classes: BOOT-INF/classes/",
  "Spring-Boot-Lib: BOOT-INF/lib/",
  "Spring-Boot-Classpath-Index: BOOT-INF/classpath.idx",
  "",
  "",
].join("\r\n");

const BOOT_CLASSES = {
  "BOOT-INF/classes/com/example/demo/DemoApplication.class": "",
  "BOOT-INF/lib/spring-core-6.1.8.jar": "",
};

describe("detectJavaApp: Spring Boot", () => {
  it.each<[string, Record<string, TreeEntry>, string | undefined]>([
    ["3.2+ layout -> the new launcher", { "org/springframework/boot/loader/launch/JarLauncher.class": "" }, NEW_LAUNCHER],
    ["<= 3.1 layout -> the old launcher", { "org/springframework/boot/loader/JarLauncher.class": "" }, OLD_LAUNCHER],
    [
      "both launchers -> the new one",
      { "org/springframework/boot/loader/launch/JarLauncher.class": "", "org/springframework/boot/loader/JarLauncher.class": "" },
      NEW_LAUNCHER,
    ],
    ["no launcher class -> undefined", {}, undefined],
    ["a launcher dir without the class file -> undefined", { "org/springframework/boot/loader/launch/": "" }, undefined],
    ["3.2+ loader classes but not JarLauncher -> undefined", { "org/springframework/boot/loader/launch/WarLauncher.class": "" }, undefined],
  ])("%s", async (_name, loader, launcher) => {
    const dir = await appDir({ "META-INF/MANIFEST.MF": BOOT_MANIFEST, ...BOOT_CLASSES, ...loader });
    expect(await detectJavaApp(dir.path)).toEqual<JavaApp>({
      kind: "spring-boot",
      startClass: "com.example.demo.DemoApplication",
      launcher,
      classes: "BOOT-INF/classes",
      lib: "BOOT-INF/lib",
      devtools: false,
    });
  });

  it("BOOT_LAUNCHERS lists the 3.2+ launcher first", () => {
    expect(BOOT_LAUNCHERS).toEqual([NEW_LAUNCHER, OLD_LAUNCHER]);
  });

  it.each<[string, Record<string, TreeEntry>, boolean]>([
    ["spring-boot-devtools-<v>.jar in BOOT-INF/lib", { "BOOT-INF/lib/spring-boot-devtools-3.3.0.jar": "" }, true],
    ["a snapshot version", { "BOOT-INF/lib/spring-boot-devtools-3.4.0-SNAPSHOT.jar": "" }, true],
    ["no devtools JAR", {}, false],
    ["an empty BOOT-INF/lib", { "BOOT-INF/lib/": "" }, false],
    ["devtools outside BOOT-INF/lib", { "lib/spring-boot-devtools-3.3.0.jar": "", "spring-boot-devtools-3.3.0.jar": "" }, false],
    ["devtools in a subdir of BOOT-INF/lib", { "BOOT-INF/lib/x/spring-boot-devtools-3.3.0.jar": "" }, false],
    ["a devtools name that is not a JAR", { "BOOT-INF/lib/spring-boot-devtools-3.3.0.jar.sha1": "" }, false],
    ["a different artifact with a similar name", { "BOOT-INF/lib/my-spring-boot-devtools-3.3.0.jar": "", "BOOT-INF/lib/spring-boot-devtoolsx.jar": "" }, false],
  ])("devtools: %s -> %s", async (_name, lib, devtools) => {
    const dir = await appDir({ "META-INF/MANIFEST.MF": BOOT_MANIFEST, "org/springframework/boot/loader/launch/JarLauncher.class": "", ...lib });
    const app = await detectJavaApp(dir.path);
    expect(app).toMatchObject({ kind: "spring-boot", devtools });
  });

  it("devtools is looked for in the Spring-Boot-Lib the manifest names", async () => {
    const manifest = "Manifest-Version: 1.0\r\nStart-Class: a.B\r\nSpring-Boot-Classes: WEB-INF/classes/\r\nSpring-Boot-Lib: WEB-INF/lib/\r\n\r\n";
    const dir = await appDir({ "META-INF/MANIFEST.MF": manifest, "WEB-INF/lib/spring-boot-devtools-3.3.0.jar": "" });
    expect(await detectJavaApp(dir.path)).toEqual<JavaApp>({
      kind: "spring-boot",
      startClass: "a.B",
      launcher: undefined,
      classes: "WEB-INF/classes",
      lib: "WEB-INF/lib",
      devtools: true,
    });
  });

  it.each<[string, string, Partial<Extract<JavaApp, { kind: "spring-boot" }>>]>([
    ["Start-Class alone: the default dirs", "Start-Class: a.B\r\n", { startClass: "a.B", classes: "BOOT-INF/classes", lib: "BOOT-INF/lib" }],
    ["Spring-Boot-Classes without Start-Class: Main-Class is the start class", "Main-Class: a.Main\r\nSpring-Boot-Classes: BOOT-INF/classes/\r\n", { startClass: "a.Main" }],
    ["Spring-Boot-Classes alone: an empty start class", "Spring-Boot-Classes: BOOT-INF/classes/\r\n", { startClass: "" }],
    ["dirs without a trailing slash", "Start-Class: a.B\r\nSpring-Boot-Classes: classes\r\nSpring-Boot-Lib: libs\r\n", { classes: "classes", lib: "libs" }],
    ["lower-case header names", "start-class: a.B\r\nspring-boot-lib: BOOT-INF/lib/\r\n", { startClass: "a.B", lib: "BOOT-INF/lib" }],
  ])("%s", async (_name, manifest, expected) => {
    const dir = await appDir({ "META-INF/MANIFEST.MF": `Manifest-Version: 1.0\r\n${manifest}\r\n` });
    expect(await detectJavaApp(dir.path)).toMatchObject({ kind: "spring-boot", ...expected });
  });

  it("a Start-Class in a per-entry section does not make it Spring Boot", async () => {
    const dir = await appDir({ "META-INF/MANIFEST.MF": "Manifest-Version: 1.0\r\nMain-Class: app.Main\r\n\r\nName: x/\r\nStart-Class: a.B\r\n\r\n" });
    expect(await detectJavaApp(dir.path)).toEqual<JavaApp>({ kind: "exploded", mainClass: "app.Main", classPath: [] });
  });
});

describe("detectJavaApp: exploded JAR", () => {
  it.each<[string, string, JavaApp]>([
    ["Main-Class and Class-Path", "Main-Class: app.Main\r\nClass-Path: lib/a.jar lib/b.jar\r\n", { kind: "exploded", mainClass: "app.Main", classPath: ["lib/a.jar", "lib/b.jar"] }],
    ["Main-Class only", "Main-Class: app.Main\r\n", { kind: "exploded", mainClass: "app.Main", classPath: [] }],
    ["no Main-Class", "Created-By: 17\r\nClass-Path: lib/a.jar\r\n", { kind: "exploded", mainClass: undefined, classPath: ["lib/a.jar"] }],
    ["extra spaces in Class-Path", "Main-Class: app.Main\r\nClass-Path:  lib/a.jar   lib/b.jar \r\n", { kind: "exploded", mainClass: "app.Main", classPath: ["lib/a.jar", "lib/b.jar"] }],
    ["an empty Class-Path", "Main-Class: app.Main\r\nClass-Path: \r\n", { kind: "exploded", mainClass: "app.Main", classPath: [] }],
    [
      "a wrapped Class-Path",
      "Main-Class: app.Main\r\nClass-Path: lib/dependency-number-1-1.0.0.jar lib/dependency-number-2-1.\r\n 0.0.jar\r\n",
      { kind: "exploded", mainClass: "app.Main", classPath: ["lib/dependency-number-1-1.0.0.jar", "lib/dependency-number-2-1.0.0.jar"] },
    ],
    ["only Manifest-Version", "", { kind: "exploded", mainClass: undefined, classPath: [] }],
  ])("%s", async (_name, headers, expected) => {
    const dir = await appDir({ "META-INF/MANIFEST.MF": `Manifest-Version: 1.0\r\n${headers}\r\n`, "app/Main.class": "" });
    expect(await detectJavaApp(dir.path)).toEqual(expected);
  });

  it("an empty manifest is an exploded JAR with nothing in it", async () => {
    const dir = await appDir({ "META-INF/MANIFEST.MF": "" });
    expect(await detectJavaApp(dir.path)).toEqual<JavaApp>({ kind: "exploded", mainClass: undefined, classPath: [] });
  });

  it("a manifest wins over JARs at the top of the app dir", async () => {
    const dir = await appDir({ "META-INF/MANIFEST.MF": "Main-Class: app.Main\r\n" });
    await makeJar(dir.path, "tool.jar", { "t/T.class": "" }, "t.T");
    expect(await detectJavaApp(dir.path)).toEqual<JavaApp>({ kind: "exploded", mainClass: "app.Main", classPath: [] });
  });

  it.each<[string, string, number]>([
    ["no space after the colon", "Manifest-Version: 1.0\r\nMain-Class:app.Main\r\n", 2],
    ["a continuation first", " app.Main\r\n", 1],
    ["a bad name", "Manifest-Version: 1.0\r\nCreated-By: x\r\nMain.Class: app.Main\r\n", 3],
  ])("a bad manifest (%s) -> ManifestError naming the file and line", async (_name, manifest, line) => {
    const dir = await appDir({ "META-INF/MANIFEST.MF": manifest });
    const error = await detectJavaApp(dir.path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as Error).message).toContain(`${dir.join("META-INF", "MANIFEST.MF")} line ${line}:`);
  });

  // BUG (see manifest.test.ts): app.ts decodes MANIFEST.MF as UTF-8 before joining continuation
  // lines, so a character split by a writer that wraps at exactly 72 bytes comes back as U+FFFD.
  /** "Main-Class: app.x" is 17 bytes, so byte 72 is the second byte of an "Ä". */
  const splitMainClass = `app.x${"Ä".repeat(40)}`;
  const splitLine = Buffer.from(`Main-Class: ${splitMainClass}\r\n`, "utf8");
  const splitManifest = Buffer.concat([Buffer.from("Manifest-Version: 1.0\r\n"), splitLine.subarray(0, 72), Buffer.from("\r\n "), splitLine.subarray(72), Buffer.from("\r\n")]);

  it("(the fixture below really splits a character)", () => {
    expect([splitLine[71], splitLine[72]]).toEqual([0xc3, 0x84]);
  });

  it("a Main-Class with a multi-byte character split at the 72-byte wrap", async () => {
    const dir = await appDir({ "META-INF/MANIFEST.MF": splitManifest });
    expect(await detectJavaApp(dir.path)).toEqual<JavaApp>({ kind: "exploded", mainClass: splitMainClass, classPath: [] });
  });
});

describe("detectJavaApp: packed JARs", () => {
  it("exactly one executable JAR -> kind jar", async () => {
    const dir = await appDir({ "README.md": "hi" });
    await makeJar(dir.path, "app-1.0.jar", { "app/Main.class": "" }, "app.Main");
    expect(await detectJavaApp(dir.path)).toEqual<JavaApp>({ kind: "jar", jar: "app-1.0.jar", mainClass: "app.Main" });
  });

  it("one executable JAR beside JARs without Main-Class -> that one", async () => {
    const dir = await appDir({});
    await makeJar(dir.path, "lib.jar", { "l/L.class": "" });
    await makeJar(dir.path, "app.jar", { "app/Main.class": "" }, "app.Main");
    expect(await detectJavaApp(dir.path)).toEqual<JavaApp>({ kind: "jar", jar: "app.jar", mainClass: "app.Main" });
  });

  it("two executable JARs -> undefined", async () => {
    const dir = await appDir({});
    await makeJar(dir.path, "a.jar", { "a/Main.class": "" }, "a.Main");
    await makeJar(dir.path, "b.jar", { "b/Main.class": "" }, "b.Main");
    expect(await detectJavaApp(dir.path)).toBeUndefined();
  });

  it("a JAR without Main-Class -> undefined", async () => {
    const dir = await appDir({});
    await makeJar(dir.path, "lib.jar", { "l/L.class": "" });
    expect(await detectJavaApp(dir.path)).toBeUndefined();
  });

  it("a JAR without a manifest -> undefined", async () => {
    const dir = await appDir({ "classes/l/L.class": "" });
    execFileSync("jar", ["--create", "--no-manifest", "--file", dir.join("bare.jar"), "-C", dir.join("classes"), "."], { stdio: "pipe" });
    expect(await detectJavaApp(dir.path)).toBeUndefined();
  });

  it("an executable JAR in a subdir is not looked at", async () => {
    const dir = await appDir({ "target/": "" });
    await makeJar(dir.join("target"), "app.jar", { "app/Main.class": "" }, "app.Main");
    expect(await detectJavaApp(dir.path)).toBeUndefined();
  });

  it("a ZIP with another extension is not looked at", async () => {
    const dir = await appDir({});
    await makeJar(dir.path, "app.war", { "app/Main.class": "" }, "app.Main");
    expect(await detectJavaApp(dir.path)).toBeUndefined();
  });

  it("a JAR whose manifest is bad -> ManifestError naming the JAR", async () => {
    const dir = await appDir({ "classes/META-INF/MANIFEST.MF": "Main-Class:app.Main\r\n", "classes/app/Main.class": "" });
    execFileSync("jar", ["--create", "--no-manifest", "--file", dir.join("bad.jar"), "-C", dir.join("classes"), "."], { stdio: "pipe" });
    const error = await detectJavaApp(dir.path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as Error).message).toMatch(/^bad\.jar!\/META-INF\/MANIFEST\.MF line 1: /);
  });

  it("a .jar file that is not a ZIP is no executable JAR, and fails no build", async () => {
    const dir = await appDir({ "broken.jar": "not a zip" });
    expect(await detectJavaApp(dir.path)).toBeUndefined();
  });

  // Regression test (the bug is fixed): every name ending in ".jar" at the top of the app dir is opened as a file, so a
  // directory named like one (an exploded JAR kept as `app.jar/`) makes the build fail with a
  // bare "EISDIR: illegal operation on a directory, read" (not a BuildpackError), for any app,
  // JVM or not. A directory is not a JAR: it should be skipped.
  it("a directory named *.jar is skipped", async () => {
    const dir = await appDir({ "exploded.jar/META-INF/MANIFEST.MF": "Main-Class: app.Main\r\n" });
    expect(await detectJavaApp(dir.path)).toBeUndefined();
  });
});

describe("detectJavaApp: not a JVM app", () => {
  it.each<[string, Record<string, TreeEntry>]>([
    ["an empty dir", {}],
    ["a Node app", { "package.json": "{}", "server.js": "" }],
    ["class files without a manifest", { "app/Main.class": "" }],
    ["a manifest in a subdir only", { "target/classes/META-INF/MANIFEST.MF": "Main-Class: app.Main\r\n" }],
    ["META-INF without MANIFEST.MF", { "META-INF/services/x": "" }],
  ])("%s -> undefined", async (_name, tree) => {
    const dir = await appDir(tree);
    expect(await detectJavaApp(dir.path)).toBeUndefined();
  });

  it("an app dir that does not exist -> undefined", async () => {
    const dir = await appDir({});
    expect(await detectJavaApp(dir.join("missing"))).toBeUndefined();
  });

  it("a directory named META-INF/MANIFEST.MF is not a manifest", async () => {
    const dir = await appDir({});
    await mkdir(dir.join("META-INF", "MANIFEST.MF"), { recursive: true });
    expect(await detectJavaApp(dir.path)).toBeUndefined();
  });
});

describe("detectJavaApp on a layout the jar tool extracted", () => {
  it("an exploded executable JAR with a wrapped Class-Path", async () => {
    const dir = await appDir({});
    const classPath = Array.from({ length: 6 }, (_, i) => `lib/dependency-number-${i + 1}-1.0.0.jar`);
    const src = await tempdir({ "app/Main.class": "", "cp.mf": `Class-Path: ${classPath.join(" ")}\n` }, "reloadable-jar-src-");
    execFileSync("jar", ["--create", "--file", src.join("app.jar"), "--main-class", "app.Main", "--manifest", src.join("cp.mf"), "-C", src.path, "app"], { stdio: "pipe" });
    execFileSync("jar", ["--extract", "--file", src.join("app.jar")], { cwd: dir.path, stdio: "pipe" });
    await writeTree(dir.path, Object.fromEntries(classPath.map((p) => [p, ""])));
    await writeFile(dir.join("README.md"), "extracted");
    expect(await detectJavaApp(dir.path)).toEqual<JavaApp>({ kind: "exploded", mainClass: "app.Main", classPath });
  });
});
