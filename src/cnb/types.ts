/** The parts of the Cloud Native Buildpacks contract (Buildpack API 0.10) this buildpack uses. */

export interface BuildpackInfo {
  id: string;
  name: string;
  version: string;
  homepage: string;
}

export interface ConfigurationDeclaration {
  name: string;
  default: string;
  description: string;
  build: boolean;
  launch: boolean;
}

export interface License {
  type: string;
  uri?: string;
}

/** One `[[metadata.dependencies]]` entry of buildpack.toml, as Paketo writes them. */
export interface DependencyRecord {
  id: string;
  name: string;
  version: string;
  uri: string;
  sha256: string;
  purl: string;
  cpes: string[];
  licenses: License[];
  stacks: string[];
  source?: string;
  "source-sha256"?: string;
}

export interface BuildpackDescriptor {
  info: BuildpackInfo;
  configurations: ConfigurationDeclaration[];
  dependencies: DependencyRecord[];
}

export interface PlanRequire {
  name: string;
  metadata?: Record<string, unknown>;
}

export interface BuildPlan {
  provides: { name: string }[];
  requires: PlanRequire[];
  or?: BuildPlan[];
}

export interface LayerTypes {
  launch: boolean;
  build: boolean;
  cache: boolean;
}

export interface LayerMetadataFile<M> {
  types: LayerTypes;
  metadata: M;
}

/** A process as this buildpack (Buildpack API 0.10) declares it in launch.toml. */
export interface Process {
  type: string;
  command: string[];
  args: string[];
  default: boolean;
  "working-dir"?: string;
}

/**
 * How the launcher starts a process, whatever Buildpack API declared it:
 * - `exec`: it execs `argv` followed by `args`, and a user's arguments replace `args`. For a
 *   Buildpack API < 0.9 process, whose user arguments are APPENDED, everything is in `argv` and
 *   `args` is empty (arguments given to an API 0.10 process with no args behave the same);
 * - `shell` (`direct = false`, Buildpack API < 0.9): bash sources the profile scripts and the
 *   app's `.profile`, then runs `command` as a script (no args), or evaluates `command` and each
 *   arg as one word each; a user's arguments are appended to `args`.
 */
export type Launch = { kind: "exec"; argv: string[]; args: string[] } | { kind: "shell"; command: string; args: string[] };

/** A process type: how it starts, and what the launcher needs besides. */
export interface ProcessSpec {
  type: string;
  launch: Launch;
  default: boolean;
  workingDir?: string;
  /** The buildpack that declared it; undefined when this buildpack found it (Procfile, JVM app). */
  buildpackId?: string;
}

/** `<platform>/bindings/<name>/`: its type and every other file as an entry. */
export interface Binding {
  name: string;
  type: string;
  entries: Record<string, string>;
}

/** What the platform passes: env files under `<platform>/env/`, and bindings. */
export interface Platform {
  dir: string;
  env: Record<string, string>;
  bindings: Binding[];
}
