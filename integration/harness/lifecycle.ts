import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { chmod, copyFile, cp, link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { escapeId } from "../../src/cnb/ids.ts";
import TOML from "@iarna/toml";
import { requirePackage, scratchRoot, tool } from "./paths.ts";
import { run, start, type RunningProcess } from "./process.ts";
import { chownTree, runAs, type Identity } from "./user.ts";
import { syncFiles, type SyncOptions } from "./sync.ts";
import { type FileContent, writeTree } from "./files.ts";

export const PLATFORM_API = "0.14";
const BASE_PATH = "/usr/local/bin:/usr/bin:/bin";

/** One buildpack of the order: where its files come from, and how it sits in the group. */
export interface BuildpackEntry {
  id: string;
  version: string;
  /** A directory holding buildpack.toml and bin/. */
  dir: string;
  optional?: boolean;
  /** Replaces the buildpack.toml of `dir` (the test copy pointing at the dependency server). */
  descriptor?: string;
  /** Its bin/main is Reloadable's single executable: hard-linked from the run's shared copy. */
  reloadableBinary?: boolean;
}

export interface BindingSpec {
  type: string;
  entries: Record<string, string>;
}

export interface BuildOptions {
  /** Files of the app, by relative path, or a directory to copy. */
  app: Record<string, FileContent> | string;
  order: BuildpackEntry[];
  /** `<platform>/env/NAME` files, as `pack build -e NAME=VALUE` writes them. */
  env?: Record<string, string>;
  bindings?: Record<string, BindingSpec>;
  /** Extra environment for the lifecycle phases (proxy variables, say). */
  lifecycleEnv?: Record<string, string>;
  /**
   * The dir the build's root (app, layers, platform, home) is made in: scratchRoot() (tmpfs)
   * unless a test needs a real disk's timing (diskScratchRoot()).
   */
  scratch?: string;
}

export interface Process {
  type: string;
  command: string[];
  args: string[];
  direct?: boolean;
  "buildpack-id"?: string;
  "working-dir"?: string;
}

export interface BuildResult {
  success: boolean;
  detectCode: number | null;
  buildCode: number | null;
  /** Both phases' whole output. */
  log: string;
  group: { id: string; version: string }[];
  plan: Record<string, unknown>;
  processes: Process[];
  /** The launcher's default process type. */
  defaultProcess: string | undefined;
}

const SHARED_TOOLS_ENV = "RELOADABLE_IT_TOOLS";

/**
 * Copies of the lifecycle, the launcher and the packaged buildpack's binary that the
 * unprivileged user can run (the checkout may be private to its owner). Each build hard-links
 * the binary, so it is copied once per run.
 */
export function prepareSharedTools(): string {
  const dir = mkdtempSync(join(scratchRoot(), "reloadable-it-tools-"));
  chmodSync(dir, 0o755);
  for (const name of ["lifecycle", "launcher"] as const) copyFileSync(tool(name), join(dir, name));
  symlinkSync("lifecycle", join(dir, "detector"));
  symlinkSync("lifecycle", join(dir, "builder"));
  mkdirSync(join(dir, "process"));
  chmodSync(join(dir, "process"), 0o755);
  mkdirSync(join(dir, "reloadable"));
  copyFileSync(join(requirePackage(), "bin", "main"), join(dir, "reloadable", "main"));
  chmodSync(join(dir, "reloadable", "main"), 0o755);
  return dir;
}

/**
 * The test run's copy, made once by the vitest global setup (integration/harness/global-setup.ts)
 * and removed by its teardown: test workers may end without an "exit" event, and a copy per
 * worker left ~140 MB on tmpfs each time. Scripts (demo, bench) make their own and remove it on exit.
 */
let sharedToolsDir: string | undefined;
function sharedTools(): string {
  sharedToolsDir ??= process.env[SHARED_TOOLS_ENV];
  if (sharedToolsDir !== undefined) return sharedToolsDir;
  const dir = prepareSharedTools();
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  sharedToolsDir = dir;
  return dir;
}

export { SHARED_TOOLS_ENV };

// The same rule the buildpack uses to find its own layers dir.
export { escapeId };

/**
 * A CNB build on this host with the real lifecycle: temp app/platform/layers/buildpacks dirs
 * owned by the build user, `detector` then `builder`, and the real launcher for the result.
 */
export class CnbBuild {
  readonly user: Identity | undefined = runAs();
  private readonly running = new Set<RunningProcess>();
  lastResult: BuildResult | undefined;

  private constructor(
    readonly root: string,
    readonly options: BuildOptions,
  ) {}

  get appDir() {
    return join(this.root, "workspace");
  }
  get layersDir() {
    return join(this.root, "layers");
  }
  get platformDir() {
    return join(this.root, "platform");
  }
  get buildpacksDir() {
    return join(this.root, "buildpacks");
  }
  get homeDir() {
    return join(this.root, "home");
  }

  static async create(options: BuildOptions): Promise<CnbBuild> {
    const tools = sharedTools();
    const root = await mkdtemp(join(options.scratch ?? scratchRoot(), "reloadable-it-"));
    await chmod(root, 0o755);
    const build = new CnbBuild(root, options);
    try {
      await build.layout(tools);
    } catch (error) {
      await build.cleanup();
      throw error;
    }
    return build;
  }

  private async layout(tools: string): Promise<void> {
    const { options } = this;
    for (const dir of [this.appDir, this.layersDir, join(this.platformDir, "env"), this.buildpacksDir, this.homeDir]) {
      await mkdir(dir, { recursive: true });
    }
    // Links are copied as links, as pack puts them in the image (node_modules/.bin/*).
    if (typeof options.app === "string") await cp(options.app, this.appDir, { recursive: true, verbatimSymlinks: true });
    else await writeTree(this.appDir, options.app);

    for (const [name, value] of Object.entries(options.env ?? {})) await this.setEnv(name, value);
    for (const [name, binding] of Object.entries(options.bindings ?? {})) {
      await writeTree(join(this.platformDir, "bindings", name), { type: binding.type, ...binding.entries });
    }

    for (const bp of options.order) {
      const dest = join(this.buildpacksDir, escapeId(bp.id), bp.version);
      const shared = bp.reloadableBinary === true;
      await cp(bp.dir, dest, { recursive: true, verbatimSymlinks: true, filter: (src) => !(shared && src.endsWith("/bin/main")) });
      if (shared) await linkOrCopy(join(tools, "reloadable", "main"), join(dest, "bin", "main"));
      if (bp.descriptor !== undefined) await writeFile(join(dest, "buildpack.toml"), bp.descriptor);
    }
    const order = { order: [{ group: options.order.map((bp) => ({ id: bp.id, version: bp.version, optional: bp.optional ?? false })) }] };
    await writeFile(join(this.root, "order.toml"), TOML.stringify(order as unknown as TOML.JsonMap));

    // The build user owns what the lifecycle writes; buildpacks stay read-only, as in an image.
    for (const dir of [this.appDir, this.layersDir, this.platformDir, this.homeDir]) await chownTree(dir, this.user);
  }

  /** Writes `<platform>/env/NAME` (as `pack build -e` does); undefined removes it. */
  async setEnv(name: string, value: string | undefined): Promise<void> {
    const path = join(this.platformDir, "env", name);
    if (value === undefined) await rm(path, { force: true });
    else {
      await writeFile(path, value);
      await chownTree(path, this.user);
    }
  }

  /** Runs a lifecycle phase as the build user, with the flags both phases share. */
  private async phase(name: "detector" | "builder", extra: string[]): Promise<{ code: number | null; log: string }> {
    const flags = [
      "-app", this.appDir,
      "-buildpacks", this.buildpacksDir,
      "-group", join(this.layersDir, "group.toml"),
      "-layers", this.layersDir,
      "-plan", join(this.layersDir, "plan.toml"),
      "-platform", this.platformDir,
    ];
    const env = { PATH: BASE_PATH, HOME: this.homeDir, CNB_PLATFORM_API: PLATFORM_API, ...(this.options.lifecycleEnv ?? {}) };
    return run(join(sharedTools(), name), [...flags, ...extra], { cwd: this.appDir, env, user: this.user });
  }

  private async detect(): Promise<{ code: number | null; log: string }> {
    // Only at debug level does the detector show what each buildpack's detect printed.
    return this.phase("detector", ["-order", join(this.root, "order.toml"), "-log-level", "debug"]);
  }

  private async runBuilder(): Promise<{ code: number | null; log: string }> {
    return this.phase("builder", []);
  }

  /** detector, then builder if detection passed. */
  async build(): Promise<BuildResult> {
    const detected = await this.detect();
    if (detected.code !== 0) {
      return this.remember({ success: false, detectCode: detected.code, buildCode: null, log: detected.log, group: [], plan: {}, processes: [], defaultProcess: undefined });
    }
    const built = await this.runBuilder();
    return this.remember(await this.collect(detected.code, built.code, `${detected.log}\n${built.log}`));
  }

  /** The builder again over the same layers, as a build with a restored cache would run. */
  async rebuild(): Promise<BuildResult> {
    const built = await this.runBuilder();
    return this.remember(await this.collect(0, built.code, built.log));
  }

  private remember(result: BuildResult): BuildResult {
    this.lastResult = result;
    return result;
  }

  private async collect(detectCode: number | null, buildCode: number | null, log: string): Promise<BuildResult> {
    const group = ((await readTomlFile(join(this.layersDir, "group.toml")))?.group ?? []) as BuildResult["group"];
    const plan = (await readTomlFile(join(this.layersDir, "plan.toml"))) ?? {};
    const metadata = await readTomlFile(join(this.layersDir, "config", "metadata.toml"));
    const processes = ((metadata?.processes ?? []) as Process[]).map((p) => ({ ...p, args: p.args ?? [] }));
    const defaultProcess = metadata?.["buildpack-default-process-type"] as string | undefined;
    return { success: buildCode === 0, detectCode, buildCode, log, group, plan, processes, defaultProcess };
  }

  /** Reads a TOML file of this buildpack's layers (e.g. `watchexec.toml`). */
  async layerToml(buildpackId: string, file: string): Promise<Record<string, unknown> | undefined> {
    return readTomlFile(join(this.layersDir, escapeId(buildpackId), file));
  }

  /**
   * Starts the real launcher as the app user, through a link named after the process type, as
   * an image's `/cnb/process/<type>` entrypoint does.
   */
  async launch(type: string, env: Record<string, string> = {}, args: string[] = []): Promise<RunningProcess> {
    const tools = sharedTools();
    const entry = join(tools, "process", type);
    if (!existsSync(entry)) await symlink("../launcher", entry).catch(() => undefined);
    const proc = start(entry, args, {
      cwd: this.appDir,
      env: {
        PATH: BASE_PATH,
        HOME: this.homeDir,
        CNB_PLATFORM_API: PLATFORM_API,
        CNB_LAYERS_DIR: this.layersDir,
        CNB_APP_DIR: this.appDir,
        ...env,
      },
      user: this.user,
    });
    this.running.add(proc);
    return proc;
  }

  /**
   * Runs a process type to its end with extra args, as `docker exec <ctr> <type> ...` does in an
   * image (the image's PATH starts with /cnb/process, one launcher link per type).
   */
  async exec(type: string, args: string[] = []): Promise<{ code: number | null; log: string }> {
    const proc = await this.launch(type, {}, args);
    await new Promise<void>((resolve) => proc.child.on("close", () => resolve()));
    this.running.delete(proc);
    return { code: proc.exitStatus?.code ?? null, log: proc.log };
  }

  /** Streams `files` into the app dir as one tar, extracted by `tar` running as the app user. */
  async sync(files: Record<string, FileContent>, options: Omit<SyncOptions, "user"> = {}): Promise<{ ms: number; bytes: number }> {
    return syncFiles(this.appDir, files, { ...options, user: this.user });
  }

  /** Runs a command as the app's user, as a sync tool inside the container would. */
  async runAsAppUser(command: string, args: string[]): Promise<{ code: number | null; log: string }> {
    return run(command, args, { cwd: this.appDir, env: { PATH: BASE_PATH, HOME: this.homeDir }, user: this.user });
  }

  async cleanup(): Promise<void> {
    for (const proc of this.running) proc.kill();
    this.running.clear();
    await rm(this.root, { recursive: true, force: true });
  }
}

/** A hard link, or a copy when `dest` is on another file system (a build on a disk, the tools on tmpfs). */
async function linkOrCopy(source: string, dest: string): Promise<void> {
  try {
    await link(source, dest);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    await copyFile(source, dest);
  }
}

/** Fails with the whole lifecycle log, so a broken build explains itself in the test report. */
export function assertBuilt(result: BuildResult): void {
  if (!result.success) {
    throw new Error(`build failed (detector exit ${result.detectCode}, builder exit ${result.buildCode}); lifecycle log:\n${result.log}`);
  }
}

async function readTomlFile(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return TOML.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Runs `fn` with a fresh build and always cleans up, also when `fn` throws. */
export async function withBuild<T>(options: BuildOptions, fn: (build: CnbBuild) => Promise<T>): Promise<T> {
  const build = await CnbBuild.create(options);
  try {
    return await fn(build);
  } finally {
    await build.cleanup();
  }
}

/**
 * What watchexec runs for a reloadable process, after `--`: the app's command, past
 * reloadable-settle and its quiet period (in restart mode).
 */
export function watchedCommand(process: Process): string[] {
  const after = process.command.slice(process.command.indexOf("--") + 1);
  return after[0] === "reloadable-settle" ? after.slice(2) : after;
}
