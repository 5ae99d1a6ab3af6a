import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import TOML from "@iarna/toml";
import type { BuildpackEntry } from "./lifecycle.ts";
import { BUSYBOX_DEB, fixturesDir, requirePackage, WATCHEXEC_TARBALL } from "./paths.ts";
import { DependencyServer } from "./depserver.ts";

export const RELOADABLE_ID = "reloadable/watchexec";

export interface Artifact {
  name: string;
  bytes: Buffer;
  sha256: string;
}

export function artifact(path: string, name = path.split("/").pop() ?? path): Artifact {
  const bytes = readFileSync(path);
  return { name, bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/** The watchexec 2.5.1 tarball scripts/tools built from crates.io, shaped like a release. */
export function localWatchexec(): Artifact {
  return artifact(WATCHEXEC_TARBALL);
}

/** The busybox-static package buildpack.toml names (the real one: its SHA-256 matches). */
export function localBusybox(): Artifact {
  return artifact(BUSYBOX_DEB);
}

export interface DependencyOverride {
  /** watchexec unless said. */
  id?: string;
  version: string;
  arch?: string;
  uri: string;
  sha256: string;
}

/**
 * The test copy of buildpack.toml: the packaged descriptor with the given dependency entries
 * pointed at artifacts the tests can serve (the official URLs are unreachable here). Busybox,
 * unless overridden, points at the local copy of the real package (a file: URI). `source`: the
 * descriptor to start from (default: dist/buildpack's, which declares the host's target only).
 */
export function reloadableDescriptor(overrides: DependencyOverride[], source = join(requirePackage(), "buildpack.toml")): string {
  const descriptor = TOML.parse(readFileSync(source, "utf8")) as Record<string, any>;
  const busybox = localBusybox();
  const withBusybox = overrides.some((o) => o.id === "busybox") ? overrides : [...overrides, { id: "busybox", version: "1.35.0", uri: `file://${BUSYBOX_DEB}`, sha256: busybox.sha256 }];
  for (const o of withBusybox) {
    const arch = o.arch ?? "amd64";
    const id = o.id ?? "watchexec";
    const entry = descriptor.metadata.dependencies.find((d: any) => d.id === id && d.version === o.version && new URLSearchParams(String(d.purl).split("?")[1]).get("arch") === arch);
    if (entry === undefined) throw new Error(`buildpack.toml has no ${id} ${o.version} for ${arch}`);
    entry.uri = o.uri;
    entry.sha256 = o.sha256;
  }
  return TOML.stringify(descriptor);
}

export function reloadable(options: { descriptor?: string; optional?: boolean } = {}): BuildpackEntry {
  const descriptor = TOML.parse(readFileSync(join(requirePackage(), "buildpack.toml"), "utf8")) as Record<string, any>;
  return {
    id: RELOADABLE_ID,
    version: descriptor.buildpack.version,
    dir: requirePackage(),
    reloadableBinary: true,
    ...(options.optional !== undefined ? { optional: options.optional } : {}),
    ...(options.descriptor !== undefined ? { descriptor: options.descriptor } : {}),
  };
}

/** A fixture buildpack from integration/fixtures/buildpacks/<name>. */
export function fixtureBuildpack(name: string, options: { optional?: boolean } = {}): BuildpackEntry {
  const dir = join(fixturesDir, "buildpacks", name);
  const descriptor = TOML.parse(readFileSync(join(dir, "buildpack.toml"), "utf8")) as Record<string, any>;
  return { id: descriptor.buildpack.id, version: descriptor.buildpack.version, dir, ...(options.optional !== undefined ? { optional: options.optional } : {}) };
}

export interface ServedWatchexec {
  server: DependencyServer;
  watchexec: Artifact;
  busybox: Artifact;
  /** The test copy of buildpack.toml, whose watchexec 2.5.1 and busybox amd64 entries point at the server. */
  descriptor: string;
}

/**
 * A real HTTP server on 127.0.0.1 serving the local watchexec tarball, and the descriptor that
 * points at it: the official release URL is unreachable here.
 */
export async function serveLocalWatchexec(): Promise<ServedWatchexec> {
  const watchexec = localWatchexec();
  const busybox = localBusybox();
  const server = await new DependencyServer().start();
  const uri = server.serve(watchexec.name, watchexec.bytes);
  return {
    server,
    watchexec,
    busybox,
    descriptor: reloadableDescriptor([
      { version: "2.5.1", uri, sha256: watchexec.sha256 },
      { id: "busybox", version: "1.35.0", uri: server.serve(busybox.name, busybox.bytes), sha256: busybox.sha256 },
    ]),
  };
}
