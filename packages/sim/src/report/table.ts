/**
 * The comparison as a table: plain text for the terminal, Markdown for BENCHMARKS.md.
 */
import type { Figures } from '../figures.js';
import type { Scenario } from '../scenarios/Scenario.js';
import { DEFER_POLICY_ID } from '../scenarios/longOutage.js';
import { BATCH_POLICY_ID } from '../scenarios/longOutageBatch.js';
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

/**
 * The columns of the `long-outage` scenario: what became of the deferred calls, and the 529s
 * when capacity returns (first 30 s and first minute after the storm's end, against the calm
 * 30 s before it; "burst" as `RecoveryFigures` in figures.ts defines it), the work held in memory at
 * that moment, the input resent, and the tokens billed and what they cost.
 */
export const DEFERRAL_COLUMNS: readonly Column[] = [
  { header: 'policy', cell: (f) => f.label },
  { header: 'calls', cell: (f) => fmtInt(f.calls) },
  { header: 'attempts', cell: (f) => fmtInt(f.attempts) },
  { header: '529s', cell: (f) => fmtInt(f.http529) },
  { header: '529s calm 30 s', cell: (f) => fmtInt(f.recovery.calm30s) },
  { header: '529s 1st 30 s after', cell: (f) => `${fmtInt(f.recovery.first30s)}${f.recovery.burst ? ' burst' : ''}` },
  { header: '529s 1st min after', cell: (f) => fmtInt(f.recovery.first60s) },
  { header: '529s after', cell: (f) => fmtInt(f.recovery.after) },
  { header: 'in memory at recovery', cell: (f) => fmtInt(f.recovery.heldInMemory) },
  { header: 'deferred', cell: (f) => fmtInt(f.deferral.deferred) },
  {
    header: 'deferred done (after recovery)',
    cell: (f) => (f.deferral.completedShare === undefined ? '—' : `${fmtPct(f.deferral.completedShare)} (${fmtInt(f.deferral.completedAfterRecovery)})`),
  },
  { header: 'drain 529s (1st 30 s)', cell: (f) => (f.deferral.deferred === 0 ? '—' : `${fmtInt(f.deferral.drain529s)} (${fmtInt(f.deferral.drain529sFirst30s)})`) },
  { header: 'ok in deadline', cell: (f) => `${fmtPct(f.successWithinDeadline)} (${fmtInt(Math.round(f.successWithinDeadline * f.calls))})` },
  { header: 'p50', cell: (f) => fmtSeconds(f.p50LatencyMs) },
  { header: 'p99', cell: (f) => fmtSeconds(f.p99LatencyMs) },
  { header: 'resent input tok', cell: (f) => fmtTokens(f.resentInputTokens) },
  { header: 'billed tok in / out', cell: (f) => `${fmtTokens(f.billedInputTokens)} / ${fmtTokens(f.billedOutputTokens)}` },
  { header: 'billed', cell: (f) => fmtUsd(f.billedUsd) },
  { header: 'billed waste', cell: (f) => fmtUsd(f.wastedUsd) },
];

/**
 * The columns of `long-outage-batch`: {@link DEFERRAL_COLUMNS} with, before the bill, the
 * requests sent in Message Batches (and the batches), and what they were billed at the batch
 * price (half) against the list price of the same tokens. *billed* includes the batches' bill.
 */
export const BATCH_COLUMNS: readonly Column[] = [
  ...DEFERRAL_COLUMNS.filter((c) => c.header !== 'billed' && c.header !== 'billed waste'),
  { header: 'batched (batches)', cell: (f) => (f.batch.batches === 0 ? '—' : `${fmtInt(f.batch.requests)} (${fmtInt(f.batch.batches)})`) },
  { header: 'batch billed (list)', cell: (f) => (f.batch.batches === 0 ? '—' : `${fmtUsd(f.batch.billedUsd)} (${fmtUsd(f.batch.listUsd)})`) },
  ...DEFERRAL_COLUMNS.filter((c) => c.header === 'billed' || c.header === 'billed waste'),
];

/** The columns a scenario's table shows: {@link BATCH_COLUMNS} where the batch row runs by default, {@link DEFERRAL_COLUMNS} where a deferral row does, else {@link COLUMNS}. */
export function columnsFor(scenario: Scenario): readonly Column[] {
  const extra = scenario.extraPolicies ?? [];
  if (extra.includes(BATCH_POLICY_ID)) return BATCH_COLUMNS;
  return extra.includes(DEFER_POLICY_ID) ? DEFERRAL_COLUMNS : COLUMNS;
}

function rows(figures: readonly Figures[], columns: readonly Column[]): string[][] {
  return figures.map((f) => columns.map((col) => col.cell(f)));
}

/** A fixed-width text table (policy left-aligned, numbers right-aligned). */
export function formatTextTable(figures: readonly Figures[], columns: readonly Column[] = COLUMNS): string {
  const header = columns.map((col) => col.header);
  const body = rows(figures, columns);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((s, i) => (i === 0 ? s.padEnd(widths[i]!) : s.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** A GitHub Markdown table. */
export function formatMarkdownTable(figures: readonly Figures[], columns: readonly Column[] = COLUMNS): string {
  const header = columns.map((col) => col.header);
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows(figures, columns).map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}
