// vitest hooks for container test files (kept out of index.ts, which scripts import too).
import { afterAll, beforeAll } from "vitest";
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
