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

function intValue(raw: string): number | undefined {
  if (!/^\s*\d+\s*$/.test(raw)) return undefined;
  return Number(raw);
}

function resetValue(raw: string, now: number): number | undefined {
  // RFC 3339 only (Date.parse would also take loose forms like "tomorrow 5pm" in some engines).
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(raw.trim())) return undefined;
  const at = Date.parse(raw.trim());
  if (!Number.isFinite(at)) return undefined;
  const ms = Math.max(0, at - now);
  return ms > MAX_RESET_MS ? undefined : ms;
}

/** `anthropic-ratelimit-<limit>-<part>` → where its value goes. */
const FIELDS = new Map<string, { readonly key: keyof PerLimit; readonly part: 'remaining' | 'reset' }>(
  LIMITS.flatMap(([key, name]) => [
    [`anthropic-ratelimit-${name}-remaining`, { key, part: 'remaining' }] as const,
    [`anthropic-ratelimit-${name}-reset`, { key, part: 'reset' }] as const,
  ]),
);

/**
 * Reads the `anthropic-ratelimit-{requests,input-tokens,output-tokens}-{remaining,reset}`
 * headers. A malformed value (not a whole number, not an RFC 3339 time, a reset more than a
 * day away) is left out, never guessed. `now` is the wall clock the reset times are read
 * against (defaults to `Date.now()`). One pass over the headers: it runs on every response.
 */
export function readRateLimitHeaders(headers: Headers, now: number = Date.now()): RateLimitHeaders {
  let remaining: PerLimit | undefined;
  let resetMs: PerLimit | undefined;
  for (const [name, value] of headers) {
    const field = name.startsWith('anthropic-ratelimit-') ? FIELDS.get(name) : undefined;
    if (field === undefined) continue;
    if (field.part === 'remaining') {
      const n = intValue(value);
      if (n !== undefined) (remaining ??= {})[field.key] = n;
    } else {
      const ms = resetValue(value, now);
      if (ms !== undefined) (resetMs ??= {})[field.key] = ms;
    }
  }
  return { ...(remaining ? { remaining } : {}), ...(resetMs ? { resetMs } : {}) };
}
