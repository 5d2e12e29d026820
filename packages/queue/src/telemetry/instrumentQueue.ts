import { metrics, type BatchObservableResult, type MeterProvider } from '@opentelemetry/api';
import {
  ATTR_QUEUE_BATCH_OUTCOME,
  ATTR_QUEUE_DEAD_REASON,
  ATTR_QUEUE_NAME,
  ATTR_QUEUE_OUTCOME,
  ATTR_QUEUE_STATE,
  METRIC_QUEUE_BATCH_COST_USD,
  METRIC_QUEUE_BATCH_TASKS,
  METRIC_QUEUE_DEADLINE_SLACK,
  METRIC_QUEUE_DRAINED,
  METRIC_QUEUE_OLDEST_PENDING_AGE,
  METRIC_QUEUE_TASKS,
  QueueBatchOutcome,
  QueueDeadReason,
  QueueDrainOutcome,
  metricDefinition,
} from '@stormwatch/conventions';
import type { TaskQueue } from '../TaskQueue.js';
import { TASK_STATES } from '../TaskState.js';
import type { BatchTaskOutcome } from '../batch/BatchOptions.js';
import type { DrainOutcome } from '../drain/DrainOutcome.js';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './scope.js';

export { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './scope.js';

/** Options of {@link instrumentQueue}. */
export interface QueueTelemetryOptions {
  /** `stormwatch.queue.name` on every series of this queue. Defaults to `default`. */
  name?: string;
  /** Where the metrics go. Defaults to the global meter provider (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider;
}

/** What {@link instrumentQueue} returns. */
export interface QueueTelemetry {
  /** Pass as `drainDeferred`'s `onOutcome` (or call from yours): counts `stormwatch.queue.drained`. */
  readonly onOutcome: (outcome: DrainOutcome) => void;
  /**
   * Pass as the `onOutcome` of `submitBatches`, `resumeBatches` or `batchDeferred` (or call
   * from yours): counts `stormwatch.queue.batch.tasks` by outcome and adds the succeeded
   * requests' batch-price cost to `stormwatch.queue.batch.cost.usd`.
   */
  readonly onBatchOutcome: (outcome: BatchTaskOutcome) => void;
  /** Stops observing the queue (call before closing it); the drained counter keeps what it counted. */
  stop(): void;
}

/**
 * The queue's reads the gauges need. `nearestDeadlineMs` (ms left before the earliest
 * deadline of a task still to do, negative once passed; `SqliteDeferrer` and `RedisDeferrer` have it) is optional:
 * without it, `stormwatch.queue.deadline_slack` is not observed.
 */
export type ObservedQueue = Pick<TaskQueue, 'counts' | 'oldestPendingAgeMs'> & { nearestDeadlineMs?(): Promise<number | undefined> };

const DEAD_REASONS: ReadonlySet<string> = new Set(Object.values(QueueDeadReason));

function optionsOf(name: string) {
  const def = metricDefinition(name);
  return { unit: def.unit, description: def.description };
}

/**
 * Metrics of a durable deferral queue (docs/TELEMETRY.md): `stormwatch.queue.tasks` by state,
 * `stormwatch.queue.oldest_pending_age` and `stormwatch.queue.deadline_slack` (when the queue
 * has `nearestDeadlineMs`), read from the queue at each collection in one
 * batch (a failed read observes nothing); `stormwatch.queue.drained` by outcome through
 * the returned `onOutcome`, to hand to `drainDeferred`; and the Message Batches path's
 * `stormwatch.queue.batch.tasks` and `stormwatch.queue.batch.cost.usd` through
 * `onBatchOutcome`, to hand to `submitBatches`, `resumeBatches` or `batchDeferred`.
 */
export function instrumentQueue(queue: ObservedQueue, options: QueueTelemetryOptions = {}): QueueTelemetry {
  const name = options.name ?? 'default';
  if (typeof name !== 'string' || name === '') throw new TypeError(`instrumentQueue: name must be a non-empty string, got ${JSON.stringify(name)}`);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
  const tasks = meter.createObservableGauge(METRIC_QUEUE_TASKS, optionsOf(METRIC_QUEUE_TASKS));
  const oldest = meter.createObservableGauge(METRIC_QUEUE_OLDEST_PENDING_AGE, optionsOf(METRIC_QUEUE_OLDEST_PENDING_AGE));
  const slack = meter.createObservableGauge(METRIC_QUEUE_DEADLINE_SLACK, optionsOf(METRIC_QUEUE_DEADLINE_SLACK));
  const drained = meter.createCounter(METRIC_QUEUE_DRAINED, optionsOf(METRIC_QUEUE_DRAINED));
  const batchTasks = meter.createCounter(METRIC_QUEUE_BATCH_TASKS, optionsOf(METRIC_QUEUE_BATCH_TASKS));
  const batchCost = meter.createCounter(METRIC_QUEUE_BATCH_COST_USD, optionsOf(METRIC_QUEUE_BATCH_COST_USD));

  const observe = async (result: BatchObservableResult): Promise<void> => {
    let read: [Awaited<ReturnType<ObservedQueue['counts']>>, number | undefined, number | undefined];
    try {
      read = await Promise.all([queue.counts(), queue.oldestPendingAgeMs(), queue.nearestDeadlineMs?.()]);
    } catch {
      return; // a closed or broken queue: no made-up figures, the series go stale
    }
    const [counts, ageMs, slackMs] = read;
    for (const state of TASK_STATES) result.observe(tasks, counts[state] ?? 0, { [ATTR_QUEUE_NAME]: name, [ATTR_QUEUE_STATE]: state });
    result.observe(oldest, Math.max(0, ageMs ?? 0) / 1000, { [ATTR_QUEUE_NAME]: name });
    // No task with a deadline waits: no series (a made-up slack would be a lie either way).
    if (slackMs !== undefined && Number.isFinite(slackMs)) result.observe(slack, slackMs / 1000, { [ATTR_QUEUE_NAME]: name });
  };
  const observables = [tasks, oldest, slack];
  meter.addBatchObservableCallback(observe, observables);

  const onOutcome = (o: DrainOutcome): void => {
    switch (o.outcome) {
      case 'drained':
        return drained.add(1, { [ATTR_QUEUE_NAME]: name, [ATTR_QUEUE_OUTCOME]: QueueDrainOutcome.DONE });
      case 'failed':
        return drained.add(1, { [ATTR_QUEUE_NAME]: name, [ATTR_QUEUE_OUTCOME]: QueueDrainOutcome.FAILED });
      case 'released':
        return drained.add(1, { [ATTR_QUEUE_NAME]: name, [ATTR_QUEUE_OUTCOME]: QueueDrainOutcome.RELEASED });
      case 'dead':
        return drained.add(1, {
          [ATTR_QUEUE_NAME]: name,
          [ATTR_QUEUE_OUTCOME]: QueueDrainOutcome.DEAD,
          [ATTR_QUEUE_DEAD_REASON]: DEAD_REASONS.has(o.reason) ? o.reason : QueueDeadReason.OTHER,
        });
    }
  };
  const onBatchOutcome = (o: BatchTaskOutcome): void => {
    const attributes = { [ATTR_QUEUE_NAME]: name, [ATTR_QUEUE_BATCH_OUTCOME]: BATCH_OUTCOMES[o.outcome] };
    if (o.outcome === 'dead') {
      batchTasks.add(1, { ...attributes, [ATTR_QUEUE_DEAD_REASON]: DEAD_REASONS.has(o.reason) ? o.reason : QueueDeadReason.OTHER });
      return;
    }
    batchTasks.add(1, attributes);
    if (o.outcome === 'done' && o.costUsd !== undefined && Number.isFinite(o.costUsd) && o.costUsd >= 0) {
      batchCost.add(o.costUsd, { [ATTR_QUEUE_NAME]: name });
    }
  };
  let stopped = false;
  return {
    onOutcome,
    onBatchOutcome,
    stop() {
      if (stopped) return;
      stopped = true;
      meter.removeBatchObservableCallback(observe, observables);
    },
  };
}

/** The contract's value of each outcome the batch path reports. */
const BATCH_OUTCOMES: Readonly<Record<BatchTaskOutcome['outcome'], QueueBatchOutcome>> = Object.freeze({
  submitted: QueueBatchOutcome.SUBMITTED,
  done: QueueBatchOutcome.DONE,
  retried: QueueBatchOutcome.RETRIED,
  released: QueueBatchOutcome.RELEASED,
  dead: QueueBatchOutcome.DEAD,
  handler_failed: QueueBatchOutcome.HANDLER_FAILED,
});
