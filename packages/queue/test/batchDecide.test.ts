import { describe, expect, it } from 'vitest';
import { decideAfterBatchResult, isMalformedBatchResultError, MalformedBatchResultError, routeForBatch, type BatchResultLine } from '../src/index.js';
import { resolveBatchOptions } from '../src/batch/BatchOptions.js';
import { parseBatchResultLine } from '../src/batch/parseBatchResultLine.js';
import { splitIntoBatches } from '../src/batch/splitIntoBatches.js';
import { VirtualClock } from '@stormwatch/core';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('routeForBatch', () => {
  it.each([
    ['no deadline', undefined, { kind: 'batch' }],
    ['48 h left', 48 * HOUR, { kind: 'batch' }],
    ['24 h and 1 ms left', DAY + 1, { kind: 'batch' }],
    ['exactly the window left', DAY, { kind: 'interactive' }],
    ['1 h left', HOUR, { kind: 'interactive' }],
    ['1 ms left', 1, { kind: 'interactive' }],
    ['deadline now', 0, { kind: 'dead', reason: 'deadline_passed' }],
    ['deadline passed', -HOUR, { kind: 'dead', reason: 'deadline_passed' }],
  ])('%s → %j', (_name, left, route) => {
    const now = 1_000_000;
    expect(routeForBatch(left === undefined ? {} : { deadlineAt: now + left }, now, DAY)).toEqual(route);
  });

  it('reads the window it is given', () => {
    expect(routeForBatch({ deadlineAt: 3 * HOUR }, 0, 2 * HOUR)).toEqual({ kind: 'batch' });
    expect(routeForBatch({ deadlineAt: 3 * HOUR }, 0, 4 * HOUR)).toEqual({ kind: 'interactive' });
  });
});

describe('decideAfterBatchResult', () => {
  const retryable = (type: string) => ['overloaded_error', 'api_error', 'rate_limit_error'].includes(type);
  const errored = (type: string): BatchResultLine['result'] => ({ type: 'errored', error: { type: 'error', error: { type, message: 'm' } } });
  const succeeded: BatchResultLine['result'] = { type: 'succeeded', message: { id: 'msg', model: 'm', usage: { input_tokens: 1, output_tokens: 1 } } };
  it.each([
    ['succeeded', succeeded, undefined, { kind: 'done' }],
    ['succeeded past the deadline (the answer is here)', succeeded, -1, { kind: 'done' }],
    ['overloaded_error', errored('overloaded_error'), undefined, { kind: 'retry', error: 'overloaded_error: m' }],
    ['api_error', errored('api_error'), HOUR, { kind: 'retry', error: 'api_error: m' }],
    ['rate_limit_error', errored('rate_limit_error'), HOUR, { kind: 'retry', error: 'rate_limit_error: m' }],
    ['invalid_request_error', errored('invalid_request_error'), HOUR, { kind: 'dead', reason: 'non_retryable', error: 'invalid_request_error: m' }],
    ['authentication_error', errored('authentication_error'), undefined, { kind: 'dead', reason: 'non_retryable', error: 'authentication_error: m' }],
    ['permission_error', errored('permission_error'), undefined, { kind: 'dead', reason: 'non_retryable', error: 'permission_error: m' }],
    ['overloaded_error past the deadline', errored('overloaded_error'), -1, { kind: 'dead', reason: 'deadline_passed', error: 'overloaded_error: m' }],
    ['expired, deadline allows', { type: 'expired' }, HOUR, { kind: 'release', why: 'expired' }],
    ['expired, no deadline', { type: 'expired' }, undefined, { kind: 'release', why: 'expired' }],
    ['expired past the deadline', { type: 'expired' }, 0, { kind: 'dead', reason: 'deadline_passed', error: 'batch request expired' }],
    ['canceled', { type: 'canceled' }, HOUR, { kind: 'release', why: 'canceled' }],
    ['no line for the task', undefined, HOUR, { kind: 'release', why: 'missing' }],
  ] as const)('%s → %j', (_name, result, left, decision) => {
    const now = 1_000_000;
    expect(decideAfterBatchResult(result as BatchResultLine['result'] | undefined, left === undefined ? {} : { deadlineAt: now + left }, now, retryable)).toEqual(decision);
  });
});

