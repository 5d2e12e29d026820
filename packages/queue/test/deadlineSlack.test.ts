import { ATTR_QUEUE_NAME, METRIC_QUEUE_DEADLINE_SLACK, METRIC_QUEUE_TASKS } from '@stormwatch/conventions';
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

function setup() {
  const clock = new VirtualClock(10_000);
  const queue = sqliteDeferrer({ path: queuePath(), clock });
  open.push(queue);
  const { meterProvider, points } = metricPoints();
  return { clock, queue, meterProvider, points };
}

describe('the deadline slack of a deferral queue', () => {
  it('is the time left before the earliest deadline of a task still to do, negative once it passed', async () => {
    const { clock, queue, meterProvider, points } = setup();
    await queue.defer(task({ callId: 1, deferredAt: 9_000, deadlineAt: 70_000 }));
    await queue.defer(task({ callId: 2, deferredAt: 9_500, deadlineAt: 40_000 }));
    await queue.defer(task({ callId: 3, deferredAt: 9_800 }));
    expect(await queue.nearestDeadlineMs()).toBe(30_000);
    instrumentQueue(queue, { name: 'summaries', meterProvider });
    expect(await points(METRIC_QUEUE_DEADLINE_SLACK)).toEqual([[{ [ATTR_QUEUE_NAME]: 'summaries' }, 30]]);
    await clock.advance(45_000);
    expect(await points(METRIC_QUEUE_DEADLINE_SLACK)).toEqual([[{ [ATTR_QUEUE_NAME]: 'summaries' }, -15]]);
  });

  it('leaves settled tasks out, and has no series when no waiting task has a deadline', async () => {
    const { queue, meterProvider, points } = setup();
    await queue.defer(task({ callId: 1, deferredAt: 9_000, deadlineAt: 20_000 }));
    await queue.defer(task({ callId: 2, deferredAt: 9_500 }));
    instrumentQueue(queue, { meterProvider });
    // The drain completes the one with a deadline and the one without.
    await drainDeferred(queue, async () => undefined, { stopWhenIdle: true });
    expect(await queue.nearestDeadlineMs()).toBeUndefined();
    expect(await points(METRIC_QUEUE_DEADLINE_SLACK)).toEqual([]);
    expect((await points(METRIC_QUEUE_TASKS)).length).toBe(5);
  });

  it('is not observed for a queue that cannot tell it', async () => {
    const { queue, meterProvider, points } = setup();
    await queue.defer(task({ callId: 1, deferredAt: 9_000, deadlineAt: 20_000 }));
    instrumentQueue({ counts: () => queue.counts(), oldestPendingAgeMs: () => queue.oldestPendingAgeMs() }, { meterProvider });
    expect(await points(METRIC_QUEUE_DEADLINE_SLACK)).toEqual([]);
    expect((await points(METRIC_QUEUE_TASKS)).length).toBe(5);
  });
});
