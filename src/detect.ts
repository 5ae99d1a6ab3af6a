import { ENABLED, parseFlag, type Settings } from "./config.ts";
import type { BuildPlan } from "./cnb/types.ts";

export type DetectResult = { pass: true; plan: BuildPlan } | { pass: false; reason: string };

/** watchexec from an earlier buildpack of the group (Paketo's watchexec), so the image has one. */
const EARLIER_WATCHEXEC: BuildPlan = { provides: [], requires: [{ name: "watchexec", metadata: { launch: true } }] };
/** Reloadable's own watchexec: valid alone or last in any group. */
const OWN_WATCHEXEC: BuildPlan = { provides: [{ name: "watchexec" }], requires: [{ name: "watchexec", metadata: { launch: true } }] };
const JRE = { name: "jre", metadata: { launch: true } };

/**
 * Passes only when the user asked for live reload. The plan alternatives, tried in order by the
 * lifecycle: watchexec from an earlier buildpack (Paketo's watchexec buildpack, when the group
 * has it: one watchexec in the image), else its own. For a JVM app each first asks for a `jre` at
 * launch (a JVM provider such as Paketo's bellsoft-liberica, when the group has one), so it still
 * passes without one.
 */
export async function detect(settings: Settings, isJavaApp: () => Promise<boolean>): Promise<DetectResult> {
  if (!parseFlag(ENABLED, settings.raw(ENABLED))) {
    return { pass: false, reason: `${ENABLED} is not true: live reload is off (enable it with -e ${ENABLED}=true)` };
  }
  const alternatives = (await isJavaApp())
    ? [withJre(EARLIER_WATCHEXEC), withJre(OWN_WATCHEXEC), EARLIER_WATCHEXEC, OWN_WATCHEXEC]
    : [EARLIER_WATCHEXEC, OWN_WATCHEXEC];
  const [first, ...or] = alternatives as [BuildPlan, ...BuildPlan[]];
  return { pass: true, plan: { ...first, or } };
}

function withJre(plan: BuildPlan): BuildPlan {
  return { provides: plan.provides, requires: [...plan.requires, JRE] };
}
