import Anthropic from '@anthropic-ai/sdk';
// The price table itself (its module alone: the package's entry is not needed here).
import { costOf, priceOf } from '../../anthropic/src/pricing.js';
import {
  ATTR_QUEUE_BATCH_OUTCOME,
  ATTR_QUEUE_DEAD_REASON,
  ATTR_QUEUE_NAME,
  METRIC_QUEUE_BATCH_COST_USD,
  METRIC_QUEUE_BATCH_TASKS,
  QueueBatchOutcome,
  QueueDeadReason,
} from '@stormwatch/conventions';
import { VirtualClock, type DeferredTask } from '@stormwatch/core';
import { batchErrored, batchExpired, batchMalformed, batchSucceeded, FakeAnthropicFetch } from '@stormwatch/fake-anthropic';
import { afterEach, describe, expect, it } from 'vitest';
import {
  batchDeferred,
  instrumentQueue,
  isMalformedBatchResultError,
  resumeBatches,
  sqliteDeferrer,
  submitBatches,
  type BatchMessage,
  type BatchOptions,
  type BatchSummary,
  type ClaimedTask,
  type SqliteDeferrer,
} from '../src/index.js';
import { metricPoints } from './support/metricPoints.js';
import { opus, task, useTempDir } from './support/queueFiles.js';
import { poll } from './support/virtualPoll.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);
const { queuePath } = useTempDir();
const open: SqliteDeferrer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((q) => q.close()));
});

/** A SQLite queue, the fake API (batches end 2 h after creation, by the same virtual clock) and the real SDK on it. */
function setup(options: { processingMs?: number } = {}) {
  const clock = new VirtualClock(T0);
  const path = queuePath();
  const queue = sqliteDeferrer({ path, clock });
  open.push(queue);
  const fake = new FakeAnthropicFetch({ batches: { now: () => clock.now(), processingMs: options.processingMs ?? 2 * HOUR } });
  const client = new Anthropic({ baseURL: fake.url, fetch: fake.fetch, apiKey: 'sk-ant-test-secret', maxRetries: 0 });
  const looks: number[] = [];
  const retrieve = client.messages.batches.retrieve.bind(client.messages.batches);
  /** Errors the next looks answer with, in order (the SDK's own errors, as the API would make them). */
  const failLooks: Error[] = [];
  client.messages.batches.retrieve = ((id: string) => {
    looks.push(clock.now() - T0);
    const failure = failLooks.shift();
    return failure ? Promise.reject(failure) : retrieve(id);
  }) as typeof client.messages.batches.retrieve;
  const handled = new Map<string, BatchMessage[]>();
  const onResult = (t: ClaimedTask, message: BatchMessage) => void handled.set(t.id, [...(handled.get(t.id) ?? []), message]);
  return { clock, path, queue, fake, client, looks, failLooks, handled, onResult };
}

const body = (i: number) => ({ model: opus, max_tokens: 64, messages: [{ role: 'user', content: `Summarise report ${i}` }] });
const defer = (queue: SqliteDeferrer, i: number, deadlineIn?: number, extra: Partial<DeferredTask> = {}) =>
  queue.defer(task({ callId: i, payload: body(i), deferredAt: T0, ...(deadlineIn === undefined ? {} : { deadlineAt: T0 + deadlineIn }), ...extra })).then((r) => r.id);

const pricing: BatchOptions['costOf'] = (model, usage) => costOf(usage, priceOf(model));

