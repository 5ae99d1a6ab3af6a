import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { type FileContent, writeTree } from "../../harness/files.ts";
import { tool } from "../../harness/paths.ts";
import { Container, type ContainerOptions, startContainer } from "./container.ts";
import { command, dockerList, dockerOk, removeAll } from "./docker.ts";
import { appImagePrefix, BUILDER, BUILDER_ARM64, LIFECYCLE_IMAGE } from "./images.ts";

export interface PackBuildConfig {
  /** The app: a directory, a JAR (pack explodes it into /workspace), or files to write. */
  app: string | Record<string, FileContent>;
  /** A short name for the image (`reloadable-it/<name>-<random>`). */
  name?: string;
  builder?: string;
  /** `pack build --platform` (linux/arm64 with the arm64 builder). */
  platform?: string;
  /** `pack build -e NAME=VALUE`. */
  env?: Record<string, string>;
  /** `pack build --buildpack`: ids, paths or .cnb files; none means the builder's order. */
  buildpacks?: string[];
  runImage?: string;
  /** Return the failed build's context instead of failing with its log. */
  allowFailure?: boolean;
}

export interface PackRun {
  /** pack's exit code. */
  code: number;
  /** pack's whole output. */
  log: string;
  ms: number;
}

export interface BuildContext {
  /** The app image's name. */
  readonly image: string;
  readonly config: PackBuildConfig;
  /** The last build's whole pack output. */
  readonly packLog: string;
  readonly packResult: PackRun;
  /** Runs the image (`docker run --network host`); removed when `fn` returns or throws. */
  startContainer<T>(options: ContainerOptions, fn: (container: Container) => Promise<T>): Promise<T>;
  /** Builds again into the same image and cache volumes, with `changes` over the config. */
  rebuild(changes?: Partial<PackBuildConfig>): Promise<PackRun>;
}

const PACK_HOME_ENV = "RELOADABLE_CT_PACK_HOME";

/**
 * A temporary PACK_HOME in which the local builders (amd64, arm64) are trusted (pack then runs the one-container
 * `creator` flow). The vitest global setup makes one per run and removes it; scripts make their
 * own and remove it on exit.
 */
export async function preparePackHome(): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), "reloadable-pack-home-"));
  for (const builder of [BUILDER, BUILDER_ARM64]) {
    const trusted = await command(tool("pack"), ["config", "trusted-builders", "add", builder], { env: { ...process.env, PACK_HOME: home } as Record<string, string> });
    if (trusted.code !== 0) throw new Error(`pack config trusted-builders add failed: ${trusted.stderr}${trusted.stdout}`);
  }
  return home;
}

let packHome: string | undefined;
async function currentPackHome(): Promise<string> {
  packHome ??= process.env[PACK_HOME_ENV];
  if (packHome === undefined) {
    const home = await preparePackHome();
    process.on("exit", () => rmSync(home, { recursive: true, force: true }));
    packHome = home;
  }
  return packHome;
}
export { PACK_HOME_ENV };

/** `pack build` with the flags every build here uses: no pulls, host network, local lifecycle. */
async function pack(image: string, appPath: string, config: PackBuildConfig): Promise<PackRun> {
  const args = ["build", image, "--builder", config.builder ?? BUILDER, "--path", appPath, "--pull-policy", "never", "--network", "host", "--lifecycle-image", LIFECYCLE_IMAGE];
  for (const [name, value] of Object.entries(config.env ?? {})) args.push("--env", `${name}=${value}`);
  for (const buildpack of config.buildpacks ?? []) args.push("--buildpack", buildpack);
  if (config.runImage !== undefined) args.push("--run-image", config.runImage);
  if (config.platform !== undefined) args.push("--platform", config.platform);
  const env = { ...process.env, PACK_HOME: await currentPackHome(), PACK_VOLUME_KEY: "reloadable-container-tests" } as Record<string, string>;
  const result = await command(tool("pack"), args, { env });
  return { code: result.code, log: result.stdout + result.stderr, ms: result.ms };
}

