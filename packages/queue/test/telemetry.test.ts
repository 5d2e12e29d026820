import {
  ATTR_QUEUE_DEAD_REASON,
  ATTR_QUEUE_NAME,
  ATTR_QUEUE_OUTCOME,
  ATTR_QUEUE_STATE,
  METRIC_QUEUE_DRAINED,
  METRIC_QUEUE_OLDEST_PENDING_AGE,
  METRIC_QUEUE_TASKS,
  QUEUE_METRICS,
  QueueDeadReason,
} from '@stormwatch/conventions';
import { VirtualClock } from '@stormwatch/core';
import { afterEach, describe, expect, it } from 'vitest';
import { drainDeferred, instrumentQueue, sqliteDeferrer, type SqliteDeferrer } from '../src/index.js';
import { metricPoints } from './support/metricPoints.js';
import { task, useTempDir } from './support/queueFiles.js';

const { queuePath } = useTempDir();
const open: SqliteDeferrer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((q) => q.close()));
});

async function setup(tasks = 0) {
  const clock = new VirtualClock(10_000);
  const queue = sqliteDeferrer({ path: queuePath(), clock });
  open.push(queue);
  const ids: string[] = [];
  for (let i = 0; i < tasks; i++) ids.push((await queue.defer(task({ callId: i + 1, deferredAt: 4_000 + i * 1_000 }))).id);
  const { meterProvider, collect, points } = metricPoints();
  return { clock, queue, ids, meterProvider, collect, points };
}

const httpError = (status: number) => Object.assign(new Error(`${status} error`), { name: 'APIError', status });

describe('instrumentQueue', () => {
  it('observes the depth of every state and the age of the oldest pending task, in seconds, from the SQLite queue', async () => {
    const { queue, meterProvider, points } = await setup(3);
    instrumentQueue(queue, { name: 'summaries', meterProvider });
    const q = { [ATTR_QUEUE_NAME]: 'summaries' };
    expect(await points(METRIC_QUEUE_TASKS)).toEqual([
      [{ ...q, [ATTR_QUEUE_STATE]: 'pending' }, 3],
      [{ ...q, [ATTR_QUEUE_STATE]: 'running' }, 0],
      [{ ...q, [ATTR_QUEUE_STATE]: 'done' }, 0],
      [{ ...q, [ATTR_QUEUE_STATE]: 'failed' }, 0],
      [{ ...q, [ATTR_QUEUE_STATE]: 'dead' }, 0],
    ]);
    // Deferred at 4 s of a clock now at 10 s.
    expect(await points(METRIC_QUEUE_OLDEST_PENDING_AGE)).toEqual([[q, 6]]);
  });

  it('counts what became of each drained task, dead ones with their reason, and the gauges follow', async () => {
    const { queue, clock, ids, meterProvider, points } = await setup(4);
    const telemetry = instrumentQueue(queue, { meterProvider });
    const q = { [ATTR_QUEUE_NAME]: 'default' };
    const [ok1, ok2, bad, flaky] = ids;
    const summary = await drainDeferred(
      queue,
      async (t) => {
        if (t.id === bad) throw httpError(400);
        if (t.id === flaky) throw httpError(529);
        return t.id === ok1 || t.id === ok2;
      },
      { stopWhenIdle: true, onOutcome: telemetry.onOutcome, random: () => 0.5, clock },
    );
    expect(summary).toMatchObject({ drained: 2, dead: 1 });
    const drained = new Map((await points(METRIC_QUEUE_DRAINED)).map(([a, v]) => [JSON.stringify(a), v]));
    expect(drained.get(JSON.stringify({ ...q, [ATTR_QUEUE_OUTCOME]: 'done' }))).toBe(2);
    expect(drained.get(JSON.stringify({ ...q, [ATTR_QUEUE_OUTCOME]: 'failed' }))).toBe(1);
    expect(drained.get(JSON.stringify({ ...q, [ATTR_QUEUE_OUTCOME]: 'dead', [ATTR_QUEUE_DEAD_REASON]: QueueDeadReason.NON_RETRYABLE }))).toBe(1);
    expect(drained.size).toBe(3);
    const depth = Object.fromEntries((await points(METRIC_QUEUE_TASKS)).map(([a, v]) => [a[ATTR_QUEUE_STATE], v]));
    expect(depth).toEqual({ pending: 0, running: 0, done: 2, failed: 1, dead: 1 });
    // The failed task is still to do: the oldest of those is its age.
    const age = (await points(METRIC_QUEUE_OLDEST_PENDING_AGE))[0]?.[1];
    expect(age).toBeGreaterThan(0);
  });

  it('reports an empty queue as age 0, creates the instruments with the contract unit and description, and stops observing', async () => {
    const { queue, meterProvider, collect, points } = await setup(0);
    let reads = 0;
    const counted = { counts: () => (reads++, queue.counts()), oldestPendingAgeMs: () => queue.oldestPendingAgeMs() };
    const telemetry = instrumentQueue(counted, { meterProvider });
    expect(await points(METRIC_QUEUE_OLDEST_PENDING_AGE)).toEqual([[{ [ATTR_QUEUE_NAME]: 'default' }, 0]]);
    for (const m of await collect()) {
      const def = QUEUE_METRICS.find((d) => d.name === m.descriptor.name);
      expect(def, m.descriptor.name).toBeDefined();
      expect(m.descriptor.unit).toBe(def!.unit);
      expect(m.descriptor.description).toBe(def!.description);
    }
    const before = reads;
    telemetry.stop();
    telemetry.stop();
    await queue.close();
    await collect();
    expect(reads).toBe(before);
  });

  it('observes nothing, and throws nothing, when the queue cannot be read', async () => {
    const { queue, meterProvider, points } = await setup(1);
    instrumentQueue(queue, { meterProvider });
    await queue.close();
    expect(await points(METRIC_QUEUE_TASKS)).toEqual([]);
    expect(await points(METRIC_QUEUE_OLDEST_PENDING_AGE)).toEqual([]);
  });

  it('records an unknown dead reason as _OTHER', async () => {
    const { queue, meterProvider, points } = await setup(0);
    const telemetry = instrumentQueue(queue, { name: 'q', meterProvider });
    telemetry.onOutcome({ task: {} as never, outcome: 'dead', reason: 'something new' });
    expect(await points(METRIC_QUEUE_DRAINED)).toEqual([[{ [ATTR_QUEUE_NAME]: 'q', [ATTR_QUEUE_OUTCOME]: 'dead', [ATTR_QUEUE_DEAD_REASON]: QueueDeadReason.OTHER }, 1]]);
  });
});