describe('batchDeferred, through the real SDK against the fake Message Batches API', () => {
  it('batches the tasks whose deadline is past the window, polls with a doubling wait until the batch ends, and settles each result', async () => {
    const { clock, queue, fake, client, looks, handled, onResult } = setup();
    const ok = await defer(queue, 1, 48 * HOUR);
    const overloaded = await defer(queue, 2, 48 * HOUR);
    const invalid = await defer(queue, 3, 48 * HOUR);
    const expired = await defer(queue, 4); // no deadline: may wait
    const soon = await defer(queue, 5, HOUR); // a batch might end after its deadline
    const late = await defer(queue, 6, -1); // already past
    fake.batches.script(overloaded, batchErrored('overloaded_error')).script(invalid, batchErrored('invalid_request_error', 'max_tokens: too large')).script(expired, batchExpired());
    fake.batches.script(ok, batchSucceeded({ text: 'the summary', inputTokens: 1_000_000, outputTokens: 100_000 }));

    const summary = await poll(clock, batchDeferred(queue, client, { onResult, costOf: pricing }));

    expect(fake.batches.all).toHaveLength(1);
    const [batch] = fake.batches.all;
    expect(batch!.requests.map((r) => r.custom_id).sort()).toEqual([ok, overloaded, invalid, expired].sort());
    expect(batch!.requests.find((r) => r.custom_id === ok)!.params).toEqual(body(1));
    // The first look at once, then 30 s, 60 s ... up to 10 min between looks, until the batch ended at 2 h.
    const gaps = looks.slice(1).map((t, i) => t - looks[i]!);
    expect(gaps.slice(0, 6)).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 600_000]);
    expect(new Set(gaps.slice(5))).toEqual(new Set([600_000]));
    expect(looks.at(-1)).toBeGreaterThanOrEqual(2 * HOUR);
    expect(looks.at(-2)).toBeLessThan(2 * HOUR);

    expect(handled.get(ok)).toEqual([expect.objectContaining({ type: 'message', content: [{ type: 'text', text: 'the summary' }] })]);
    expect(handled.size).toBe(1);
    const state = async (id: string) => queue.get(id);
    expect(await state(ok)).toMatchObject({ state: 'done' });
    expect(await state(overloaded)).toMatchObject({ state: 'failed', nextRunAt: clock.now(), lastError: `message batch ${batch!.id}: overloaded_error: overloaded_error` });
    expect(await state(invalid)).toMatchObject({ state: 'dead', deadReason: 'non_retryable', lastError: `message batch ${batch!.id}: invalid_request_error: max_tokens: too large` });
    expect(await state(expired)).toMatchObject({ state: 'pending' });
    expect(await state(soon)).toMatchObject({ state: 'pending', attempts: 0 });
    expect(await state(late)).toMatchObject({ state: 'dead', deadReason: 'deadline_passed' });

    // Opus at $5 / $25 per million: 1 M input + 100 k output = $7.50 interactive, $3.75 in a batch.
    expect(summary).toEqual({
      submittedBatches: [batch!.id],
      submitted: 4,
      interactive: 1,
      endedBatches: [batch!.id],
      inProgressBatches: [],
      done: 1,
      duplicates: 0,
      retried: 1,
      released: 1,
      dead: 2,
      handlerFailed: 0,
      interactiveCostUsd: 7.5,
      batchCostUsd: 3.75,
      savedUsd: 3.75,
      unpriced: 0,
      malformed: [],
    } satisfies BatchSummary);
    expect(await queue.counts()).toEqual({ pending: 2, running: 0, done: 1, failed: 1, dead: 2 });
  });

  it('splits at the request and size limits, and leaves a request too large for any batch to the interactive drain', async () => {
    const { clock, queue, fake, client } = setup();
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await defer(queue, i, 48 * HOUR));
    const big = await defer(queue, 99, 48 * HOUR, { payload: { ...body(99), messages: [{ role: 'user', content: 'x'.repeat(5_000) }] } });
    const summary = await submitBatches(queue, client, { maxRequests: 2, maxBytes: 4_000 });
    expect(fake.batches.all.map((b) => b.requests.length)).toEqual([2, 2, 1]);
    expect(summary).toMatchObject({ submitted: 5, interactive: 1, submittedBatches: ['msgbatch_fake_1', 'msgbatch_fake_2', 'msgbatch_fake_3'] });
    expect(await queue.get(big)).toMatchObject({ state: 'pending' });
    // Each task is held by its batch: the batch id is its lease token, until the window and 6 h.
    const held = await queue.heldBy('batch:');
    expect(held.map((t) => [t.leaseToken, t.leaseUntil])).toEqual([
      ['batch:msgbatch_fake_1', T0 + 30 * HOUR],
      ['batch:msgbatch_fake_1', T0 + 30 * HOUR],
      ['batch:msgbatch_fake_2', T0 + 30 * HOUR],
      ['batch:msgbatch_fake_2', T0 + 30 * HOUR],
      ['batch:msgbatch_fake_3', T0 + 30 * HOUR],
    ]);
    // An interactive drain claims none of them meanwhile.
    expect((await queue.claim(10, 60_000)).map((t) => t.id)).toEqual([big]);
    const resumed = await poll(clock, resumeBatches(queue, client));
    expect(resumed).toMatchObject({ done: 5, endedBatches: ['msgbatch_fake_1', 'msgbatch_fake_2', 'msgbatch_fake_3'] });
  });

  it('resumes after a restart mid-poll: a new queue object on the same file finds the batch by its stored id and completes every task exactly once', async () => {
    const first = setup();
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await defer(first.queue, i, 48 * HOUR));
    await submitBatches(first.queue, first.client);
    const stop = new AbortController();
    const polling = resumeBatches(first.queue, first.client, { signal: stop.signal, onResult: first.onResult });
    // Three looks (0, 30 s, 90 s), then the process "dies": polling stops, the queue is closed.
    while (first.looks.length < 3) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (first.clock.pendingTimers > 0 && first.looks.length < 3) await first.clock.runNext();
    }
    stop.abort();
    expect(await polling).toMatchObject({ inProgressBatches: ['msgbatch_fake_1'], done: 0 });
    await first.queue.close();

    // A new process: a new queue object on the file; the API (the same fake) kept the batch.
    const queue = sqliteDeferrer({ path: first.path, clock: first.clock });
    open.push(queue);
    expect(await queue.counts()).toMatchObject({ running: 4, pending: 0 });
    const summary = await poll(first.clock, resumeBatches(queue, first.client, { onResult: first.onResult }));
    expect(summary).toMatchObject({ endedBatches: ['msgbatch_fake_1'], done: 4, duplicates: 0 });
    expect([...first.handled.keys()].sort()).toEqual([...ids].sort());
    expect([...first.handled.values()].every((messages) => messages.length === 1)).toBe(true);
    expect(await queue.counts()).toEqual({ pending: 0, running: 0, done: 4, failed: 0, dead: 0 });
    // Nothing left to resume.
    expect(await resumeBatches(queue, first.client)).toMatchObject({ endedBatches: [], done: 0 });
  });

  it('finds every batch even when the queue lists fewer held tasks than there are: later batches appear as earlier ones are settled', async () => {
    const { clock, queue, client, handled, onResult } = setup();
    for (let i = 0; i < 6; i++) await defer(queue, i, 48 * HOUR);
    expect((await submitBatches(queue, client, { maxRequests: 2 })).submittedBatches).toHaveLength(3);
    // A queue whose heldBy answers at most two tasks at a time (as a real one caps at 100 000).
    const capped = new Proxy(queue, {
      get: (target, key) => {
        if (key === 'heldBy') return (prefix: string, limit?: number) => target.heldBy(prefix, Math.min(limit ?? 2, 2));
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const summary = await poll(clock, resumeBatches(capped, client, { onResult }));
    expect(summary).toMatchObject({ done: 6, endedBatches: ['msgbatch_fake_1', 'msgbatch_fake_2', 'msgbatch_fake_3'] });
    expect(handled.size).toBe(6);
  });

  it('reports a malformed results line as a typed error and settles the other tasks; the unmatched task goes back to pending', async () => {
    const { clock, queue, fake, client, handled, onResult } = setup();
    const good = await defer(queue, 1, 48 * HOUR);
    const bad = await defer(queue, 2, 48 * HOUR);
    const alsoGood = await defer(queue, 3, 48 * HOUR);
    fake.batches.script(bad, batchMalformed());
    const summary = await poll(clock, batchDeferred(queue, client, { onResult }));
    expect(summary.malformed).toHaveLength(1);
    const [error] = summary.malformed;
    expect(isMalformedBatchResultError(error)).toBe(true);
    expect(error).toMatchObject({ batchId: 'msgbatch_fake_1', line: 2 });
    expect(error!.message).toMatch(/^results of message batch msgbatch_fake_1, line 2: not JSON/);
    expect([...handled.keys()].sort()).toEqual([good, alsoGood].sort());
    expect(await queue.get(bad)).toMatchObject({ state: 'pending' });
    expect(summary).toMatchObject({ done: 2, released: 1 });
  });

  it('keeps a succeeded task with its batch when the result handler throws, and hands the message again at the next resume', async () => {
    const { clock, queue, client } = setup();
    const id = await defer(queue, 1, 48 * HOUR);
    let calls = 0;
    const flaky = () => {
      calls++;
      if (calls === 1) throw new Error('database down');
    };
    const first = await poll(clock, batchDeferred(queue, client, { onResult: flaky }));
    expect(first).toMatchObject({ done: 0, handlerFailed: 1 });
    expect(await queue.get(id)).toMatchObject({ state: 'running' });
    const second = await poll(clock, resumeBatches(queue, client, { onResult: flaky }));
    expect(second).toMatchObject({ done: 1, handlerFailed: 0 });
    expect(calls).toBe(2);
  });

  it('looks again later after an overloaded or failed look, and rejects a refused one with the tasks still held', async () => {
    const { clock, queue, client, looks, failLooks } = setup();
    const id = await defer(queue, 1, 48 * HOUR);
    await submitBatches(queue, client);
    const apiError = (status: number, type: string) => Anthropic.APIError.generate(status, { type: 'error', error: { type, message: type } }, type, new Headers());
    failLooks.push(apiError(529, 'overloaded_error'), new Anthropic.APIConnectionError({ message: 'reset' }), apiError(500, 'api_error'));
    expect(await poll(clock, resumeBatches(queue, client))).toMatchObject({ done: 1 });
    expect(looks.slice(0, 4)).toEqual([0, 30_000, 90_000, 210_000]);

    const other = await defer(queue, 2, 48 * HOUR);
    await submitBatches(queue, client);
    failLooks.push(apiError(401, 'authentication_error'));
    await expect(poll(clock, resumeBatches(queue, client))).rejects.toMatchObject({ status: 401 });
    expect(await queue.get(other)).toMatchObject({ state: 'running' });
    expect(await queue.get(id)).toMatchObject({ state: 'done' });
  });

  it('sends the stored request body as the params, without stream (a batch does not stream)', async () => {
    const { queue, fake, client } = setup();
    const id = await defer(queue, 1, 48 * HOUR, { payload: { ...body(1), stream: true } });
    await submitBatches(queue, client);
    expect(fake.batches.all[0]!.requests).toEqual([{ custom_id: id, params: body(1) }]);
  });

  it('gives the tasks of a batch the API no longer knows back to pending', async () => {
    const { clock, queue, client } = setup();
    const id = await defer(queue, 1, 48 * HOUR);
    const [claimed] = await queue.claim(1, 60_000);
    await queue.handOver([claimed!], 'batch:msgbatch_unknown', clock.now() + 30 * HOUR);
    const summary = await poll(clock, resumeBatches(queue, client));
    expect(summary).toMatchObject({ released: 1, endedBatches: [] });
    expect(await queue.get(id)).toMatchObject({ state: 'pending' });
  });

  it('gives the tasks of an ended batch whose results can no longer be read (archived) back to pending', async () => {
    const { clock, queue, fake, client } = setup();
    const id = await defer(queue, 1, 48 * HOUR);
    await submitBatches(queue, client);
    fake.batches.end();
    const retrieve = client.messages.batches.retrieve.bind(client.messages.batches);
    client.messages.batches.retrieve = ((batchId: string) =>
      retrieve(batchId).then((b) => ({ ...b, results_url: null, archived_at: new Date(clock.now()).toISOString() }))) as unknown as typeof client.messages.batches.retrieve;
    expect(await poll(clock, resumeBatches(queue, client))).toMatchObject({ released: 1, done: 0 });
    expect(await queue.get(id)).toMatchObject({ state: 'pending' });
  });

  it('releases what it claimed when the API refuses the batch, and rejects', async () => {
    const { queue } = setup();
    const id = await defer(queue, 1, 48 * HOUR);
    const refusing = new Anthropic({ baseURL: 'http://fake-anthropic.invalid', apiKey: 'k', maxRetries: 0, fetch: async () => new Response(JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'bad key' } }), { status: 401, headers: { 'content-type': 'application/json' } }) });
    await expect(submitBatches(queue, refusing)).rejects.toMatchObject({ status: 401 });
    expect(await queue.get(id)).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('refuses a queue that cannot hand claims over, and a client that is not one', async () => {
    const { queue, client } = setup();
    await expect(batchDeferred({ ...queue, clock: queue.clock } as never, client)).rejects.toThrow(/the queue must hand claims over/);
    await expect(submitBatches(queue, {} as never)).rejects.toThrow(/client must be an Anthropic client/);
  });
});

