import { describe, expect, it } from 'vitest';
import { decideAfterTaskFailure, type TaskFailureFacts } from '../src/decide/afterTaskFailure.js';
import { decideBeforeRun } from '../src/decide/beforeTaskRun.js';
import { describeTaskError as describeError, encodeTaskPayload as encodePayload, MAX_TASK_ERROR_CHARS as MAX_ERROR_CHARS } from '@stormwatch/core';
import { isRetryableTaskError } from '../src/decide/isRetryableTaskError.js';
import { taskRetryDelay } from '../src/decide/taskRetryDelay.js';
import { isPayloadTooLargeError } from '../src/index.js';

const rules = { maxAttempts: 3, backoff: { baseMs: 1_000, capMs: 8_000 } };
const facts = (over: Partial<TaskFailureFacts> = {}): TaskFailureFacts => ({ attempts: 1, now: 100, retryable: true, stopping: false, ...over });
const status = (s: number) => Object.assign(new Error(`${s}`), { status: s });

describe('decideAfterTaskFailure', () => {
  it.each([
    ['releases when the drain is stopping, whatever the error', facts({ stopping: true, retryable: false }), { kind: 'release' }],
    ['sends a non-retryable error to dead', facts({ retryable: false }), { kind: 'dead', reason: 'non_retryable' }],
    ['sends a task whose deadline passed to dead', facts({ deadlineAt: 100 }), { kind: 'dead', reason: 'deadline_passed' }],
    ['sends the last allowed attempt to dead', facts({ attempts: 3 }), { kind: 'dead', reason: 'max_attempts' }],
    ['retries after full jitter: half of base on the first attempt', facts({ deadlineAt: 101 }), { kind: 'retry', retryAt: 600 }],
    ['retries after full jitter: half of 2 × base on the second', facts({ attempts: 2 }), { kind: 'retry', retryAt: 1_100 }],
  ])('%s', (_name, given, expected) => {
    expect(decideAfterTaskFailure(given, rules, () => 0.5)).toEqual(expected);
  });

  it('draws no jitter unless it retries', () => {
    let draws = 0;
    decideAfterTaskFailure(facts({ retryable: false }), rules, () => (draws++, 0));
    expect(draws).toBe(0);
  });
});

describe('decideBeforeRun', () => {
  it.each([
    ['runs a task within its deadline', { attempts: 1, deadlineAt: 101 }, 100, { kind: 'run' }],
    ['runs a task without a deadline', { attempts: 3 }, 100, { kind: 'run' }],
    ['does not run a task whose deadline passed', { attempts: 1, deadlineAt: 100 }, 100, { kind: 'dead', reason: 'deadline_passed' }],
    ['does not run a task claimed more than maxAttempts times', { attempts: 4 }, 100, { kind: 'dead', reason: 'max_attempts' }],
  ])('%s', (_name, task, now, expected) => {
    expect(decideBeforeRun(task, now, 3)).toEqual(expected);
  });
});

describe('taskRetryDelay', () => {
  it.each([
    [1, 0.999, 999],
    [2, 0.999, 1_998],
    [4, 0.999, 7_992],
    [10, 0.999, 7_992],
    [3, 0, 0],
    [3, 0.5, 2_000],
  ])('after attempt %i with random %f waits %i ms', (attempts, random, expected) => {
    expect(taskRetryDelay(attempts, rules.backoff, () => random)).toBe(expected);
  });
});

describe('isRetryableTaskError', () => {
  it.each([400, 401, 403, 404, 413, 422])('does not retry HTTP %i', (s) => {
    expect(isRetryableTaskError(status(s))).toBe(false);
  });
  it.each([408, 429, 500, 503, 529])('retries HTTP %i', (s) => {
    expect(isRetryableTaskError(status(s))).toBe(true);
  });
  it('looks through the cause of a policy error', () => {
    expect(isRetryableTaskError(new Error('gave up', { cause: status(529) }))).toBe(true);
    expect(isRetryableTaskError(new Error('wrapped', { cause: status(400) }))).toBe(false);
  });
  it('retries an error without a status, and a thrown non-error', () => {
    expect(isRetryableTaskError(new TypeError('fetch failed'))).toBe(true);
    expect(isRetryableTaskError('boom')).toBe(true);
    expect(isRetryableTaskError(undefined)).toBe(true);
  });
});

describe('encodePayload', () => {
  it('stores the payload as JSON', () => {
    expect(encodePayload({ a: [1, 'é'] }, 100)).toBe('{"a":[1,"é"]}');
  });
  it('counts UTF-8 bytes against the limit', () => {
    expect(encodePayload('é'.repeat(4), 10)).toBe('"éééé"'); // 10 bytes
    const error = (() => {
      try {
        encodePayload('é'.repeat(5), 10);
      } catch (e) {
        return e;
      }
    })();
    expect(isPayloadTooLargeError(error)).toBe(true);
    expect(error).toMatchObject({ bytes: 12, maxBytes: 10, message: "deferred payload is 12 bytes as JSON, over the queue's maxPayloadBytes of 10" });
  });
  it('refuses what JSON cannot hold', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => encodePayload(cycle, 100)).toThrow(TypeError);
    expect(() => encodePayload(() => 1, 100)).toThrow('deferred payload is not JSON-serializable: got function');
    expect(() => encodePayload(1n, 100)).toThrow(TypeError);
  });
});

describe('describeError', () => {
  it('keeps the name and message', () => {
    expect(describeError(Object.assign(new Error('400 {"type":"error"}'), { name: 'BadRequestError' }))).toBe('BadRequestError: 400 {"type":"error"}');
    expect(describeError('not run: deadline_passed')).toBe('not run: deadline_passed');
    expect(describeError(42)).toBe('42');
  });
  it('cuts a long error', () => {
    const text = describeError('x'.repeat(MAX_ERROR_CHARS * 2));
    expect(text).toHaveLength(MAX_ERROR_CHARS);
    expect(text.endsWith('…')).toBe(true);
  });
});
