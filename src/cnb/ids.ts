/** Layer dirs are named by buildpack id with `/` replaced by `_`. */
export function escapeId(id: string): string {
  return id.replaceAll("/", "_");
}
