import { ENABLED, parseFlag, type Settings } from "./config.ts";
import type { BuildPlan } from "./cnb/types.ts";

export type DetectResult = { pass: true; plan: BuildPlan } | { pass: false; reason: string };

const WATCHEXEC_ONLY: BuildPlan = { provides: [{ name: "watchexec" }], requires: [{ name: "watchexec" }] };

/**
 * Passes only when the user asked for live reload. The plan provides and requires `watchexec`
 * itself, so the buildpack is valid alone or last in any group. For a JVM app it first asks for
 * a `jre` at launch (a JVM provider such as Paketo's bellsoft-liberica, when the group has one),
 * with the watchexec-only plan as the `[[or]]` alternative, so it still passes without one.
 */
export async function detect(settings: Settings, isJavaApp: () => Promise<boolean>): Promise<DetectResult> {
  if (!parseFlag(ENABLED, settings.raw(ENABLED))) {
    return { pass: false, reason: `${ENABLED} is not true: live reload is off (enable it with -e ${ENABLED}=true)` };
  }
  if (!(await isJavaApp())) return { pass: true, plan: WATCHEXEC_ONLY };
  return {
    pass: true,
    plan: {
      provides: [{ name: "watchexec" }],
      requires: [{ name: "watchexec" }, { name: "jre", metadata: { launch: true } }],
      or: [WATCHEXEC_ONLY],
    },
  };
}