describe('the batch path reported to onOutcome and counted by instrumentQueue', () => {
  it('tells each task submitted, then settled, and counts both with the batch-price cost of the succeeded ones', async () => {
    const { clock, queue, fake, client } = setup();
    const ok = await defer(queue, 1, 48 * HOUR);
    const overloaded = await defer(queue, 2, 48 * HOUR);
    const invalid = await defer(queue, 3, 48 * HOUR);
    const expired = await defer(queue, 4);
    const flaky = await defer(queue, 5, 48 * HOUR);
    const late = await defer(queue, 6, -1); // its deadline passed: dead before any batch
    fake.batches.script(overloaded, batchErrored('overloaded_error')).script(invalid, batchErrored('invalid_request_error', 'bad')).script(expired, batchExpired());
    fake.batches.script(ok, batchSucceeded({ text: 'the summary', inputTokens: 1_000_000, outputTokens: 100_000 }));
    const { meterProvider, points } = metricPoints();
    const telemetry = instrumentQueue(queue, { name: 'summaries', meterProvider });
    const told: Array<[string, string]> = [];
    const onOutcome: BatchOptions['onOutcome'] = (o) => {
      told.push([o.task.id, o.outcome]);
      telemetry.onBatchOutcome(o);
    };
    let handlerCalls = 0;
    const onResult = (t: ClaimedTask) => {
      if (t.id === flaky && ++handlerCalls === 1) throw new Error('database down');
    };

    await poll(clock, batchDeferred(queue, client, { onResult, onOutcome, costOf: pricing }));
    const [batch] = fake.batches.all;
    expect(told.filter(([, o]) => o === 'submitted').map(([id]) => id).sort()).toEqual([ok, overloaded, invalid, expired, flaky].sort());
    expect(new Map(told.filter(([, o]) => o !== 'submitted'))).toEqual(
      new Map([
        [ok, 'done'],
        [overloaded, 'retried'],
        [invalid, 'dead'],
        [expired, 'released'],
        [flaky, 'handler_failed'],
        [late, 'dead'],
      ]),
    );
    // The flaky task's batch still holds it: the next resume settles it, and counts it again.
    await poll(clock, resumeBatches(queue, client, { onResult, onOutcome, costOf: pricing }));
    expect(told.at(-1)).toEqual([flaky, 'done']);

    const name = { [ATTR_QUEUE_NAME]: 'summaries' };
    const counted = new Map((await points(METRIC_QUEUE_BATCH_TASKS)).map(([a, v]) => [`${a[ATTR_QUEUE_BATCH_OUTCOME]}${a[ATTR_QUEUE_DEAD_REASON] ? `/${a[ATTR_QUEUE_DEAD_REASON]}` : ''}`, v]));
    expect(counted).toEqual(
      new Map([
        [QueueBatchOutcome.SUBMITTED, 5],
        [QueueBatchOutcome.DONE, 2],
        [QueueBatchOutcome.RETRIED, 1],
        [`${QueueBatchOutcome.DEAD}/${QueueDeadReason.NON_RETRYABLE}`, 1],
        [`${QueueBatchOutcome.DEAD}/${QueueDeadReason.DEADLINE_PASSED}`, 1],
        [QueueBatchOutcome.RELEASED, 1],
        [QueueBatchOutcome.HANDLER_FAILED, 1],
      ]),
    );
    for (const [attributes] of await points(METRIC_QUEUE_BATCH_TASKS)) expect(attributes).toMatchObject(name);
    // Opus: the succeeded 1 M in + 100 k out is $3.75 at the batch price; the flaky task's default answer (a few cents at most) adds to it.
    const costPoints = (await points(METRIC_QUEUE_BATCH_COST_USD)) as Array<readonly [Record<string, unknown>, number]>;
    expect(costPoints).toHaveLength(1);
    const [costAttributes, cost] = costPoints[0]!;
    expect(costAttributes).toEqual(name);
    expect(cost).toBeGreaterThan(3.75);
    expect(cost).toBeLessThan(3.8);
    expect(batch?.requests).toHaveLength(5);
    telemetry.stop();
  });

  it('keeps counting when a listener throws, and adds no cost for requests it could not price', async () => {
    const { clock, queue, client } = setup();
    await defer(queue, 1, 48 * HOUR);
    const { meterProvider, points } = metricPoints();
    const telemetry = instrumentQueue(queue, { meterProvider });
    const summary = await poll(
      clock,
      batchDeferred(queue, client, {
        onOutcome: (o) => {
          telemetry.onBatchOutcome(o);
          throw new Error('listener bug');
        },
      }),
    );
    expect(summary).toMatchObject({ submitted: 1, done: 1, unpriced: 1 });
    expect((await points(METRIC_QUEUE_BATCH_TASKS)).map(([a, v]) => [a[ATTR_QUEUE_BATCH_OUTCOME], v])).toEqual([
      [QueueBatchOutcome.SUBMITTED, 1],
      [QueueBatchOutcome.DONE, 1],
    ]);
    expect(await points(METRIC_QUEUE_BATCH_COST_USD)).toEqual([]);
    telemetry.stop();
  });
});
