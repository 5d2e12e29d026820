import { VirtualClock } from '@stormwatch/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { drainDeferred, sqliteDeferrer, type ClaimedTask, type DrainContext, type DrainOutcome, type SqliteDeferrer } from '../src/index.js';
import { task, useTempDir } from './support/queueFiles.js';

const { queuePath } = useTempDir();
const open: SqliteDeferrer[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((q) => q.close()));
});

async function setup(tasks = 0) {
  const clock = new VirtualClock(10_000);
  const queue = sqliteDeferrer({ path: queuePath(), clock });
  open.push(queue);
  const ids: string[] = [];
  for (let i = 0; i < tasks; i++) ids.push((await queue.defer(task({ callId: i + 1, deferredAt: 9_000 + i }))).id);
  return { clock, queue, ids };
}

const httpError = (status: number, message = `${status} error`) => Object.assign(new Error(message), { name: 'APIError', status });

/** Lets pending continuations (and what they schedule with setImmediate) run until `done()` holds. */
async function until(done: () => boolean, rounds = 1_000): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!done()) throw new Error('condition never held');
}

/** A promise the test resolves by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('drainDeferred', () => {
  it('runs every due task once with its stable id, marks it done, and stops when idle', async () => {
    const { queue, ids } = await setup(5);
    const seen: Array<[string, DrainContext]> = [];
    const outcomes: DrainOutcome[] = [];
    const summary = await drainDeferred(queue, async (t, ctx) => void seen.push([t.id, ctx]), { stopWhenIdle: true, onOutcome: (o) => outcomes.push(o) });
    expect(summary).toEqual({ drained: 5, failed: 0, dead: 0, released: 0 });
    expect(seen.map(([id]) => id)).toEqual(ids);
    expect(seen[0]![1]).toEqual({ id: ids[0], signal: expect.any(AbortSignal), remainingMs: undefined, attempt: 1 });
    expect(outcomes.map((o) => [o.task.id, o.outcome])).toEqual(ids.map((id) => [id, 'drained']));
    expect(await queue.counts()).toEqual({ pending: 0, running: 0, done: 5, failed: 0, dead: 0 });
  });

  it('gives the handler the time left until the task deadline', async () => {
    const { queue } = await setup();
    await queue.defer(task({ deadlineAt: 70_000 }));
    const remaining: Array<number | undefined> = [];
    await drainDeferred(queue, async (_t, { remainingMs }) => void remaining.push(remainingMs), { stopWhenIdle: true });
    expect(remaining).toEqual([60_000]);
  });

  it('runs at most `concurrency` handlers at once', async () => {
    const { queue } = await setup(6);
    let running = 0;
    let most = 0;
    const summary = await drainDeferred(
      queue,
      async () => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setImmediate(resolve));
        running--;
      },
      { concurrency: 2, stopWhenIdle: true },
    );
    expect(summary.drained).toBe(6);
    expect(most).toBe(2);
  });

  it('sends a non-retryable 400 to dead with its reason, and retry(id) brings it back', async () => {
    const { queue, ids } = await setup(1);
    const first = await drainDeferred(queue, () => Promise.reject(httpError(400, '400 {"type":"invalid_request_error"}')), { stopWhenIdle: true });
    expect(first).toEqual({ drained: 0, failed: 0, dead: 1, released: 0 });
    expect(await queue.get(ids[0]!)).toMatchObject({ state: 'dead', deadReason: 'non_retryable', lastError: 'APIError: 400 {"type":"invalid_request_error"}', attempts: 1 });

    expect(await queue.retry(ids[0]!)).toBe(true);
    const seen: string[] = [];
    expect(await drainDeferred(queue, async (t) => void seen.push(t.id), { stopWhenIdle: true })).toMatchObject({ drained: 1 });
    expect(seen).toEqual(ids);
    expect(await queue.get(ids[0]!)).toMatchObject({ state: 'done' });
  });

  it('does not run a task whose deadline passed while it waited: dead', async () => {
    const { queue } = await setup();
    const { id } = await queue.defer(task({ deadlineAt: 9_000 }));
    const handler = vi.fn(async () => undefined);
    expect(await drainDeferred(queue, handler, { stopWhenIdle: true })).toEqual({ drained: 0, failed: 0, dead: 1, released: 0 });
    expect(handler).not.toHaveBeenCalled();
    expect(await queue.get(id)).toMatchObject({ state: 'dead', deadReason: 'deadline_passed', lastError: 'not run: deadline_passed' });
  });

  it('retries a retryable failure after its backoff, as a worker that waits for due tasks', async () => {
    const { clock, queue, ids } = await setup(1);
    const stop = new AbortController();
    const attempts: number[] = [];
    const outcomes: DrainOutcome[] = [];
    const drained = drainDeferred(
      queue,
      async (_t, { attempt }) => {
        attempts.push(attempt);
        if (attempt === 1) throw httpError(529, '529 overloaded');
      },
      { signal: stop.signal, random: () => 0.5, onOutcome: (o) => outcomes.push(o) },
    );
    await until(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({ outcome: 'failed', retryAt: 12_500 }); // half of the 5 s base
    expect(await queue.get(ids[0]!)).toMatchObject({ state: 'failed', nextRunAt: 12_500, lastError: 'APIError: 529 overloaded' });
    await clock.advance(2_499);
    expect(attempts).toEqual([1]);
    await clock.advance(1);
    await until(() => outcomes.length === 2);
    stop.abort();
    expect(await drained).toEqual({ drained: 1, failed: 1, dead: 0, released: 0 });
    expect(attempts).toEqual([1, 2]);
    expect(await queue.get(ids[0]!)).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('sends a task to dead after maxAttempts failures', async () => {
    const { clock, queue, ids } = await setup(1);
    const stop = new AbortController();
    const outcomes: DrainOutcome[] = [];
    const drained = drainDeferred(queue, () => Promise.reject(httpError(503)), { signal: stop.signal, maxAttempts: 3, backoff: { baseMs: 100, capMs: 100 }, random: () => 0.99, onOutcome: (o) => outcomes.push(o) });
    for (let i = 0; i < 3; i++) {
      await until(() => outcomes.length === i + 1);
      await clock.advance(100);
    }
    stop.abort();
    expect(await drained).toEqual({ drained: 0, failed: 2, dead: 1, released: 0 });
    expect(await queue.get(ids[0]!)).toMatchObject({ state: 'dead', deadReason: 'max_attempts', attempts: 3, lastError: 'APIError: 503 error' });
  });

  it('on stop, releases a task whose handler gives up on the signal, and claims nothing more', async () => {
    const { queue, ids } = await setup(3);
    const stop = new AbortController();
    const started: string[] = [];
    const drained = drainDeferred(
      queue,
      (t, { signal }) =>
        new Promise((_resolve, reject) => {
          started.push(t.id);
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
      { signal: stop.signal, concurrency: 1 },
    );
    await until(() => started.length === 1);
    stop.abort(new Error('shutting down'));
    expect(await drained).toEqual({ drained: 0, failed: 0, dead: 0, released: 1 });
    expect(started).toEqual([ids[0]]);
    expect(await queue.get(ids[0]!)).toMatchObject({ state: 'pending', attempts: 0 });
    expect(await queue.counts()).toMatchObject({ pending: 3, running: 0 });
  });

  it('on stop, lets a handler that ignores the signal finish, and completes its task', async () => {
    const { queue, ids } = await setup(3);
    const stop = new AbortController();
    const release = gate();
    const started: string[] = [];
    const drained = drainDeferred(
      queue,
      async (t) => {
        started.push(t.id);
        await release.opened;
      },
      { signal: stop.signal, concurrency: 2 },
    );
    await until(() => started.length === 2);
    stop.abort();
    release.open();
    expect(await drained).toEqual({ drained: 2, failed: 0, dead: 0, released: 0 });
    expect(await queue.counts()).toMatchObject({ done: 2, pending: 1 });
    expect(await queue.get(ids[2]!)).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('returns at once with a signal already aborted', async () => {
    const { queue } = await setup(2);
    const handler = vi.fn(async () => undefined);
    expect(await drainDeferred(queue, handler, { signal: AbortSignal.abort() })).toEqual({ drained: 0, failed: 0, dead: 0, released: 0 });
    expect(handler).not.toHaveBeenCalled();
  });

  it('renews the lease while a long handler runs, so no other drain takes the task', async () => {
    const { clock, queue, ids } = await setup(1);
    const other = sqliteDeferrer({ path: queuePath(), clock });
    open.push(other);
    const release = gate();
    let started = false;
    const drained = drainDeferred(
      queue,
      async () => {
        started = true;
        await release.opened;
      },
      { leaseMs: 3_000, stopWhenIdle: true },
    );
    await until(() => started);
    await clock.advance(30_000); // ten leases long
    expect(await other.claim(1, 3_000)).toEqual([]);
    expect((await queue.get(ids[0]!))?.leaseUntil).toBeGreaterThan(clock.now());
    release.open();
    expect(await drained).toMatchObject({ drained: 1 });
    expect(await queue.get(ids[0]!)).toMatchObject({ state: 'done', attempts: 1 });
  });

  it('counts a run of a task another drain completed meanwhile as a duplicate', async () => {
    const { queue, ids } = await setup(1);
    const outcomes: DrainOutcome[] = [];
    await drainDeferred(queue, (t: ClaimedTask) => queue.complete(t.id), { stopWhenIdle: true, onOutcome: (o) => outcomes.push(o) });
    expect(outcomes).toEqual([expect.objectContaining({ outcome: 'drained', duplicate: true, task: expect.objectContaining({ id: ids[0] }) })]);
  });

  it('rejects when the queue fails, after the tasks in hand settle', async () => {
    const { queue } = await setup(2);
    const broken = new Error('disk I/O error');
    vi.spyOn(queue, 'complete').mockRejectedValue(broken);
    const settled: string[] = [];
    await expect(drainDeferred(queue, async (t) => void settled.push(t.id), { stopWhenIdle: true, concurrency: 2 })).rejects.toBe(broken);
    expect(settled).toHaveLength(2);
  });

  it('rejects when a claim fails', async () => {
    const { queue } = await setup(1);
    await queue.close();
    await expect(drainDeferred(queue, async () => undefined, { stopWhenIdle: true })).rejects.toThrow('is closed');
  });

  it('reports a throwing onOutcome once as a warning, and goes on', async () => {
    const { queue } = await setup(2);
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const summary = await drainDeferred(queue, async () => undefined, {
      stopWhenIdle: true,
      onOutcome: () => {
        throw new Error('listener bug');
      },
    });
    expect(summary.drained).toBe(2);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toBe('drainDeferred: onOutcome threw: listener bug (the drain went on)');
  });

  it('refuses bad options with errors that name them', async () => {
    const { queue } = await setup();
    const run = (options: object) => drainDeferred(queue, async () => undefined, options);
    await expect(run({ concurrency: 0 })).rejects.toThrow('drainDeferred: concurrency must be a positive integer, got 0');
    await expect(run({ leaseMs: -1 })).rejects.toThrow('drainDeferred: leaseMs must be a positive number of milliseconds, got -1');
    await expect(run({ maxAttempts: 1.5 })).rejects.toThrow(RangeError);
    await expect(run({ backoff: { baseMs: 10, capMs: 5 } })).rejects.toThrow('backoff.capMs (5) must be >= backoff.baseMs (10)');
    await expect(run({ retryable: true })).rejects.toThrow('drainDeferred: retryable must be a function, got boolean');
    await expect(drainDeferred(queue, 'x' as never)).rejects.toThrow(TypeError);
  });
});
