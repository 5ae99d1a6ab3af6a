// vitest global setup of the container project: the engine, stack, lifecycle image and builder
// (scripts/container/setup, each cached by content), a temporary PACK_HOME trusting the builder,
// and this run's id. Teardown removes the PACK_HOME and anything of this run left behind
// (containers, app images, pack's and build-image's cache volumes, compose projects), e.g. by a
// killed worker.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../harness/paths.ts";
import { buildImageCacheVolumes } from "./build-image.ts";
import { dockerList, removeAll } from "./docker.ts";
import { RUN_ID_ENV, appImagePrefix, composeProjectPrefix, runLabel } from "./images.ts";
import { PACK_HOME_ENV, preparePackHome } from "./pack.ts";

export async function setup(): Promise<() => Promise<void>> {
  execFileSync(join(repoRoot, "scripts", "container", "setup"), { stdio: "inherit" });
  // Workers start after this and inherit the environment.
  process.env[RUN_ID_ENV] = randomBytes(3).toString("hex");
  const packHome = await preparePackHome();
  process.env[PACK_HOME_ENV] = packHome;
  return async () => {
    rmSync(packHome, { recursive: true, force: true });
    await removeAll("container", await dockerList(["ps", "-aq", "--filter", `label=${runLabel()}`]));
    await removeAll("container", await dockerList(["ps", "-aq", "--filter", `name=${composeProjectPrefix()}`]));
    const images = await dockerList(["images", "--format", "{{.Repository}}:{{.Tag}}", `${appImagePrefix()}*`]);
    await removeAll("image", images);
    // spring-boot:build-image names its cache volumes by a digest of the image name.
    await removeAll("volume", images.flatMap(buildImageCacheVolumes));
    const volumes = await dockerList(["volume", "ls", "-q", "--filter", `name=pack-cache-${appImagePrefix().replaceAll("/", "_")}`]);
    await removeAll("volume", volumes);
  };
}
