// The real Paketo buildpacks of ../shared/paketo (prebuilt from their release tags), made ready
// for the lifecycle the way their release tooling leaves them: bin/detect and bin/build as links
// to the one binary, the version filled into buildpack.toml. Only their downloads are redirected,
// as an air-gapped user would: a test copy of buildpack.toml pointing at a local artifact.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import TOML from "@iarna/toml";
import type { BuildpackEntry } from "./lifecycle.ts";
import { PAKETO_DIR, scratchRoot } from "./paths.ts";

export { PAKETO_DIR };

/** The Paketo buildpacks the tests compose with, by short name, and the folder of each. */
export const PAKETO_BUILDPACKS = {
  watchexec: "watchexec-3.9.7",
  "executable-jar": "executable-jar-6.15.7",
  "spring-boot": "spring-boot-5.36.4",
  procfile: "procfile-5.13.6",
  "node-start": "node-start-2.6.29",
  "npm-start": "npm-start-2.4.29",
  "dist-zip": "dist-zip-5.12.3",
  "python-start": "python-start-0.17.12",
} as const;

export type PaketoName = keyof typeof PAKETO_BUILDPACKS;

/** A dependency of a Paketo buildpack pointed at an artifact the tests can reach. */
export interface PaketoDependency {
  id: string;
  /** Which entry to redirect: the one for this purl arch (default amd64) and, if given, version. */
  version?: string;
  arch?: string;
  uri: string;
  sha256: string;
}

let assembledRoot: string | undefined;

/**
 * One copy of a Paketo buildpack dir per test run, with bin/detect and bin/build as links: the
 * shared folder stores them as text files holding the link target.
 */
function assembled(folder: string): string {
  assembledRoot ??= (() => {
    const dir = mkdtempSync(join(scratchRoot(), "reloadable-paketo-"));
    chmodSync(dir, 0o755);
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  })();
  const dest = join(assembledRoot, folder);
  if (existsSync(dest)) return dest;
  const source = join(PAKETO_DIR, folder);
  if (!existsSync(join(source, "buildpack.toml"))) throw new Error(`${source} is missing: set RELOADABLE_PAKETO_DIR to the prebuilt Paketo buildpacks (default ../shared/paketo beside the checkout, else /work/shared/paketo)`);
  mkdirSync(join(dest, "bin"), { recursive: true });
  for (const name of readdirSync(source)) {
    if (name === "bin") continue;
    copyFileSync(join(source, name), join(dest, name));
  }
  for (const name of readdirSync(join(source, "bin"))) {
    const from = join(source, "bin", name);
    if (name === "detect" || name === "build") {
      symlinkSync(readFileSync(from, "utf8").trim(), join(dest, "bin", name));
    } else {
      copyFileSync(from, join(dest, "bin", name));
      chmodSync(join(dest, "bin", name), 0o755);
    }
  }
  return dest;
}

/** The test copy of a Paketo buildpack.toml: version filled in, downloads redirected. */
export function paketoDescriptor(name: PaketoName, dependencies: readonly PaketoDependency[] = []): { id: string; version: string; toml: string } {
  const folder = PAKETO_BUILDPACKS[name];
  const descriptor = TOML.parse(readFileSync(join(PAKETO_DIR, folder, "buildpack.toml"), "utf8")) as Record<string, any>;
  // packit's release tooling writes the version; the prebuilt copies of some lack it.
  const version: string = descriptor.buildpack.version ?? folder.slice(name.length + 1);
  descriptor.buildpack.version = version;
  for (const wanted of dependencies) {
    const arch = wanted.arch ?? "amd64";
    const entries = (descriptor.metadata?.dependencies ?? []) as Record<string, any>[];
    const entry = entries.find(
      (d) => d.id === wanted.id && String(d.purl ?? "").includes(`arch=${arch}`) && (wanted.version === undefined || d.version === wanted.version),
    ) ?? entries.find((d) => d.id === wanted.id && (wanted.version === undefined || d.version === wanted.version));
    if (entry === undefined) throw new Error(`${folder}/buildpack.toml has no ${wanted.id} dependency to redirect`);
    entry.uri = wanted.uri;
    entry.sha256 = wanted.sha256;
  }
  return { id: descriptor.buildpack.id, version, toml: TOML.stringify(descriptor) };
}

/** A real Paketo buildpack as an entry of the build's order. */
export function paketo(name: PaketoName, options: { dependencies?: PaketoDependency[]; optional?: boolean } = {}): BuildpackEntry {
  const dir = assembled(PAKETO_BUILDPACKS[name]);
  const { id, version, toml } = paketoDescriptor(name, options.dependencies);
  return { id, version, dir, descriptor: toml, ...(options.optional !== undefined ? { optional: options.optional } : {}) };
}
