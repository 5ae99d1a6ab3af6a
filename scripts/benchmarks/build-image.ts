// The build-image section (issue 10): `mvn spring-boot:build-image` of examples/java-spring-boot
// with the configuration in its pom.xml, pointed at the local builder by the plugin's -D
// properties (integration/container/harness/build-image.ts). Each figure is the whole mvn run
// (package, then the build): into a new image (no previous image, no cache volume), rebuilt into
// the same image and cache, and (not --quick) once with an empty Maven repository, as the first
// build on a new machine: Maven then downloads what the app and its plugins need from Maven
// Central (the build-image plugin's dependencies come with spring-boot-maven-plugin, when the
// package phase first uses it).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { springBootBuildImage } from "../../integration/container/harness/index.ts";
import { repoRoot } from "../../integration/harness/paths.ts";
import { progress, type BenchContext } from "./context.ts";
import type { Row } from "./report.ts";

export async function buildImageSection(ctx: BenchContext): Promise<Row[]> {
  execFileSync(join(repoRoot, "scripts", "container", "setup"), { stdio: ["ignore", "inherit", "inherit"] });
  const plan = ctx.quick ? { images: 1, rebuilds: 1, emptyMaven: 0 } : { images: 3, rebuilds: 2, emptyMaven: 1 };
  const fresh: number[] = [];
  const rebuilt: number[] = [];
  const emptyMaven: number[] = [];
  for (let i = 0; i < plan.images; i++) {
    progress(`build-image: new image ${i + 1}/${plan.images}`);
    await springBootBuildImage({ name: `java-spring-boot-bench${i}` }, async (built) => {
      fresh.push(built.result.ms);
      for (let j = 0; j < plan.rebuilds; j++) rebuilt.push((await built.rebuild()).ms);
    });
  }
  for (let i = 0; i < plan.emptyMaven; i++) {
    progress("build-image: empty Maven repository");
    const repository = mkdtempSync(join(tmpdir(), "reloadable-bench-m2-"));
    try {
      await springBootBuildImage({ name: "java-spring-boot-bench-m2", mavenArgs: [`-Dmaven.repo.local=${repository}`] }, async (built) => void emptyMaven.push(built.result.ms));
    } finally {
      rmSync(repository, { recursive: true, force: true });
    }
  }
  const rows: Row[] = [
    { section: "build-image", metric: "java-spring-boot: mvn spring-boot:build-image, new image", unit: "ms", samples: fresh },
    { section: "build-image", metric: "java-spring-boot: mvn spring-boot:build-image, rebuild (same image and cache)", unit: "ms", samples: rebuilt },
  ];
  if (emptyMaven.length > 0) rows.push({ section: "build-image", metric: "java-spring-boot: mvn spring-boot:build-image, empty Maven repository", unit: "ms", samples: emptyMaven });
  return rows;
}
