// The local images scripts/container makes (see scripts/container/stack, lifecycle-image and
// builder.ts), and the prefixes of what the container tests make and remove.

export const STACK = {
  id: "io.reloadable.stacks.bookworm",
  build: "reloadable-local/build:bookworm",
  /** Full run image: python3, bash, tar, coreutils, libstdc++, zlib, certs. User cnb 1002:1000. */
  run: "reloadable-local/run:bookworm",
  /** Shell-less, tar-less run image: loader, libc, libgcc_s, libstdc++, zlib, certs. */
  tiny: "reloadable-local/run-tiny:bookworm",
} as const;

export const LIFECYCLE_IMAGE = "reloadable-local/lifecycle:0.21.17";
export const BUILDER = "reloadable-local/builder:bookworm";

/** The arm64 stack and builder (scripts/container/stack-arm64, builder-arm64.ts): run under qemu. */
export const STACK_ARM64 = {
  id: "io.reloadable.stacks.bookworm",
  build: "reloadable-local/build:bookworm-arm64",
  run: "reloadable-local/run:bookworm-arm64",
} as const;
export const BUILDER_ARM64 = "reloadable-local/builder:bookworm-arm64";

/** This test run's id (set by the global setup): in image names and container labels. */
export const RUN_ID_ENV = "RELOADABLE_CT_RUN";
function runId(): string {
  return process.env[RUN_ID_ENV] ?? "adhoc";
}

/** App images are named `reloadable-it/<run>-<name>-<random>`; pack names its caches after them. */
export function appImagePrefix(): string {
  return `reloadable-it/${runId()}-`;
}

/** Compose project names; their containers are named `<project>-<service>-<n>`. */
export function composeProjectPrefix(): string {
  return `reloadable-it-${runId()}-`;
}

/** The label on every container the tests start (compose's are found by composeProjectPrefix). */
export function runLabel(): string {
  return `dev.reloadable.test=${runId()}`;
}
