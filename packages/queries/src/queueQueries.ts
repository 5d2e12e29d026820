import {
  QueueTaskState,
  RULE_QUEUE_BATCH_COST_PER_HOUR,
  RULE_QUEUE_BATCH_TASKS_RATE,
  RULE_QUEUE_DEADLINE_SLACK,
  RULE_QUEUE_DRAINED_RATE,
  RULE_QUEUE_OLDEST_PENDING_AGE,
  RULE_QUEUE_TASKS,
} from '@stormwatch/conventions';
import { LABEL } from './labels.js';
import type { LabelMatch, QueryParams } from './params.js';
import { selector, sumBy } from './promql.js';

/**
 * The durable deferral queues (`instrumentQueue` of `@stormwatch/queue`), from their
 * recording rules: what waits, how old and how close to its deadline it is, what the
 * drains settle, and what the Message Batches path does and costs. Service filter only (a
 * queue is no model's).
 */

const byQueue = [LABEL.SERVICE, LABEL.QUEUE_NAME] as const;
const serviceOnly = (p: QueryParams): ReadonlyArray<readonly [string, LabelMatch | undefined]> => [[LABEL.SERVICE, p.service]];

/** Tasks still to do or given up, by service, queue and state (the done ones left out: they only grow). */
export function queueTasksByState(p: QueryParams = {}): string {
  return sumBy([...byQueue, LABEL.QUEUE_STATE], selector(RULE_QUEUE_TASKS, serviceOnly(p), [{ label: LABEL.QUEUE_STATE, op: '!=', value: QueueTaskState.DONE }]));
}

/** Age of the oldest task still to do, in seconds, by service and queue. */
export function queueOldestPendingAge(p: QueryParams = {}): string {
  return sumBy([...byQueue], selector(RULE_QUEUE_OLDEST_PENDING_AGE, serviceOnly(p)), 'max');
}

/** Tasks the drains settle per second, by service, queue and outcome (done, failed, dead, released). */
export function queueDrainedByOutcome(p: QueryParams = {}): string {
  return sumBy([...byQueue, LABEL.QUEUE_OUTCOME], selector(RULE_QUEUE_DRAINED_RATE, serviceOnly(p)));
}

/** Least time left before a waiting task's deadline, in seconds (negative once passed), by service and queue. */
export function queueDeadlineSlack(p: QueryParams = {}): string {
  return sumBy([...byQueue], selector(RULE_QUEUE_DEADLINE_SLACK, serviceOnly(p)), 'min');
}

/** Tasks on the Message Batches path per second, by service, queue and batch outcome (submitted, then done, retried, released, dead, handler_failed). */
export function queueBatchTasksByOutcome(p: QueryParams = {}): string {
  return sumBy([...byQueue, LABEL.QUEUE_BATCH_OUTCOME], selector(RULE_QUEUE_BATCH_TASKS_RATE, serviceOnly(p)));
}

/** What the succeeded batch requests cost per hour at the batch price (half the interactive price), by service and queue. */
export function queueBatchCostUsdPerHour(p: QueryParams = {}): string {
  return sumBy([...byQueue], selector(RULE_QUEUE_BATCH_COST_PER_HOUR, serviceOnly(p)));
}
