import type { TaskQueue } from '../TaskQueue.js';
import type { BatchClient } from './BatchClient.js';
import type { BatchOptions, BatchSummary } from './BatchOptions.js';
import { resumeBatches } from './resumeBatches.js';
import { submitBatches } from './submitBatches.js';

/**
 * Defers to the Message Batches API: {@link submitBatches} (the due tasks whose deadline is
 * further away than the batch window go in batches at half the price), then
 * {@link resumeBatches} (polls every batch the queue's tasks are held by — this call's and
 * any an earlier process sent — and settles their results). Resolves once every batch
 * ended, or when `signal` stops the polling (the batches keep their tasks; call
 * `resumeBatches` later).
 *
 * @example
 * const summary = await batchDeferred(deferrer, new Anthropic(), {
 *   onResult: (task, message) => saveSummary(task.id, message),
 *   costOf: (model, usage) => costOf(usage, priceOf(model)),
 * });
 */
export async function batchDeferred(queue: TaskQueue, client: BatchClient, options: BatchOptions = {}): Promise<BatchSummary> {
  const submitted = await submitBatches(queue, client, options);
  const resumed = await resumeBatches(queue, client, options);
  return { ...resumed, submittedBatches: submitted.submittedBatches, submitted: submitted.submitted, interactive: submitted.interactive, dead: submitted.dead + resumed.dead };
}
