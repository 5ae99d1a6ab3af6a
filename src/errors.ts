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

export const NETWORK_FIX =
  "Check the network or proxy (HTTPS_PROXY/HTTP_PROXY/NO_PROXY), or give the build the artifact through a dependency mirror (BP_DEPENDENCY_MIRROR), a dependency-mapping binding or an offline package.";

/** Fetching a dependency failed (network, HTTP status, timeout, too slow, missing file). */
export class DownloadError extends BuildpackError {
  constructor(
    readonly uri: string,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown; fix?: string },
  ) {
    super(`${message} (${uri})`, options?.fix ?? NETWORK_FIX, options);
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

/**
 * A system call failed on a path (permissions, a full or read-only disk, a directory where a
 * file belongs). main.ts turns any such error that reached it into one of these, so the build
 * says which path and what to do instead of printing a stack trace.
 */
export class FileSystemError extends BuildpackError {
  constructor(
    readonly code: string,
    readonly path: string | undefined,
    message: string,
    fix: string,
    options?: { cause?: unknown },
  ) {
    super(message, fix, options);
  }
}

/** The first Node system error (one with an errno `code`) in the error and its causes. */
export function systemErrorIn(error: unknown): NodeJS.ErrnoException | undefined {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code) && (e as NodeJS.ErrnoException).syscall !== undefined) return e as NodeJS.ErrnoException;
  }
  return undefined;
}

/** What a syscall was doing, in words: "open", "change the mode of"... */
const ACTIONS: Record<string, string> = {
  open: "open",
  read: "read",
  write: "write",
  chmod: "change the mode of",
  fchmod: "change the mode of",
  lchmod: "change the mode of",
  chown: "change the owner of",
  mkdir: "create the directory",
  mkdtemp: "create a directory in",
  rmdir: "remove the directory",
  unlink: "remove",
  rm: "remove",
  rename: "rename",
  link: "link",
  symlink: "create the link",
  scandir: "list",
  opendir: "list",
  readlink: "read the link",
  stat: "read",
  lstat: "read",
  access: "read",
  copyfile: "copy",
  utime: "set the times of",
};

export interface Identity {
  uid: number | undefined;
  gid: number | undefined;
}

function currentIdentity(): Identity {
  return { uid: process.getuid?.(), gid: process.getgid?.() };
}

/**
 * Maps a system error (EACCES, EPERM, ENOSPC, EROFS, EISDIR, ENOENT...) to a FileSystemError
 * naming the path and what to do, or undefined for anything else. Pure given `who`.
 */
export function explainSystemError(error: unknown, who: Identity = currentIdentity()): FileSystemError | undefined {
  const system = systemErrorIn(error);
  if (system === undefined) return undefined;
  const code = system.code!;
  const path = system.path;
  const where = path ?? "a path the system did not name";
  const action = ACTIONS[system.syscall ?? ""] ?? system.syscall ?? "use";
  const destination = (system as NodeJS.ErrnoException & { dest?: string }).dest;
  const dest = destination !== undefined ? ` to ${destination}` : "";
  const user = who.uid === undefined ? "the build user" : `uid ${who.uid}${who.gid !== undefined ? `, gid ${who.gid}` : ""}`;
  const explained = (message: string, fix: string) => new FileSystemError(code, path, message, fix, { cause: error });
  switch (code) {
    case "EACCES":
    case "EPERM":
      return explained(
        `permission denied: cannot ${action} ${where}${dest} (${code})`,
        `The build runs as ${user}. Give that user access to ${where} (own it, or make it group-writable for a shared group) before the build, or remove it.`,
      );
    case "ENOSPC":
      return explained(
        `no space left on the device holding ${where} (${action})`,
        "Free disk space on the build host (for Docker: docker system prune), or give the build more disk, then build again. Nothing half-written is reused.",
      );
    case "EDQUOT":
      return explained(`disk quota exceeded writing ${where}`, `Raise the disk quota of ${user}, or free space in it, then build again.`);
    case "EROFS":
      return explained(
        `${where} is on a read-only file system (cannot ${action} it)`,
        "Mount the app, layers and platform dirs writable for the build (only bindings and buildpacks may be read-only).",
      );
    case "EISDIR":
      return explained(`${where} is a directory where a file was expected (${action})`, `Replace ${where} with a file, or point whatever names it (a setting, a binding) at a file.`);
    case "ENOTDIR":
      return explained(`a part of ${where} is not a directory (${action})`, `Check the path ${where}: a file stands where a directory is expected.`);
    case "ENOENT":
      return explained(`${where} does not exist (${action})`, `Check that ${where} exists when the build runs; if a setting or binding names it, correct the path.`);
    case "ELOOP":
      return explained(`${where} is a loop of symbolic links (${action})`, `Remove or correct the symbolic links in ${where}.`);
    case "ENAMETOOLONG":
      return explained(`the path ${where.slice(0, 200)}${where.length > 200 ? "..." : ""} is too long`, "Use shorter file names or fewer nested directories.");
    case "EMFILE":
    case "ENFILE":
      return explained(`too many open files (${action} ${where})`, "Raise the open-file limit of the build (ulimit -n, or the container runtime's nofile limit).");
    case "EIO":
      return explained(`input/output error on ${where} (${action})`, "The disk or network file system failed: check the build host's storage, then build again.");
    case "ETXTBSY":
    case "EBUSY":
      return explained(`${where} is busy (${action}, ${code})`, `Stop whatever is using ${where}, then build again.`);
    default:
      return undefined;
  }
}
