import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { artifact, type Artifact } from "./reloadable.ts";

/**
 * Repacks a release-shaped .tar.xz under a new name (and top directory) with extra files: a
 * second, distinguishable artifact for tests that switch versions.
 */
export function repackWith(source: Artifact, name: string, extra: Record<string, string>): Artifact {
  const work = mkdtempSync(join(tmpdir(), "reloadable-repack-"));
  try {
    const src = join(work, "source.tar.xz");
    writeFileSync(src, source.bytes);
    execFileSync("tar", ["-xJf", src, "-C", work]);
    const top = readdirSync(work).find((entry) => entry !== "source.tar.xz");
    if (top === undefined) throw new Error(`${source.name} has no top directory`);
    const newTop = name.replace(/\.tar\.xz$/, "");
    renameSync(join(work, top), join(work, newTop));
    for (const [file, content] of Object.entries(extra)) writeFileSync(join(work, newTop, file), content);
    // -0: the fastest preset; the test needs a distinct artifact, not a small one.
    execFileSync("tar", ["-cJf", join(work, name), "-C", work, "--owner=0", "--group=0", newTop], { env: { ...process.env, XZ_OPT: "-0" } });
    return artifact(join(work, name));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
