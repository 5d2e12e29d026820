/** The subset of a Headers object this module reads. */
export interface HeaderSource {
  get(name: string): string | null;
}

/** Longest hint accepted at all (a day); anything larger is treated as unusable, not waited on. */
const ABSURD_MS = 24 * 60 * 60 * 1000;

/**
 * Parses the server's wait hint: `retry-after-ms` (milliseconds) first, then
 * `retry-after` as delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
 *
 * Returns milliseconds ≥ 0, or `undefined` when no usable hint exists: a malformed or
 * negative value, or one longer than a day, is ignored rather than trusted. An HTTP-date
 * in the past gives 0. The policy then clamps the result to its `maxRetryAfterMs`.
 *
 * @param nowMs wall-clock time used for HTTP-dates (epoch ms). Defaults to `Date.now()`.
 */
export function parseRetryAfter(headers: HeaderSource | undefined | null, nowMs: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = parseMs(headers.get('retry-after-ms'));
  if (ms !== undefined) return ms;
  const raw = headers.get('retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return bounded(Number(raw) * 1000);
  if (/^-/.test(raw)) return undefined;
  // HTTP-date: only accept strings that look like one, so "soon" or "1e9" are not dates.
  if (!/^[A-Za-z]{3},? /.test(raw) && !/\d{4}-\d{2}-\d{2}/.test(raw)) return undefined;
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  return bounded(Math.max(0, at - nowMs));
}

function parseMs(value: string | null): number | undefined {
  const raw = value?.trim();
  if (!raw || !/^\d+(\.\d+)?$/.test(raw)) return undefined;
  return bounded(Number(raw));
}

function bounded(ms: number): number | undefined {
  return Number.isFinite(ms) && ms >= 0 && ms <= ABSURD_MS ? ms : undefined;
}
