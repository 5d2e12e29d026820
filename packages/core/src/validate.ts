import { ConsecutiveBreaker, SamplingBreaker, type IBreaker } from 'cockatiel';
import type { Backoff } from './backoff/Backoff.js';
import { DecorrelatedJitterBackoff } from './backoff/DecorrelatedJitterBackoff.js';
import { FullJitterBackoff } from './backoff/FullJitterBackoff.js';
import type { BackoffOptions, BreakerOptions, CallOptions, PolicyOptions } from './PolicyOptions.js';

export function requireFunction(name: string, value: unknown): void {
  if (typeof value !== 'function') throw new TypeError(`${name} must be a function, got ${describe(value)}`);
}

export function requireDuration(name: string, value: unknown, { min = 0, allowInfinity = false } = {}): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || (!allowInfinity && !Number.isFinite(value))) {
    throw new RangeError(`${name} must be a ${allowInfinity ? '' : 'finite '}number of milliseconds >= ${min}, got ${describe(value)}`);
  }
  return value;
}

export function requireInteger(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${describe(value)}`);
  return value;
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

export function makeBackoff(options: BackoffOptions | undefined): Backoff {
  if (options === undefined) return new FullJitterBackoff();
  if (typeof options !== 'object' || options === null) throw new TypeError(`backoff must be an object, got ${describe(options)}`);
  if ('delay' in options && typeof options.delay === 'function') return options as Backoff;
  const o = options as { kind?: string; baseMs?: number; capMs?: number };
  if (o.kind === undefined || o.kind === 'full_jitter') return new FullJitterBackoff(o.baseMs, o.capMs);
  if (o.kind === 'decorrelated_jitter') return new DecorrelatedJitterBackoff(o.baseMs, o.capMs);
  throw new RangeError(`backoff.kind must be 'full_jitter' or 'decorrelated_jitter', got ${describe(o.kind)}`);
}

export function makeBreakerFactory(options: BreakerOptions): () => IBreaker {
  const t = options.threshold ?? 5;
  if (typeof t === 'function') return t;
  if (typeof t === 'number') {
    requireInteger('breaker.threshold', t, 1);
    return () => new ConsecutiveBreaker(t);
  }
  if (typeof t === 'object' && t !== null && 'sampling' in t) {
    const s = t.sampling;
    if (!(s.threshold > 0 && s.threshold < 1)) throw new RangeError(`breaker.threshold.sampling.threshold must be a share in (0, 1), got ${describe(s.threshold)}`);
    requireDuration('breaker.threshold.sampling.durationMs', s.durationMs, { min: 1 });
    return () => new SamplingBreaker({ threshold: s.threshold, duration: s.durationMs, ...(s.minimumRps === undefined ? {} : { minimumRps: s.minimumRps }) });
  }
  throw new TypeError(`breaker.threshold must be a number, { sampling } or a function, got ${describe(t)}`);
}

const KNOWN_OPTIONS = new Set(['name', 'classify', 'clock', 'random', 'maxAttempts', 'backoff', 'maxRetryAfterMs', 'maxTotalDelayMs', 'deadlineMs', 'budget', 'breaker', 'fallback', 'abandon', 'limiter', 'bulkhead', 'admission', 'store']);

/** Checks the parts of PolicyOptions not checked by the components' own constructors. */
export function validatePolicyOptions(options: PolicyOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`policy options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new TypeError(`unknown policy option ${JSON.stringify(key)}; expected one of ${[...KNOWN_OPTIONS].join(', ')}`);
  }
  requireFunction('classify', options.classify);
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) throw new TypeError(`name must be a non-empty string, got ${describe(options.name)}`);
  if (options.random !== undefined) requireFunction('random', options.random);
  if (options.clock !== undefined && (typeof options.clock?.now !== 'function' || typeof options.clock?.sleep !== 'function')) throw new TypeError('clock must have now() and sleep(ms, signal) methods');
  if (options.maxAttempts !== undefined) requireInteger('maxAttempts', options.maxAttempts, 1);
  if (options.maxRetryAfterMs !== undefined) requireDuration('maxRetryAfterMs', options.maxRetryAfterMs);
  if (options.maxTotalDelayMs !== undefined) requireDuration('maxTotalDelayMs', options.maxTotalDelayMs, { allowInfinity: true });
  if (options.deadlineMs !== undefined) requireDuration('deadlineMs', options.deadlineMs, { min: 1 });
  if (options.breaker) {
    if (options.breaker.halfOpenAfterMs !== undefined) requireDuration('breaker.halfOpenAfterMs', options.breaker.halfOpenAfterMs, { min: 1 });
    if (options.breaker.maxHalfOpenAfterMs !== undefined) requireDuration('breaker.maxHalfOpenAfterMs', options.breaker.maxHalfOpenAfterMs, { min: 1 });
    if (options.breaker.shared !== undefined && typeof options.breaker.shared !== 'boolean') throw new TypeError(`breaker.shared must be a boolean, got ${describe(options.breaker.shared)}`);
  }
  const f = options.fallback;
  if (f !== undefined) {
    if (!Array.isArray(f.models) || f.models.some((m) => typeof m !== 'string' || m === '')) throw new TypeError(`fallback.models must be an array of model names, got ${describe(f.models)}`);
    if (f.afterOverloads !== undefined) requireInteger('fallback.afterOverloads', f.afterOverloads, 1);
    if (f.allow !== undefined && typeof f.allow !== 'boolean') throw new TypeError(`fallback.allow must be a boolean, got ${describe(f.allow)}`);
  }
  const a = options.abandon;
  if (a !== undefined) {
    if (a.deferrer !== undefined && typeof a.deferrer?.defer !== 'function') throw new TypeError('abandon.deferrer must have a defer(task) method');
    if (a.deferIfRemainingMs !== undefined) requireDuration('abandon.deferIfRemainingMs', a.deferIfRemainingMs, { allowInfinity: true });
    if (a.fallbackIfRemainingMs !== undefined) requireDuration('abandon.fallbackIfRemainingMs', a.fallbackIfRemainingMs);
    if (a.deferIfWaitOverMs !== undefined) requireDuration('abandon.deferIfWaitOverMs', a.deferIfWaitOverMs, { allowInfinity: true });
  }
  const adm = options.admission;
  if (adm !== undefined && adm !== false) {
    if (typeof adm !== 'object' || adm === null) throw new TypeError(`admission must be an object or false, got ${describe(adm)}`);
    if (adm.maxQueue !== undefined) requireInteger('admission.maxQueue', adm.maxQueue, 0);
    if (adm.fallbackAfterMs !== undefined) requireDuration('admission.fallbackAfterMs', adm.fallbackAfterMs, { allowInfinity: true });
  }
  const store = options.store;
  if (store !== undefined) {
    const missing = ['reserveSlot', 'recordCalls', 'reportOverload', 'pause', 'setCircuit', 'pace', 'deposit', 'tryWithdraw', 'close'].filter((m) => typeof (store as unknown as Record<string, unknown> | null)?.[m] !== 'function');
    if (missing.length > 0) throw new TypeError(`store must be an OverloadStore (e.g. redisStore({ url }) from @stormwatch/redis); it has no ${missing.join(', ')}`);
  }
  const b = options.bulkhead;
  if (b) {
    requireInteger('bulkhead.maxConcurrent', b.maxConcurrent, 1);
    if (b.maxQueue !== undefined) requireInteger('bulkhead.maxQueue', b.maxQueue, 0);
  }
}

