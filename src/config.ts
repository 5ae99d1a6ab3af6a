import { ConfigurationError } from "./errors.ts";
import type { ConfigurationDeclaration, Platform } from "./cnb/types.ts";
import { lookupVariable } from "./cnb/platform.ts";

export const ENABLED = "BP_LIVE_RELOAD_ENABLED";
export const WATCHEXEC_VERSION = "BP_WATCHEXEC_VERSION";
export const SYNC_TOOLS = "BP_LIVE_RELOAD_SYNC_TOOLS";

const TRUE_WORDS = ["true", "1", "yes", "on"];
const FALSE_WORDS = ["false", "0", "no", "off"];

/**
 * A boolean flag: unset or empty is the default; anything outside the accepted words is an
 * error rather than a silent "off", so a typo such as `ture` can't build an image without reload.
 */
export function parseFlag(
  variable: string,
  value: string | undefined,
  defaultValue = false,
  fix = variable === ENABLED
    ? `Set ${ENABLED} to true to enable live reload, or false (or unset it) to disable it.`
    : `Set ${variable} to true or false, or unset it for the default (${defaultValue}).`,
): boolean {
  if (value === undefined || value.trim() === "") return defaultValue;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  throw new ConfigurationError(
    variable,
    value,
    `is not a boolean: accepted values are ${[...TRUE_WORDS, ...FALSE_WORDS].join(", ")} (case-insensitive)`,
    fix,
  );
}

/** Reads the build's user variables: platform env files first, the process env as fallback. */
export class Settings {
  constructor(
    private readonly platform: Platform,
    private readonly processEnv: NodeJS.ProcessEnv,
    private readonly declarations: readonly ConfigurationDeclaration[],
  ) {}

  /** The value the user set, or undefined. */
  raw(name: string): string | undefined {
    return lookupVariable(this.platform, this.processEnv, name);
  }

  /**
   * Every variable whose name starts with `prefix`, by name: names no buildpack.toml can declare
   * ahead, such as BP_DEPENDENCY_MIRROR_<HOST>.
   */
  withPrefix(prefix: string): Record<string, string> {
    const names = new Set([...Object.keys(this.platform.env), ...Object.keys(this.processEnv)].filter((name) => name.startsWith(prefix)));
    const found: Record<string, string> = {};
    for (const name of [...names].sort()) {
      const value = this.raw(name);
      if (value !== undefined) found[name] = value;
    }
    return found;
  }

  /** The user's value, else the default declared in buildpack.toml. */
  value(name: string): string {
    return this.raw(name) ?? this.declarations.find((d) => d.name === name)?.default ?? "";
  }

  /**
   * The configuration table libpak prints: variable, value, default, description. The value is
   * the one in effect: `effective` holds what the build worked out (10ms debounce in trigger
   * mode, a JVM app's 20s stop timeout, the watchexec version chosen), else the user's value,
   * else the declared default.
   */
  table(effective: Readonly<Record<string, string>> = {}): string[][] {
    const rows = [["Variable", "Value", "Default", "Description"]];
    for (const d of this.declarations.filter((d) => d.build)) {
      rows.push([d.name, effective[d.name] ?? this.raw(d.name) ?? d.default, d.default, d.description]);
    }
    return rows;
  }
}