describe('splitIntoBatches', () => {
  const sized = (bytes: number[]) => bytes.map((b, i) => ({ item: i, bytes: b }));
  it.each([
    ['all in one', [10, 10, 10], 10, 1_000, [[0, 1, 2]], []],
    ['by count', [10, 10, 10, 10, 10], 2, 1_000, [[0, 1], [2, 3], [4]], []],
    // 15 bytes of envelope, then 40 + 1 + 40 = 96 fits in 100; a third does not.
    ['by bytes', [40, 40, 40], 10, 100, [[0, 1], [2]], []],
    ['one alone too large', [40, 90, 40], 10, 100, [[0, 2]], [1]],
    ['nothing', [], 10, 100, [], []],
  ])('%s', (_name, bytes, maxRequests, maxBytes, batches, tooLarge) => {
    expect(splitIntoBatches(sized(bytes), maxRequests, maxBytes)).toEqual({ batches, tooLarge });
  });
});

describe('parseBatchResultLine', () => {
  it('reads each kind of result', () => {
    expect(parseBatchResultLine('b', 1, '{"custom_id":"a","result":{"type":"expired"}}')).toEqual({ custom_id: 'a', result: { type: 'expired' } });
    expect(parseBatchResultLine('b', 1, '{"custom_id":"a","result":{"type":"errored","error":{"type":"error","error":{"type":"api_error","message":"x"}}}}')).toMatchObject({ result: { type: 'errored' } });
  });

  it.each([
    ['not JSON', '{"custom_id": "a", "result": {"type": "succ', /line 3: not JSON/],
    ['no custom_id', '{"result":{"type":"expired"}}', /line 3: no custom_id/],
    ['an unknown type', '{"custom_id":"a","result":{"type":"maybe"}}', /unknown result type "maybe"/],
    ['a success without usage', '{"custom_id":"a","result":{"type":"succeeded","message":{}}}', /without a message and its usage/],
    ['an error without a type', '{"custom_id":"a","result":{"type":"errored","error":{}}}', /without an error type/],
  ])('gives a typed error for %s', (_name, line, message) => {
    const error = parseBatchResultLine('msgbatch_1', 3, line);
    expect(error).toBeInstanceOf(MalformedBatchResultError);
    expect(isMalformedBatchResultError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'MalformedBatchResultError', batchId: 'msgbatch_1', line: 3, excerpt: line });
    expect((error as Error).message).toMatch(/^results of message batch msgbatch_1, /);
    expect((error as Error).message).toMatch(message);
  });
});

describe('batch options', () => {
  const clock = new VirtualClock();
  it('has the API\'s limits and a 24 h window by default', () => {
    expect(resolveBatchOptions({}, clock, 'f')).toMatchObject({ windowMs: DAY, holdMs: DAY + 6 * HOUR, maxRequests: 100_000, maxBytes: 256 * 1024 * 1024, pollInitialMs: 30_000, pollMaxMs: 600_000 });
  });

  it.each([
    [{ windowMs: 0 }, /f: windowMs must be a positive number of milliseconds, got 0/],
    [{ windowMs: DAY, holdMs: HOUR }, /holdMs \(3600000\) must be >= windowMs/],
    [{ maxRequests: 1.5 }, /maxRequests must be a positive integer/],
    [{ poll: { initialMs: 10, maxMs: 5 } }, /poll.maxMs \(5\) must be >= poll.initialMs \(10\)/],
    [{ retryableErrorTypes: 'overloaded_error' }, /retryableErrorTypes must be an array/],
    [{ onResult: 'x' }, /onResult must be a function/],
  ])('refuses %j', (options, message) => {
    expect(() => resolveBatchOptions(options as never, clock, 'f')).toThrow(message);
  });

  it('never exceeds the API\'s limits', () => {
    expect(resolveBatchOptions({ maxRequests: 200_000 }, clock, 'f').maxRequests).toBe(100_000);
  });
});
