import { escapeString } from './escape.js';
import { matcherRhs, type LabelMatch } from './params.js';

/** One extra matcher: a label, an operator and a literal value. */
export interface Matcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

/**
 * A series selector: `metric{label="v", ...}`. `matches` are the caller's LabelMatch
 * filters by label; `extra` are fixed matchers of the query itself.
 */
export function selector(
  metric: string,
  matches: ReadonlyArray<readonly [string, LabelMatch | undefined]>,
  extra: readonly Matcher[] = [],
): string {
  const parts: string[] = [];
  for (const [label, match] of matches) {
    const rhs = matcherRhs(match);
    if (rhs !== undefined) parts.push(label + rhs);
  }
  for (const m of extra) parts.push(`${m.label}${m.op}"${escapeString(m.value)}"`);
  return parts.length === 0 ? metric : `${metric}{${parts.join(', ')}}`;
}

/** `sum by (a, b) (expr)`, or `sum(expr)` without labels. */
export function sumBy(by: readonly string[], expr: string, op = 'sum'): string {
  return by.length === 0 ? `${op}(${expr})` : `${op} by (${by.join(', ')}) (${expr})`;
}

/** `num / den`, where a numerator without series counts as 0: `(num or 0 * den) / den`. */
export function ratio(num: string, den: string): string {
  return `(${num} or 0 * ${den}) / ${den}`;
}
