// vitest hooks for test files (kept out of index.ts, which the demo and the bench import too).
import { afterAll, beforeAll } from "vitest";
import { serveLocalWatchexec, type ServedWatchexec } from "./reloadable.ts";

/**
 * Serves the local watchexec tarball for the calling test file: started before its tests,
 * stopped after them. Read `.descriptor` (the test copy of buildpack.toml) inside tests.
 */
export function useLocalWatchexec(): ServedWatchexec {
  let served: ServedWatchexec | undefined;
  beforeAll(async () => {
    served = await serveLocalWatchexec();
  });
  afterAll(async () => {
    await served?.server.stop();
  });
  const current = (): ServedWatchexec => {
    if (served === undefined) throw new Error("useLocalWatchexec: read it inside a test, not at file load");
    return served;
  };
  return {
    get server() {
      return current().server;
    },
    get watchexec() {
      return current().watchexec;
    },
    get busybox() {
      return current().busybox;
    },
    get descriptor() {
      return current().descriptor;
    },
  };
}
