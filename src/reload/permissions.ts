import { chmod, lstat, readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { BuildpackError } from "../errors.ts";

/**
 * The app dir is made group-writable (never world-writable): on Paketo's jammy stacks the run
 * user differs from the build user but shares its group, so a sync tool running as the run user
 * can then overwrite the app's files.
 */

/** A setuid or setgid program made group-writable could be replaced by the group: left alone. */
const SET_ID = 0o6000;

export interface ModeChange {
  path: string;
  from: number;
  to: number;
}

export interface BlockedEntry {
  path: string;
  uid: number;
  mode: number;
}

export interface GroupWritablePlan {
  root: string;
  changes: ModeChange[];
  /** Entries that need a change this user may not make (chmod needs the owner, or root). */
  blocked: BlockedEntry[];
  /** setuid/setgid files, left as they are on purpose. */
  setId: string[];
}

function wantedMode(mode: number, isDirectory: boolean): number {
  return (isDirectory ? mode | 0o070 : mode | 0o060) & 0o7777;
}

/**
 * Works out every change without making any, so that a file the build user cannot change (one
 * owned by root, say) is found before anything is written. `uid` is the build user's.
 */
export async function planGroupWritable(root: string, uid: number | undefined = process.getuid?.()): Promise<GroupWritablePlan> {
  const plan: GroupWritablePlan = { root, changes: [], blocked: [], setId: [] };
  const visit = async (path: string): Promise<void> => {
    const info = await lstat(path);
    if (info.isSymbolicLink()) return;
    const mode = info.mode & 0o7777;
    const isDirectory = info.isDirectory();
    if (!isDirectory && (mode & SET_ID) !== 0) {
      plan.setId.push(path);
      return;
    }
    const wanted = wantedMode(mode, isDirectory);
    if (wanted !== mode) {
      if (uid !== undefined && uid !== 0 && info.uid !== uid) plan.blocked.push({ path, uid: info.uid, mode });
      else plan.changes.push({ path, from: mode, to: wanted });
    }
    if (isDirectory) {
      let entries: string[];
      try {
        entries = await readdir(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== "EACCES" && code !== "EPERM") throw error;
        // A dir the build user may not even list: nothing under it can be changed either.
        if (!plan.blocked.some((b) => b.path === path)) plan.blocked.push({ path, uid: info.uid, mode });
        return;
      }
      for (const entry of entries) await visit(join(path, entry));
    }
  };
  await visit(root);
  return plan;
}

const SHOWN = 5;

/** The build error for entries the build user cannot make group-writable, or undefined. */
export function groupWritableError(plan: GroupWritablePlan, uid: number | undefined = process.getuid?.()): BuildpackError | undefined {
  if (plan.blocked.length === 0) return undefined;
  const shown = plan.blocked
    .slice(0, SHOWN)
    .map((b) => `${relative(plan.root, b.path) || "."} (owner uid ${b.uid}, mode ${b.mode.toString(8).padStart(4, "0")})`);
  const more = plan.blocked.length > SHOWN ? ` and ${plan.blocked.length - SHOWN} more` : "";
  return new BuildpackError(
    `cannot make the app dir group-writable for sync tools: the build user (uid ${uid ?? "?"}) may not change ${plan.blocked.length === 1 ? "1 entry" : `${plan.blocked.length} entries`} of ${plan.root}: ${shown.join(", ")}${more}`,
    `chown them to the build user, or make them group-writable (chmod g+rw, g+rwx for dirs) before the build, or remove them from the app; nothing was written.`,
  );
}

/**
 * Applies a plan (or plans first when given none) and returns how many entries changed. An
 * entry that changed or vanished since the plan, or that chmod refuses (EPERM, EACCES, EROFS),
 * is reported through `skipped` instead of failing the build halfway through the app dir.
 */
export async function makeGroupWritable(
  root: string,
  plan?: GroupWritablePlan,
  skipped: (path: string, reason: string) => void = () => undefined,
): Promise<number> {
  const { changes, blocked } = plan ?? (await planGroupWritable(root));
  for (const b of blocked) skipped(b.path, `owned by uid ${b.uid}`);
  let changed = 0;
  for (const change of changes) {
    try {
      await chmod(change.path, change.to);
      changed++;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EPERM" || code === "EACCES" || code === "EROFS" || code === "ENOENT") skipped(change.path, code);
      else throw error;
    }
  }
  return changed;
}
