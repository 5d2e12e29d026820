import type { ClaimedTask } from '../QueuedTask.js';
import type { HandOverQueue, TaskQueue } from '../TaskQueue.js';
import type { BatchClient } from './BatchClient.js';
import { emptyBatchSummary, reportBatchOutcome, resolveBatchOptions, type BatchOptions, type BatchSummary, type ResolvedBatchOptions } from './BatchOptions.js';
import { batchHolder, requireHandOver } from './holder.js';
import { routeForBatch } from './routeForBatch.js';
import { splitIntoBatches, type SizedRequest } from './splitIntoBatches.js';

/** How long the submission holds the tasks it claimed, before they are handed to their batch. */
const SUBMIT_LEASE_MS = 10 * 60_000;
/** Tasks claimed per look at the queue. */
const CLAIM_CHUNK = 1_000;
const utf8 = new TextEncoder();

/**
 * Sends the due deferred tasks whose deadline is further away than the batch window to the
 * Message Batches API, in as few batches as the API's limits allow (custom_id = task id,
 * params = the stored request body), and hands each task to its batch (`batch:<id>` as its
 * lease token, held `holdMs`) so a process started later resumes polling it. Tasks whose
 * deadline is closer go back to `pending` for the interactive drain; tasks whose deadline
 * passed go to `dead`. Does not wait for the batches: see `resumeBatches`, or
 * `batchDeferred` for both.
 *
 * A batch the API refuses (or a process killed between creating a batch and handing its
 * tasks over) leaves its tasks to come back to `pending` (released, or their short claim
 * expires): never lost, at worst run twice.
 */
export async function submitBatches(queue: TaskQueue, client: BatchClient, options: BatchOptions = {}): Promise<BatchSummary> {
  const q = requireHandOver(queue, 'submitBatches');
  const o = resolveBatchOptions(options, q.clock, 'submitBatches');
  checkClient(client, 'submitBatches');
  const summary = emptyBatchSummary();
  const toBatch: SizedRequest<{ task: ClaimedTask; request: { custom_id: string; params: unknown } }>[] = [];
  const claimed: ClaimedTask[] = [];
  while (claimed.length < o.maxTasks) {
    const chunk = await q.claim(Math.min(CLAIM_CHUNK, o.maxTasks - claimed.length), SUBMIT_LEASE_MS);
    if (chunk.length === 0) break;
    claimed.push(...chunk);
  }
  for (const task of claimed) {
    const route = routeForBatch(task, o.clock.now(), o.windowMs);
    const params = batchParams(task.payload);
    if (route.kind === 'dead') {
      const error = `not run: ${route.reason}`;
      await q.fail(task.id, error, { dead: route.reason }, task);
      summary.dead++;
      reportBatchOutcome(o, { task, batchId: undefined, outcome: 'dead', reason: route.reason, error });
    } else if (route.kind === 'interactive' || params === undefined) {
      await q.release(task.id, task);
      summary.interactive++;
    } else {
      const request = { custom_id: task.id, params };
      toBatch.push({ item: { task, request }, bytes: utf8.encode(JSON.stringify(request)).length });
    }
  }
  const { batches, tooLarge } = splitIntoBatches(toBatch, o.maxRequests, o.maxBytes);
  for (const { task } of tooLarge) {
    await q.release(task.id, task);
    summary.interactive++;
  }
  for (const [i, group] of batches.entries()) {
    try {
      await sendBatch(q, client, group, o, summary);
    } catch (error) {
      // Give back this group and the ones not sent yet, then report.
      for (const rest of batches.slice(i)) for (const { task } of rest) await q.release(task.id, task).catch(() => undefined);
      throw error;
    }
  }
  return summary;
}

async function sendBatch(
  q: TaskQueue & HandOverQueue,
  client: BatchClient,
  group: readonly { task: ClaimedTask; request: { custom_id: string; params: unknown } }[],
  o: ResolvedBatchOptions,
  summary: BatchSummary,
): Promise<void> {
  const batch = await client.messages.batches.create({ requests: group.map((g) => g.request) as Array<{ custom_id: string; params: never }> });
  if (typeof batch?.id !== 'string' || batch.id.length === 0) throw new TypeError(`submitBatches: the API answered a batch without an id: ${JSON.stringify(batch)}`);
  const handed = await q.handOver(group.map((g) => g.task), batchHolder(batch.id), o.clock.now() + o.holdMs);
  summary.submittedBatches.push(batch.id);
  summary.submitted += handed.length;
  const handedIds = new Set(handed);
  for (const { task } of group) if (handedIds.has(task.id)) reportBatchOutcome(o, { task, batchId: batch.id, outcome: 'submitted' });
}

/** The stored request body as batch params: an object, without `stream` (a batch does not stream); `undefined` when it is not an object. */
function batchParams(payload: unknown): Record<string, unknown> | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const { stream: _stream, ...params } = payload as Record<string, unknown>;
  return params;
}

export function checkClient(client: BatchClient, caller: string): void {
  const batches = (client as Partial<BatchClient> | null)?.messages?.batches;
  if (typeof batches?.create !== 'function' || typeof batches.retrieve !== 'function' || typeof (client as { get?: unknown }).get !== 'function') {
    throw new TypeError(`${caller}: client must be an Anthropic client (messages.batches.create, messages.batches.retrieve, get), got ${typeof client}`);
  }
}
