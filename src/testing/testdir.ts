import { afterEach } from "vitest";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** One file in a test tree: its text, or text with a mode, or a symlink. */
export type TreeEntry = string | Uint8Array | { content: string | Uint8Array; mode: number } | { symlink: string };

export interface TestDir {
  /** The temp dir's absolute path. */
  path: string;
  /** An absolute path inside the temp dir. */
  join(...parts: string[]): string;
  cleanup(): Promise<void>;
}

/**
 * Makes a temp dir holding `tree` (paths are relative, parents are created; a key ending in "/"
 * is an empty dir) and returns it with a cleanup. Pair with afterEach/onTestFinished.
 */
export async function testdir(tree: Record<string, TreeEntry> = {}, prefix = "reloadable-test-"): Promise<TestDir> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  await writeTree(root, tree);
  return {
    path: root,
    join: (...parts) => join(root, ...parts),
    // Retries cover a test that leaves an extraction settling when it ends.
    cleanup: () => rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 }),
  };
}

export async function writeTree(root: string, tree: Record<string, TreeEntry>): Promise<void> {
  for (const [path, entry] of Object.entries(tree)) {
    const target = join(root, path);
    if (path.endsWith("/")) {
      await mkdir(target, { recursive: true });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    if (typeof entry === "string" || entry instanceof Uint8Array) {
      await writeFile(target, entry);
    } else if ("symlink" in entry) {
      await symlink(entry.symlink, target);
    } else {
      await writeFile(target, entry.content);
      await chmod(target, entry.mode);
    }
  }
}

/**
 * A testdir() whose dirs are removed after each test of the calling file (it registers the
 * afterEach hook). For dirs that must outlive one test, use testdir() and clean up yourself.
 */
export function testdirsRemovedAfterEach(): (tree?: Record<string, TreeEntry>, prefix?: string) => Promise<TestDir> {
  const made: TestDir[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((dir) => dir.cleanup()));
  });
  return async (tree, prefix) => {
    const dir = await testdir(tree, prefix);
    made.push(dir);
    return dir;
  };
}
