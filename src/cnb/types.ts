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

export interface Process {
  type: string;
  command: string[];
  args: string[];
  default: boolean;
  "working-dir"?: string;
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
