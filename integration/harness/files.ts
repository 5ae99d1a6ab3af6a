import { chmod, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/** A file's content, or content with a mode (an executable, say). */
export type FileContent = string | Buffer | { content: string | Buffer; mode: number };

/** Writes files by relative path; anything under a `bin/` dir is made executable. */
export async function writeTree(root: string, files: Record<string, FileContent>): Promise<void> {
  for (const [path, file] of Object.entries(files)) {
    const full = join(root, path);
    await mkdir(dirname(full), { recursive: true });
    const content = typeof file === "string" || Buffer.isBuffer(file) ? file : file.content;
    await writeFile(full, content);
    if (typeof file === "object" && !Buffer.isBuffer(file)) await chmod(full, file.mode);
    else if (path.startsWith("bin/") || path.includes("/bin/")) await chmod(full, 0o755);
  }
}
