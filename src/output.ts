/**
 * Build output in the Paketo shape: a title line, the configuration table, indented steps.
 * Everything goes through a Logger so tests can read what a user would see.
 */
export interface Logger {
  title(name: string, version: string, homepage: string): void;
  header(text: string): void;
  detail(text: string): void;
  subDetail(text: string): void;
  warn(text: string): void;
  blank(): void;
}

export function streamLogger(out: NodeJS.WritableStream, err: NodeJS.WritableStream = out): Logger {
  const line = (stream: NodeJS.WritableStream, text: string) => stream.write(`${text}\n`);
  return {
    title: (name, version, homepage) => {
      line(out, `${name} ${version}`);
      line(out, `  ${homepage}`);
    },
    header: (text) => line(out, `  ${text}`),
    detail: (text) => line(out, `    ${text}`),
    subDetail: (text) => line(out, `      ${text}`),
    warn: (text) => line(err, `  WARNING: ${text}`),
    blank: () => line(out, ""),
  };
}

/** Renders rows as left-aligned columns, the way libpak prints its configuration table. */
export function formatTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

export function formatDuration(ms: number): string {
  return Math.round(ms) < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (Number((bytes / 1024).toFixed(1)) < 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
