// Percentiles and tables. Tables are printed as Markdown, so a run's output can be pasted as is.

/** Nearest-rank percentile (p in 0..100) of numbers; NaN for none. */
export function percentile(values, p) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * v.length));
  return v[rank - 1];
}

export const median = (values) => percentile(values, 50);
export const mean = (values) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN);

/** "12.3" for ms figures, "—" for nothing. */
export function ms(value, digits = 1) {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

export function ratio(a, b, digits = 1) {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(digits)}×` : '—';
}

export function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

/** Prints a Markdown table: `columns` are header strings, `rows` arrays of cells. */
export function table(title, columns, rows, notes = []) {
  const cells = [columns, ...rows].map((r) => r.map((c) => String(c ?? '')));
  const widths = columns.map((_, i) => Math.max(3, ...cells.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const out = [
    '',
    `### ${title}`,
    '',
    line(cells[0]),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...cells.slice(1).map(line),
  ];
  if (notes.length) out.push('', ...notes);
  console.log(out.join('\n'));
}
