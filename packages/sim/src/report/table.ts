/**
 * The comparison as a table: plain text for the terminal, Markdown for BENCHMARKS.md.
 */
import type { Figures } from '../figures.js';
import { fmtInt, fmtPct, fmtRatio, fmtSeconds, fmtTokens, fmtUsd } from './format.js';

export interface Column {
  readonly header: string;
  readonly cell: (f: Figures) => string;
}

export const COLUMNS: readonly Column[] = [
  { header: 'policy', cell: (f) => f.label },
  { header: 'calls', cell: (f) => fmtInt(f.calls) },
  { header: 'attempts', cell: (f) => fmtInt(f.attempts) },
  { header: 'ampl. storm', cell: (f) => fmtRatio(f.stormAmplification) },
  { header: 'ampl. all', cell: (f) => fmtRatio(f.amplification) },
  { header: '529s', cell: (f) => fmtInt(f.http529) },
  { header: 'stream overl.', cell: (f) => fmtInt(f.streamOverloaded) },
  { header: '429s', cell: (f) => fmtInt(f.http429) },
  { header: 'resets', cell: (f) => fmtInt(f.resets) },
  { header: 'resent input tok', cell: (f) => fmtTokens(f.resentInputTokens) },
  { header: 'billed waste', cell: (f) => fmtUsd(f.wastedUsd) },
  { header: 'ok in deadline', cell: (f) => `${fmtPct(f.successWithinDeadline)} (${fmtInt(Math.round(f.successWithinDeadline * f.calls))})` },
  { header: 'p50', cell: (f) => fmtSeconds(f.p50LatencyMs) },
  { header: 'p99', cell: (f) => fmtSeconds(f.p99LatencyMs) },
  { header: 'drain', cell: (f) => fmtSeconds(f.drainMs) },
  { header: '× oracle', cell: (f) => (f.drainVsOracle === undefined ? '—' : fmtRatio(f.drainVsOracle)) },
];

function rows(figures: readonly Figures[]): string[][] {
  return figures.map((f) => COLUMNS.map((col) => col.cell(f)));
}

/** A fixed-width text table (policy left-aligned, numbers right-aligned). */
export function formatTextTable(figures: readonly Figures[]): string {
  const header = COLUMNS.map((col) => col.header);
  const body = rows(figures);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((s, i) => (i === 0 ? s.padEnd(widths[i]!) : s.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** A GitHub Markdown table. */
export function formatMarkdownTable(figures: readonly Figures[]): string {
  const header = COLUMNS.map((col) => col.header);
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows(figures).map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}
