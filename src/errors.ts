/**
 * Every failure the buildpack reports is a BuildpackError: a title, what went wrong with the
 * exact input, and what to do. main.ts turns it into output and an exit code in one place.
 */
export class BuildpackError extends Error {
  readonly fix: string;

  constructor(message: string, fix: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.fix = fix;
  }
}

/** A user-supplied setting (platform env file or process env) holds a value we can't use. */
export class ConfigurationError extends BuildpackError {
  constructor(
    readonly variable: string,
    readonly value: string,
    problem: string,
    fix: string,
    options?: { cause?: unknown },
  ) {
    super(`${variable}=${JSON.stringify(value)} ${problem}`, fix, options);
  }
}

/**
 * A dependency mirror setting (a BP_DEPENDENCY_MIRROR* variable or an entry of a
 * dependency-mirror binding) can't be used. `setting` names it; `value` is already masked.
 */
export class MirrorConfigurationError extends BuildpackError {
  constructor(
    readonly setting: string,
    readonly value: string,
    problem: string,
    fix: string,
  ) {
    super(`${setting}=${JSON.stringify(value)} ${problem}`, fix);
  }
}

/** Fetching from a mirror failed; names the mirror setting and the URL (credentials masked). */
export class MirrorFetchError extends BuildpackError {}

/** No dependency in buildpack.toml matches the requested version and architecture. */
export class DependencyNotFoundError extends BuildpackError {}

/** buildpack.toml, a layer's TOML or another contract file could not be read or is malformed. */
export class ContractError extends BuildpackError {}

/** Fetching a dependency failed (network, HTTP status, timeout, missing file). */
export class DownloadError extends BuildpackError {
  constructor(
    readonly uri: string,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(
      `${message} (${uri})`,
      "Check the network or proxy (HTTPS_PROXY/HTTP_PROXY/NO_PROXY), or give the build the artifact through a dependency mirror (BP_DEPENDENCY_MIRROR), a dependency-mapping binding or an offline package.",
      options,
    );
  }
}

export class ChecksumMismatchError extends BuildpackError {
  constructor(
    readonly uri: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `SHA-256 mismatch for ${uri}: expected ${expected}, got ${actual}`,
      "The artifact is not the one buildpack.toml names. If a dependency-mapping binding or mirror points here, point it at the exact release file; nothing was installed.",
    );
  }
}

/** The archive holds an entry that would land outside the layer, or lacks the binary. */
export class UnsafeArchiveError extends BuildpackError {
  constructor(
    readonly uri: string,
    message: string,
  ) {
    super(`${message} in ${uri}`, "Use the official watchexec release archive; nothing was installed.");
  }
}

export function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
