import { chown, readdir, lstat } from "node:fs/promises";
import { join } from "node:path";

/**
 * The lifecycle refuses to run as root, like the `cnb` user (1000:1000) of real build images.
 * Run as root (CI), the harness drops to 1000:1000 for every lifecycle phase and the app; run as
 * an ordinary user, it stays that user.
 */
export interface Identity {
  uid: number;
  gid: number;
}

export const CNB_USER: Identity = { uid: 1000, gid: 1000 };

export function runAs(): Identity | undefined {
  return process.getuid?.() === 0 ? CNB_USER : undefined;
}

export async function chownTree(path: string, who: Identity | undefined): Promise<void> {
  if (who === undefined) return;
  await chown(path, who.uid, who.gid);
  const info = await lstat(path);
  if (!info.isDirectory()) return;
  for (const entry of await readdir(path)) await chownTree(join(path, entry), who);
}
