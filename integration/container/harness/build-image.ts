// `mvn spring-boot:build-image` as a user with a local builder runs it: in a checkout of
// examples/java-spring-boot whose pom.xml is unchanged, with the builder, pull policy, image name
// and network given as the plugin's -D properties. The pom names Reloadable by the directory
// ../../dist/buildpack; here that is the OFFLINE package the local builder also holds (the same
// bin/main and descriptor, with the watchexec and busybox artifacts inside, because github.com is
// unreachable from these machines), so the checkout is laid out as the repo is:
// <root>/examples/java-spring-boot and <root>/dist/buildpack.
import { createHash, randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../harness/paths.ts";
import { type Container, type ContainerOptions, startContainer } from "./container.ts";
import { command, dockerList, removeAll } from "./docker.ts";
import { appImagePrefix, BUILDER } from "./images.ts";

/** The offline package scripts/container/builder.ts assembles (it is in the builder too). */
export const OFFLINE_RELOADABLE = join(repoRoot, ".tools", "container", "builder", "buildpacks", "reloadable");

export interface BuildImageConfig {
  /** The example to copy (default examples/java-spring-boot). */
  example?: string;
  /** A short name for the image (`reloadable-it/<run>-<name>-<random>`). */
  name?: string;
  /** More Maven arguments (e.g. -Dmaven.repo.local=... for a cold Maven). */
  mavenArgs?: string[];
}

export interface BuildImageRun {
  /** Maven's exit code. */
  code: number;
  /** Maven's whole output (the plugin prints the lifecycle's). */
  log: string;
  ms: number;
}

export interface BuildImageContext {
  readonly image: string;
  /** The checkout's project dir (<root>/examples/<example>), target/ as the build left it. */
  readonly project: string;
  /** The whole mvn command line, as a user would type it in `project`. */
  readonly commandLine: string;
  readonly result: BuildImageRun;
  /** The plugin's cache volumes of this image (pack-cache-<digest>.build and .launch). */
  readonly cacheVolumes: string[];
  /** Runs the image (`docker run --network host`); removed when `fn` returns or throws. */
  startContainer<T>(options: ContainerOptions, fn: (container: Container) => Promise<T>): Promise<T>;
  /** Runs the same command again: same image name, same cache volumes. */
  rebuild(): Promise<BuildImageRun>;
}

/**
 * The plugin names its cache volumes after the image: "pack-cache-" + the first 6 bytes (hex) of
 * the SHA-256 of the image's legacy name (docker.io written index.docker.io, tag included), then
 * ".build" / ".launch" (Spring Boot's Lifecycle and VolumeName).
 */
export function buildImageCacheVolumes(image: string): string[] {
  const legacy = `index.docker.io/${image}${image.includes(":") ? "" : ":latest"}`;
  const digest = createHash("sha256").update(legacy).digest("hex").slice(0, 12);
  return [`pack-cache-${digest}.build`, `pack-cache-${digest}.launch`];
}

/** The -D properties that point the example's configuration at the local builder. */
export function localBuilderProperties(image: string): string[] {
  return [
    `-Dspring-boot.build-image.builder=${BUILDER}`,
    "-Dspring-boot.build-image.pullPolicy=NEVER",
    `-Dspring-boot.build-image.imageName=${image}`,
    "-Dspring-boot.build-image.network=host",
  ];
}

/**
 * A checkout laid out as the repo (<root>/examples/<example>, <root>/dist/buildpack = the offline
 * package), `mvn -B spring-boot:build-image` with the local builder's properties, then `fn`.
 * Everything it made (containers, the image, the cache volumes, the checkout) is removed when
 * `fn` returns or throws. A failed build fails with Maven's whole output.
 */
export async function springBootBuildImage<T>(config: BuildImageConfig, fn: (ctx: BuildImageContext) => Promise<T>): Promise<T> {
  const example = config.example ?? "java-spring-boot";
  const id = randomBytes(4).toString("hex");
  const image = `${appImagePrefix()}${config.name ?? example}-${id}`;
  const root = mkdtempSync(join(tmpdir(), "reloadable-ct-build-image-"));
  const containers = new Set<Container>();
  const imageIds = new Set<string>();
  try {
    if (!existsSync(join(OFFLINE_RELOADABLE, "buildpack.toml"))) throw new Error(`${OFFLINE_RELOADABLE} is missing: run scripts/container/setup (npm test does)`);
    const project = join(root, "examples", example);
    cpSync(join(repoRoot, "examples", example), project, { recursive: true, filter: (src) => !src.includes("/target") });
    // verbatimSymlinks keeps bin/detect -> main as the relative link it is.
    cpSync(OFFLINE_RELOADABLE, join(root, "dist", "buildpack"), { recursive: true, verbatimSymlinks: true });
    const args = ["-B", "spring-boot:build-image", ...localBuilderProperties(image), ...(config.mavenArgs ?? [])];
    const run = async (): Promise<BuildImageRun> => {
      const result = await command("mvn", args, { cwd: project });
      for (const imageId of await dockerList(["images", "-q", "--no-trunc", image])) imageIds.add(imageId);
      const log = result.stdout + result.stderr;
      if (result.code !== 0) throw new Error(`mvn ${args.join(" ")} failed (exit ${result.code}) in ${(result.ms / 1000).toFixed(1)}s:\n${log}`);
      return { code: result.code, log, ms: result.ms };
    };
    let last = await run();
    const ctx: BuildImageContext = {
      image,
      project,
      commandLine: `mvn ${args.join(" ")}`,
      get result() {
        return last;
      },
      cacheVolumes: buildImageCacheVolumes(image),
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
      rebuild: async () => (last = await run()),
    };
    return await fn(ctx);
  } finally {
    for (const container of containers) await container.remove();
    // The image, and those a rebuild replaced (left untagged).
    await removeAll("image", [image, ...imageIds]);
    await removeAll("volume", buildImageCacheVolumes(image));
    rmSync(root, { recursive: true, force: true });
  }
}
