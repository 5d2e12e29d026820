import { DelaySource, ErrorType, FallbackReason } from '@stormwatch/conventions';
import { describe, expect, it } from 'vitest';
import type { Classification } from '../src/index.js';
import { decideAfterFailure, type DecisionRules, type FailureDecision, type FailureFacts } from '../src/decide/afterFailure.js';
import { retryDelay } from '../src/decide/retryDelay.js';

const overload: Classification = { errorType: ErrorType.OVERLOADED, retryable: true, overload: true, slowDown: true, status: 529 };
const reset: Classification = { errorType: ErrorType.CONNECTION, retryable: true, overload: false, slowDown: false };
const server500: Classification = { errorType: ErrorType.API_ERROR, retryable: true, overload: false, slowDown: false, status: 500, fixedDelayMs: 5000, maxRetries: 1 };
const rateLimit: Classification = { errorType: ErrorType.RATE_LIMIT, retryable: true, overload: false, slowDown: true, status: 429 };
const badRequest: Classification = { errorType: ErrorType.INVALID_REQUEST, retryable: false, overload: false, slowDown: false, status: 400 };

const rules: DecisionRules = {
  maxAttempts: 3,
  maxRetryAfterMs: 60_000,
  maxTotalDelayMs: 60_000,
  afterOverloads: 2,
  abandon: false,
  deferIfRemainingMs: 300_000,
  fallbackIfRemainingMs: 10_000,
  admission: false,
};
const admitting: DecisionRules = { ...rules, admission: true };
const abandoning: DecisionRules = { ...rules, abandon: true };

const base: FailureFacts = {
  classification: reset,
  now: 1000,
  attempt: 1,
  overloads: 0,
  classRetriesUsed: 0,
  waitedMs: 0,
  deadlineAt: undefined,
  model: 'opus',
  nextModel: 'sonnet',
  cheapestModel: 'haiku',
  canDefer: false,
};

