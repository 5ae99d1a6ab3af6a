// vitest hooks for container test files (kept out of index.ts, which scripts import too).
import { chmodSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type BuildImageConfig, type BuildImageContext, springBootBuildImage } from "./build-image.ts";
import { type BuildContext, type PackBuildConfig, packBuild } from "./pack.ts";

/**
 * One pack build shared by the tests of a file: built before them, removed (with everything
 * packBuild removes) after them. Read `.ctx` inside tests.
 */
export function usePackBuild(config: PackBuildConfig | (() => PackBuildConfig)): { readonly ctx: BuildContext } {
  let ctx: BuildContext | undefined;
  let release: (() => void) | undefined;
  let finished: Promise<void> | undefined;
  beforeAll(async () => {
    await new Promise<void>((ready, fail) => {
      finished = packBuild(typeof config === "function" ? config() : config, (built) => {
        ctx = built;
        ready();
        return new Promise<void>((resolve) => (release = resolve));
      }).catch((error: unknown) => {
        fail(error);
      });
    });
  });
  afterAll(async () => {
    release?.();
    await finished;
  });
  return {
    get ctx() {
      if (ctx === undefined) throw new Error("usePackBuild: read ctx inside a test, not at file load");
      return ctx;
    },
  };
}

/**
 * Checkouts of an example to edit, as a developer has (mode 0755, as a clone is), each a copy
 * made on demand and removed after the file's tests.
 */
export function useCheckouts(example: string, options: { filter?: (src: string) => boolean } = {}): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), "reloadable-ct-checkout-"));
    chmodSync(dir, 0o755);
    cpSync(example, dir, { recursive: true, ...(options.filter !== undefined ? { filter: options.filter } : {}) });
    made.push(dir);
    return dir;
  };
}

/**
 * One `mvn spring-boot:build-image` shared by the tests of a file (see build-image.ts): built
 * before them, removed with everything it made after them, or earlier by `finish()` (a test can
 * then check that nothing is left).
 */
export function useBuildImage(config: BuildImageConfig): { readonly ctx: BuildImageContext; finish(): Promise<void> } {
  let ctx: BuildImageContext | undefined;
  let release: (() => void) | undefined;
  let finished: Promise<void> | undefined;
  beforeAll(async () => {
    await new Promise<void>((ready, fail) => {
      finished = springBootBuildImage(config, (built) => {
        ctx = built;
        ready();
        return new Promise<void>((resolve) => (release = resolve));
      }).catch((error: unknown) => {
        fail(error);
      });
    });
  });
  const finish = async () => {
    release?.();
    await finished;
  };
  afterAll(finish);
  return {
    get ctx() {
      if (ctx === undefined) throw new Error("useBuildImage: read ctx inside a test, not at file load");
      return ctx;
    },
    finish,
  };
}
