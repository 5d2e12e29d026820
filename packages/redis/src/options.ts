import { AdaptiveRate, RetryBudget, sharedRateOptions, type Clock, type OverloadStoreOptions } from '@stormwatch/core';

/** Options of {@link redisStore}: the rules every process of the fleet shares, and where Redis is. */
export interface RedisStoreOptions extends OverloadStoreOptions {
  /**
   * The Redis server: `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS.
   * Required; a malformed URL fails at construction.
   */
  readonly url: string;
  /**
   * Prefix of every key the store writes (`<prefix>overload:<model>`). Services that share a
   * prefix share their overload state on purpose: they learn as one fleet. Defaults to
   * `stormwatch:`.
   */
  readonly prefix?: string;
  /**
   * How long one operation waits for Redis before the process answers from its local
   * state, in milliseconds. Defaults to 50 ms.
   */
  readonly timeoutMs?: number;
  /**
   * **For tests.** Where the store reads time. Without it (the default, and what a fleet
   * wants) every script reads Redis `TIME`, so every process shares one clock; with it, the
   * process passes `clock.now()` into each script (a `VirtualClock` then drives the shared
   * state deterministically). The local fallback reads this clock too.
   */
  readonly clock?: Pick<Clock, 'now'>;
}

/** The options with every default applied, and the numbers the scripts are given. */
export interface ResolvedRedisStoreOptions {
  readonly url: string;
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly clock: Pick<Clock, 'now'> | undefined;
  readonly overload: OverloadStoreOptions;
  readonly rate: {
    readonly minRate: number;
    readonly decreaseFactor: number;
    readonly decreaseCooldownMs: number;
    readonly doublingMs: number;
    readonly calmAfterMs: number;
    readonly observeWindowMs: number;
    readonly calmRate: number;
  };
  readonly budget: { readonly ratio: number; readonly minRetriesPerSecond: number; readonly windowMs: number };
  /** How long a key outlives its last write, in ms (see {@link retentionMs}). */
  readonly retentionMs: number;
}

export const DEFAULT_PREFIX = 'stormwatch:';
export const DEFAULT_TIMEOUT_MS = 50;
/** Margin past the longest window before an idle key expires. */
const RETENTION_MARGIN_MS = 5 * 60_000;

/**
 * Checks `options` and applies the defaults; throws a `TypeError` or `RangeError` that names
 * the bad value. The rate and budget options are checked by `AdaptiveRate` and `RetryBudget`
 * themselves, so every store rejects exactly the same values.
 */
export function resolveOptions(options: RedisStoreOptions): ResolvedRedisStoreOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`redisStore: options must be an object with a url, got ${String(options)}`);
  const url = checkUrl(options.url);
  const { prefix = DEFAULT_PREFIX, timeoutMs = DEFAULT_TIMEOUT_MS, clock } = options;
  if (typeof prefix !== 'string' || prefix.length === 0) throw new TypeError(`redisStore: prefix must be a non-empty string, got ${JSON.stringify(prefix)}`);
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError(`redisStore: timeoutMs must be a finite number of milliseconds > 0, got ${String(timeoutMs)}`);
  if (clock !== undefined && (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function')) {
    throw new TypeError(`redisStore: clock must be an object with a now() method (a @stormwatch/core Clock), got ${String(clock)}`);
  }
  const rate = new AdaptiveRate(sharedRateOptions(options.rate));
  const budget = new RetryBudget(options.budget);
  const resolved = {
    minRate: rate.minRate,
    decreaseFactor: rate.decreaseFactor,
    decreaseCooldownMs: rate.decreaseCooldownMs,
    doublingMs: rate.doublingMs,
    calmAfterMs: rate.calmAfterMs,
    observeWindowMs: rate.observeWindowMs,
    calmRate: rate.calmRate,
  };
  const resolvedBudget = { ratio: budget.ratio, minRetriesPerSecond: budget.minRetriesPerSecond, windowMs: budget.windowMs };
  return {
    url,
    prefix,
    timeoutMs,
    clock,
    overload: { rate: options.rate, budget: options.budget },
    rate: resolved,
    budget: resolvedBudget,
    retentionMs: retentionMs(resolved, resolvedBudget),
  };
}

/**
 * How long a key lives past its last write (and past its last reserved slot or pause): long
 * enough that an expired key and the state it held answer the same. By then every window
 * has passed (nothing observed, deposited or withdrawn), the cooldown is over, and the rate
 * has grown from its floor to `calmRate` (`doublingMs · log2(calmRate / minRate)`), so the
 * model is calm again; a fresh key is exactly that. A few minutes of margin on top.
 */
function retentionMs(rate: ResolvedRedisStoreOptions['rate'], budget: ResolvedRedisStoreOptions['budget']): number {
  const growBackMs = rate.calmRate > rate.minRate ? rate.doublingMs * Math.log2(rate.calmRate / rate.minRate) : 0;
  return Math.ceil(Math.max(rate.observeWindowMs, budget.windowMs, rate.calmAfterMs, rate.decreaseCooldownMs, growBackMs) + RETENTION_MARGIN_MS);
}

/** `url` when it is a redis:// or rediss:// URL with a host; else a `TypeError` that names `who` and the URL (its password redacted). */
export function checkUrl(url: unknown, who = 'redisStore'): string {
  if (typeof url !== 'string' || url.length === 0) throw new TypeError(`${who}: url must be a redis:// or rediss:// URL string, got ${url === '' ? '""' : String(url)}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`${who}: url must be a redis:// or rediss:// URL, got ${JSON.stringify(redact(url))}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new TypeError(`${who}: url must use redis: or rediss:, got ${JSON.stringify(redact(url))}`);
  if (parsed.hostname === '') throw new TypeError(`${who}: url must name a host, got ${JSON.stringify(redact(url))}`);
  if (parsed.pathname !== '' && parsed.pathname !== '/' && !/^\/\d+$/.test(parsed.pathname)) {
    throw new TypeError(`${who}: url path must be a database number (/0, /1, ...), got ${JSON.stringify(redact(url))}`);
  }
  return url;
}

/** The URL as it may be printed: a password never goes into an error message. */
export function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}
