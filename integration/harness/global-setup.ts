// vitest global setup of the integration project: one shared copy of the lifecycle, launcher
// and buildpack binary for every test worker, removed when the run ends.
import { rmSync } from "node:fs";
import { prepareSharedTools, SHARED_TOOLS_ENV } from "./lifecycle.ts";

export function setup(): () => void {
  const dir = prepareSharedTools();
  // Workers are started after this and inherit the environment.
  process.env[SHARED_TOOLS_ENV] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
