import { chmod, lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

/**
 * Makes the app dir group-writable (never world-writable). On Paketo's jammy stacks the run
 * user differs from the build user but shares its group, so a sync tool running as the run user
 * can then overwrite the app's files. Returns how many entries changed.
 */
export async function makeGroupWritable(root: string): Promise<number> {
  let changed = 0;
  const visit = async (path: string): Promise<void> => {
    const info = await lstat(path);
    if (info.isSymbolicLink()) return;
    const wanted = info.isDirectory() ? info.mode | 0o070 : info.mode | 0o060;
    if ((wanted & 0o7777) !== (info.mode & 0o7777)) {
      await chmod(path, wanted & 0o7777);
      changed++;
    }
    if (info.isDirectory()) {
      for (const entry of await readdir(path)) await visit(join(path, entry));
    }
  };
  await visit(root);
  return changed;
}
