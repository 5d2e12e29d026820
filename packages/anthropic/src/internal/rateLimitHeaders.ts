/** The three limits the `anthropic-ratelimit-*` headers report. */
const LIMITS = [
  ['requests', 'requests'],
  ['inputTokens', 'input-tokens'],
  ['outputTokens', 'output-tokens'],
] as const;

type PerLimit = { requests?: number; inputTokens?: number; outputTokens?: number };

/** What a response's `anthropic-ratelimit-*` headers say; a field is absent when its header is missing or malformed. */
export interface RateLimitHeaders {
  /** `anthropic-ratelimit-*-remaining`: requests or tokens left in the window. */
  readonly remaining?: PerLimit;
  /** `anthropic-ratelimit-*-reset` (RFC 3339), as milliseconds from `now` until the reset (0 when it has passed). */
  readonly resetMs?: PerLimit;
}

/** Longest reset honoured: a reset further away than a day is not trusted. */
const MAX_RESET_MS = 24 * 60 * 60 * 1000;

function intHeader(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || !/^\s*\d+\s*$/.test(raw)) return undefined;
  return Number(raw);
}

function resetHeader(headers: Headers, name: string, now: number): number | undefined {
  const raw = headers.get(name);
  // RFC 3339 only (Date.parse would also take loose forms like "tomorrow 5pm" in some engines).
  if (raw === null || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(raw.trim())) return undefined;
  const at = Date.parse(raw.trim());
  if (!Number.isFinite(at)) return undefined;
  const ms = Math.max(0, at - now);
  return ms > MAX_RESET_MS ? undefined : ms;
}

function present(values: PerLimit): PerLimit | undefined {
  const kept = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/**
 * Reads the `anthropic-ratelimit-{requests,input-tokens,output-tokens}-{remaining,reset}`
 * headers. A malformed value (not a whole number, not an RFC 3339 time, a reset more than a
 * day away) is left out, never guessed. `now` is the wall clock the reset times are read
 * against (defaults to `Date.now()`).
 */
export function readRateLimitHeaders(headers: Headers, now: number = Date.now()): RateLimitHeaders {
  const remaining = present(Object.fromEntries(LIMITS.map(([key, name]) => [key, intHeader(headers, `anthropic-ratelimit-${name}-remaining`)])));
  const resetMs = present(Object.fromEntries(LIMITS.map(([key, name]) => [key, resetHeader(headers, `anthropic-ratelimit-${name}-reset`, now)])));
  return { ...(remaining ? { remaining } : {}), ...(resetMs ? { resetMs } : {}) };
}