export function validateCallOptions(options: CallOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`call options must be an object, got ${describe(options)}`);
  if (typeof options.model !== 'string' || options.model === '') throw new TypeError(`model must be a non-empty string, got ${describe(options.model)}`);
  if (options.deadlineMs !== undefined) requireDuration('deadlineMs', options.deadlineMs, { min: 1 });
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw new TypeError(`signal must be an AbortSignal, got ${describe(options.signal)}`);
}

/**
 * The breaker's open times: the first, and the longest that failed probes double it to.
 * With admission control on the breaker is the last resort for a model that is down, so it
 * opens briefly first (5 s) and longer while probes fail (up to 60 s); with it off, 30 s fixed.
 */
export function openTimes(breaker: BreakerOptions, admission: boolean): { halfOpenAfterMs: number; maxHalfOpenAfterMs: number } {
  const halfOpenAfterMs = breaker.halfOpenAfterMs ?? (admission ? 5_000 : 30_000);
  const maxHalfOpenAfterMs = breaker.maxHalfOpenAfterMs ?? (admission ? Math.max(60_000, halfOpenAfterMs) : halfOpenAfterMs);
  if (maxHalfOpenAfterMs < halfOpenAfterMs) {
    throw new RangeError(`breaker.maxHalfOpenAfterMs must be >= breaker.halfOpenAfterMs (${halfOpenAfterMs}), got ${maxHalfOpenAfterMs}`);
  }
  return { halfOpenAfterMs, maxHalfOpenAfterMs };
}
