import { ENABLED, parseFlag, type Settings } from "./config.ts";
import type { BuildPlan } from "./cnb/types.ts";

export type DetectResult = { pass: true; plan: BuildPlan } | { pass: false; reason: string };

/**
 * Passes only when the user asked for live reload. The plan provides and requires `watchexec`
 * itself, so the buildpack is valid alone or last in any group.
 */
export function detect(settings: Settings): DetectResult {
  if (!parseFlag(ENABLED, settings.raw(ENABLED))) {
    return { pass: false, reason: `${ENABLED} is not true: live reload is off (enable it with -e ${ENABLED}=true)` };
  }
  return {
    pass: true,
    plan: { provides: [{ name: "watchexec" }], requires: [{ name: "watchexec" }] },
  };
}