/**
 * `pack build` of an app with the local builder, then `fn` with the result: the image, the pack
 * log, containers to start. Everything it made (containers, the image and the images it replaced,
 * pack's cache volumes) is removed when `fn` returns or throws. A failed build fails with the
 * whole pack log, unless `allowFailure`.
 */
export async function packBuild<T>(config: PackBuildConfig, fn: (ctx: BuildContext) => Promise<T>): Promise<T> {
  const name = (config.name ?? (typeof config.app === "string" ? basename(config.app).replace(/\.jar$/, "") : "app")).toLowerCase().replace(/[^a-z0-9-]+/g, "-");
  const id = randomBytes(4).toString("hex");
  const image = `${appImagePrefix()}${name}-${id}`;
  const containers = new Set<Container>();
  const imageIds = new Set<string>();
  let appDir: string | undefined;
  try {
    let appPath: string;
    if (typeof config.app === "string") {
      if (!existsSync(config.app)) throw new Error(`packBuild: app ${config.app} does not exist`);
      appPath = config.app;
    } else {
      appDir = await mkdtemp(join(tmpdir(), "reloadable-ct-app-"));
      await writeTree(appDir, config.app);
      appPath = appDir;
    }

    const build = async (current: PackBuildConfig): Promise<PackRun> => {
      const result = await pack(image, appPath, current);
      const id = await dockerList(["images", "-q", "--no-trunc", image]);
      for (const i of id) imageIds.add(i);
      if (result.code !== 0 && current.allowFailure !== true) {
        throw new Error(`pack build ${image} failed (exit ${result.code}) in ${(result.ms / 1000).toFixed(1)}s; the whole pack log:\n${result.log}`);
      }
      return result;
    };

    let current = config;
    let last = await build(current);
    const ctx: BuildContext = {
      image,
      get config() {
        return current;
      },
      get packLog() {
        return last.log;
      },
      get packResult() {
        return last;
      },
      startContainer: async (options, body) => {
        const container = await startContainer(image, options);
        containers.add(container);
        try {
          return await body(container);
        } finally {
          containers.delete(container);
          await container.remove();
        }
      },
      rebuild: async (changes = {}) => {
        current = { ...current, ...changes };
        last = await build(current);
        return last;
      },
    };
    return await fn(ctx);
  } finally {
    for (const container of containers) await container.remove();
    await removeAll("image", [image, ...imageIds]);
    // pack names its cache volumes after the image (pack-cache-<image, / as _>_latest-<hash>.build),
    // with Windows' reserved names spelled out ("compose" -> "c_o_mpose"): found by the hex id.
    const volumes = await dockerList(["volume", "ls", "-q", "--filter", `name=${id}`]);
    await removeAll("volume", volumes.filter((v) => v.startsWith("pack-cache-")));
    if (appDir !== undefined) await rm(appDir, { recursive: true, force: true });
  }
}

/** The process types and default of an app image, from the lifecycle's metadata label. */
export async function imageProcesses(image: string): Promise<{ types: Record<string, string>; defaultProcess: string | undefined }> {
  const label = await dockerOk(["image", "inspect", "-f", '{{index .Config.Labels "io.buildpacks.build.metadata"}}', image]);
  const metadata = JSON.parse(label) as { processes?: { type: string; command: string[]; args?: string[] }[] };
  const types: Record<string, string> = {};
  for (const p of metadata.processes ?? []) types[p.type] = [...p.command, ...(p.args ?? [])].join(" ");
  const config = JSON.parse(await dockerOk(["image", "inspect", "-f", "{{json .Config}}", image])) as { Entrypoint?: string[] };
  const entry = config.Entrypoint?.[0];
  return { types, defaultProcess: entry?.startsWith("/cnb/process/") ? entry.slice("/cnb/process/".length) : undefined };
}

/** The run image an app image was built on, from the lifecycle's metadata label. */
export async function imageRunImage(image: string): Promise<string | undefined> {
  const label = await dockerOk(["image", "inspect", "-f", '{{index .Config.Labels "io.buildpacks.lifecycle.metadata"}}', image]);
  return (JSON.parse(label) as { runImage?: { image?: string } }).runImage?.image;
}