const rows: Array<[string, Partial<FailureFacts>, DecisionRules, number, FailureDecision]> = [
  ['not retryable: give up with the error', { classification: badRequest }, rules, 700, { kind: 'fatal' }],
  ['far deadline and a deferrer: defer', { canDefer: true, deadlineAt: 1000 + 600_000 }, rules, 700, { kind: 'defer' }],
  ['no deadline counts as far: defer', { canDefer: true }, rules, 700, { kind: 'defer' }],
  ['deadline too near to defer: retry', { canDefer: true, deadlineAt: 1000 + 60_000 }, rules, 700, { kind: 'retry', delayMs: 700, source: DelaySource.BACKOFF }],
  ['last attempt: exhausted', { attempt: 3 }, rules, 700, { kind: 'exhausted', reason: 'max_attempts' }],
  ["the class's own retry used: exhausted", { classification: server500, classRetriesUsed: 1 }, rules, 700, { kind: 'exhausted', reason: 'class_limit' }],
  ["the class's fixed delay, not the jitter", { classification: server500 }, rules, 700, { kind: 'retry', delayMs: 5000, source: DelaySource.BACKOFF }],
  ['second overload with a next model: fall back at once', { classification: overload, overloads: 2 }, rules, 700, { kind: 'fallback', model: 'sonnet', reason: FallbackReason.OVERLOADED }],
  ['first overload: wait and retry', { classification: overload, overloads: 1 }, rules, 700, { kind: 'retry', delayMs: 700, source: DelaySource.BACKOFF }],
  ['overloads on the last model: retry', { classification: overload, overloads: 2, nextModel: undefined }, rules, 700, { kind: 'retry', delayMs: 700, source: DelaySource.BACKOFF }],
  ['retry-after longer than the jitter wins', { classification: { ...overload, retryAfterMs: 2000 } }, rules, 700, { kind: 'retry', delayMs: 2000, source: DelaySource.RETRY_AFTER }],
  ['retry-after shorter than the jitter loses', { classification: { ...overload, retryAfterMs: 200 } }, rules, 700, { kind: 'retry', delayMs: 700, source: DelaySource.BACKOFF }],
  ['an absurd retry-after is clamped', { classification: { ...overload, retryAfterMs: 3_600_000 } }, { ...rules, maxTotalDelayMs: Infinity }, 700, { kind: 'retry', delayMs: 60_000, source: DelaySource.RETRY_AFTER }],
  ['the wait does not fit the deadline: deadline error', { deadlineAt: 1500 }, rules, 700, { kind: 'deadline' }],
  ['the wait does not fit, abandon on: cheapest model', { deadlineAt: 1500 }, abandoning, 700, { kind: 'fallback', model: 'haiku', reason: FallbackReason.DEADLINE }],
  ['little time left, abandon on: cheapest model', { deadlineAt: 1000 + 9000 }, abandoning, 700, { kind: 'fallback', model: 'haiku', reason: FallbackReason.DEADLINE }],
  ['already on the cheapest model: deadline error', { deadlineAt: 1500, model: 'haiku', nextModel: undefined }, abandoning, 700, { kind: 'deadline' }],
  ['no chain: the deadline error', { deadlineAt: 1500, nextModel: undefined, cheapestModel: undefined }, abandoning, 700, { kind: 'deadline' }],
  ['the wait passes the total delay: exhausted', { waitedMs: 59_500 }, rules, 700, { kind: 'exhausted', reason: 'max_total_delay' }],
  ['admission: an overload is retried at once through the queue', { classification: overload, overloads: 1 }, admitting, 700, { kind: 'retry', delayMs: 0, source: DelaySource.NONE }],
  ['admission: overloads are not limited by maxAttempts', { classification: overload, attempt: 7 }, admitting, 700, { kind: 'retry', delayMs: 0, source: DelaySource.NONE }],
  ['admission: a 429 with retry-after waits in the queue (paused)', { classification: { ...rateLimit, retryAfterMs: 5000 }, attempt: 5 }, admitting, 700, { kind: 'retry', delayMs: 0, source: DelaySource.NONE }],
  ['admission: a 429 without retry-after backs off', { classification: rateLimit }, admitting, 700, { kind: 'retry', delayMs: 700, source: DelaySource.BACKOFF }],
  ['admission: resets still count attempts', { attempt: 3 }, admitting, 700, { kind: 'exhausted', reason: 'max_attempts' }],
  ['admission: the second overload still falls back', { classification: overload, overloads: 2 }, admitting, 700, { kind: 'fallback', model: 'sonnet', reason: FallbackReason.OVERLOADED }],
  ['admission: the total delay still bounds a paced retry', { classification: overload, waitedMs: 60_001 }, admitting, 700, { kind: 'exhausted', reason: 'max_total_delay' }],
];

describe('decideAfterFailure (a table)', () => {
  it.each(rows)('%s', (_name, facts, r, jitter, expected) => {
    let draws = 0;
    const decision = decideAfterFailure({ ...base, ...facts }, r, () => (draws++, jitter));
    expect(decision).toEqual(expected);
    expect(draws).toBeLessThanOrEqual(1);
  });

  it('draws the jitter only when it needs it (a seeded sequence stays the same)', () => {
    const drawn: string[] = [];
    const draw = () => (drawn.push('x'), 100);
    decideAfterFailure({ ...base, classification: badRequest }, rules, draw);
    decideAfterFailure({ ...base, attempt: 3 }, rules, draw);
    decideAfterFailure({ ...base, classification: overload, overloads: 2 }, rules, draw);
    decideAfterFailure({ ...base, classification: server500 }, rules, draw);
    expect(drawn).toEqual([]);
    decideAfterFailure(base, rules, draw);
    expect(drawn).toEqual(['x']);
  });
});

describe('retryDelay', () => {
  it('clamps a negative retry-after to 0 (then the jitter wins)', () => {
    expect(retryDelay({ ...overload, retryAfterMs: -5 }, () => 10, 60_000)).toEqual({ ms: 10, source: DelaySource.BACKOFF });
  });
  it('a tie goes to retry-after', () => {
    expect(retryDelay({ ...overload, retryAfterMs: 10 }, () => 10, 60_000)).toEqual({ ms: 10, source: DelaySource.RETRY_AFTER });
  });
});
