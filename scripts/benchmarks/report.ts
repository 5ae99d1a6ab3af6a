// The bench's figures and how they print: units, targets and rows, median and p90, the main
// table, and the extra tables (reports) a section adds after it. Plain text or Markdown.

// ---------------------------------------------------------------------------------------------
// Rows, statistics and the table

export type Unit = "ms" | "bytes" | "count" | "percent";

export interface Target {
  /**
   * The figure (the median) must be at most this; with `exact`, every sample must equal it; with
   * `atLeast`, the figure must be at least this (a speed-up, say).
   */
  limit: number;
  /** How the target reads in the table, e.g. "<= 80 ms". */
  text: string;
  /** Every sample must be exactly `limit` (restarts per sync: one, not "one on the median"). */
  exact?: boolean;
  /** The figure must be at least `limit`, not at most. */
  atLeast?: boolean;
}

export interface Row {
  section: string;
  metric: string;
  unit: Unit;
  /** Timings and counts: the samples; sizes and figures computed from other rows: one value. */
  samples: number[];
  target?: Target;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function format(value: number, unit: Unit): string {
  if (unit === "ms") return value < 10 ? `${value.toFixed(2)} ms` : `${value.toFixed(1)} ms`;
  if (unit === "percent") return `${value.toFixed(1)} %`;
  if (unit === "count") return Number.isInteger(value) ? String(value) : value.toFixed(1);
  if (value < 1024) return `${value} B`;
  if (value < 1024 * 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${(value / 1024 / 1024).toFixed(1)} MiB`;
}

export function met(row: Row): boolean | undefined {
  if (row.target === undefined) return undefined;
  if (row.target.exact === true) return row.samples.every((s) => s === row.target!.limit);
  if (row.target.atLeast === true) return median(row.samples) >= row.target.limit;
  return median(row.samples) <= row.target.limit;
}

/** A table: cells as text; `right` names the columns of figures (right-aligned). */
export interface Grid {
  header: string[];
  rows: string[][];
  right: ReadonlySet<number>;
}

/** Aligned plain text, or a Markdown pipe table (padded too, so it reads as text as well). */
export function renderGrid(grid: Grid, markdown = false): string {
  const all = [grid.header, ...grid.rows];
  const widths = grid.header.map((_, i) => Math.max(3, ...all.map((r) => (r[i] ?? "").length)));
  const pad = (c: string, i: number) => (grid.right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!));
  if (markdown) {
    const line = (r: string[]) => `| ${r.map((c, i) => pad(c, i)).join(" | ")} |`;
    const rule = `|${widths.map((w, i) => (grid.right.has(i) ? `${"-".repeat(w + 1)}:` : `${"-".repeat(w + 2)}`)).join("|")}|`;
    return [line(grid.header), rule, ...grid.rows.map(line)].join("\n");
  }
  // Figures right-aligned so their units line up; words left-aligned.
  const line = (r: string[]) =>
    r
      .map((c, i) => pad(c, i))
      .join("  ")
      .trimEnd();
  return [line(grid.header), widths.map((w) => "-".repeat(w)).join("  "), ...grid.rows.map(line)].join("\n");
}

export function renderTable(rows: readonly Row[], markdown = false): string {
  const header = ["section", "metric", "median", "p90", "runs", "target", "met"];
  const cells = rows.map((row) => {
    const timing = row.samples.length > 1;
    const ok = met(row);
    return [
      row.section,
      row.metric,
      format(median(row.samples), row.unit),
      timing ? format(percentile(row.samples, 90), row.unit) : "-",
      timing ? String(row.samples.length) : "-",
      row.target?.text ?? "-",
      ok === undefined ? "-" : ok ? "yes" : "NO",
    ];
  });
  return renderGrid({ header, rows: cells, right: new Set([2, 3, 4]) }, markdown);
}

/** A section's extra output: a table of its own (a matrix of cells) and how it was measured. */
export interface Report {
  title: string;
  grid: Grid;
  notes: string[];
}

export function renderReport(report: Report, markdown: boolean): string {
  const title = markdown ? `### ${report.title}` : `${report.title}`;
  const notes = report.notes.map((n) => (markdown ? `- ${n}` : `  ${n}`));
  return [title, "", renderGrid(report.grid, markdown), ...(notes.length > 0 ? ["", ...notes] : [])].join("\n");
}

/** Durations in the live tables: seconds from 1 s on. */
export const fmtMs = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : format(value, "ms"));
export const fmtCount = (value: number) => format(value, "count");
