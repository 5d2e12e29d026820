import type { ClaimedTask } from '../QueuedTask.js';
import type { HandOverQueue, TaskQueue } from '../TaskQueue.js';
import { decideAfterBatchResult } from './afterBatchResult.js';
import type { BatchClient, BatchResultLine, MessageBatchLike } from './BatchClient.js';
import { emptyBatchSummary, reportBatchOutcome as report, resolveBatchOptions, type BatchOptions, type BatchSummary, type ResolvedBatchOptions } from './BatchOptions.js';
import { BATCH_HOLDER_PREFIX, batchHolder, batchIdOf, requireHandOver } from './holder.js';
import { isMalformedBatchResultError } from './MalformedBatchResultError.js';
import { parseBatchResultLine } from './parseBatchResultLine.js';
import { checkClient } from './submitBatches.js';

/** Statuses of a `retrieve` that waiting will not mend. */
const FATAL_STATUSES: ReadonlySet<number> = new Set([400, 401, 403]);

/**
 * Polls every Message Batch that holds tasks of the queue — found in the queue itself
 * (`heldBy('batch:')`), so a process that restarted picks up what an earlier one sent —
 * with a doubling wait (`poll`), until each has ended or `signal` stops it; then matches
 * its results to the tasks by `custom_id` and settles each: succeeded → the result handler,
 * then `done`; errored with a retryable type → `failed`, due at once; other errors → `dead`
 * (`non_retryable`); expired, canceled or missing → `pending`; a deadline that passed →
 * `dead`. A malformed results line is reported in `summary.malformed` and its task goes back
 * to `pending` with the other unmatched ones: nothing is lost.
 *
 * A batch the API no longer knows (404) gives its tasks back to `pending`. A refused poll
 * (400, 401, 403) rejects: the tasks stay with their batch until `holdMs` ends.
 */
export async function resumeBatches(queue: TaskQueue, client: BatchClient, options: BatchOptions = {}): Promise<BatchSummary> {
  const q = requireHandOver(queue, 'resumeBatches');
  const o = resolveBatchOptions(options, q.clock, 'resumeBatches');
  checkClient(client, 'resumeBatches');
  const summary = emptyBatchSummary();
  const waiting = new Set<string>();
  const settled = new Set<string>();
  // Found again after each round: `heldBy` returns at most 100 000 tasks, so with more held
  // than that, later batches appear as earlier ones are settled. A batch settled by this call
  // is not looked at again (a task whose handler failed stays held, for the next call).
  const discover = async () => {
    for (const task of await q.heldBy(BATCH_HOLDER_PREFIX)) {
      const batchId = batchIdOf(task.leaseToken);
      if (!settled.has(batchId)) waiting.add(batchId);
    }
  };
  await discover();

  let wait = o.pollInitialMs;
  while (waiting.size > 0 && !o.signal?.aborted) {
    for (const batchId of [...waiting]) {
      const batch = await look(client, batchId);
      if (batch === 'gone' || (batch !== 'unknown' && batch.processing_status === 'ended' && !batch.results_url)) {
        // Unknown to the API, or ended with no results to read (archived): its tasks go back to pending.
        await settle(q, batchId, undefined, o, summary);
      } else if (batch !== 'unknown' && batch.processing_status === 'ended' && batch.results_url) {
        const lines = await readResults(client, batch).catch(() => undefined);
        if (lines === undefined) continue; // the download failed: try again at the next look
        await settle(q, batchId, lines, o, summary);
        summary.endedBatches.push(batchId);
      } else continue;
      waiting.delete(batchId);
      settled.add(batchId);
    }
    await discover();
    if (waiting.size === 0) break;
    await o.clock.sleep(wait, o.signal).catch(() => undefined);
    wait = Math.min(o.pollMaxMs, wait * 2);
  }
  summary.inProgressBatches.push(...waiting.keys());
  return summary;
}

/** The batch, `gone` when the API does not know it (404), `unknown` when the look failed for now; rejects when polling cannot succeed. */
async function look(client: BatchClient, batchId: string): Promise<MessageBatchLike | 'gone' | 'unknown'> {
  try {
    return await client.messages.batches.retrieve(batchId);
  } catch (error) {
    const status = (error as { status?: unknown } | null)?.status;
    if (status === 404) return 'gone';
    if (typeof status === 'number' && FATAL_STATUSES.has(status)) throw error;
    return 'unknown'; // 529, 429, 5xx, a connection error: look again later
  }
}

/** The results file, line by line, each parsed (or the error saying why it is not a result). */
async function readResults(client: BatchClient, batch: MessageBatchLike): Promise<Array<BatchResultLine | Error>> {
  const response = await client.get(batch.results_url!, { headers: { accept: 'application/binary' } }).asResponse();
  if (!response.ok || !response.body) throw new Error(`results of message batch ${batch.id}: HTTP ${response.status}`);
  const out: Array<BatchResultLine | Error> = [];
  let buffer = '';
  let n = 0;
  const take = (line: string) => {
    n++;
    if (line.trim() !== '') out.push(parseBatchResultLine(batch.id, n, line.replace(/\r$/, '')));
  };
  for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let at: number;
    while ((at = buffer.indexOf('\n')) >= 0) {
      take(buffer.slice(0, at));
      buffer = buffer.slice(at + 1);
    }
  }
  if (buffer !== '') take(buffer);
  return out;
}

/** Settles every task the batch holds: by its result line, or as missing (`lines` undefined: the batch is gone). */
async function settle(q: TaskQueue & HandOverQueue, batchId: string, lines: Array<BatchResultLine | Error> | undefined, o: ResolvedBatchOptions, summary: BatchSummary): Promise<void> {
  const holder = batchHolder(batchId);
  const lease = { leaseToken: holder };
  const held = new Map<string, ClaimedTask>((await q.heldBy(holder)).filter((t) => t.leaseToken === holder).map((t) => [t.id, t]));
  const results = new Map<string, BatchResultLine['result']>();
  for (const line of lines ?? []) {
    if (isMalformedBatchResultError(line)) summary.malformed.push(line);
    else if (!(line instanceof Error) && held.has(line.custom_id)) results.set(line.custom_id, line.result);
  }
  for (const task of held.values()) {
    const result = results.get(task.id);
    const decision = decideAfterBatchResult(result, task, o.clock.now(), o.retryable);
    switch (decision.kind) {
      case 'done': {
        const message = (result as Extract<BatchResultLine['result'], { type: 'succeeded' }>).message;
        try {
          await o.onResult?.(task, message, { id: task.id, batchId });
        } catch (error) {
          summary.handlerFailed++;
          report(o, { task, batchId, outcome: 'handler_failed', error });
          break;
        }
        const first = await q.complete(task.id);
        summary.done++;
        if (!first) summary.duplicates++;
        const costUsd = price(o, message, summary);
        report(o, { task, batchId, outcome: 'done', duplicate: !first, ...(costUsd === undefined ? {} : { costUsd }) });
        break;
      }
      case 'retry':
        await q.fail(task.id, `message batch ${batchId}: ${decision.error}`, { retryAt: o.clock.now() }, lease);
        summary.retried++;
        report(o, { task, batchId, outcome: 'retried', error: decision.error });
        break;
      case 'release':
        await q.release(task.id, lease);
        summary.released++;
        report(o, { task, batchId, outcome: 'released', why: lines === undefined ? 'batch not found' : decision.why });
        break;
      case 'dead':
        await q.fail(task.id, `message batch ${batchId}: ${decision.error}`, { dead: decision.reason }, lease);
        summary.dead++;
        report(o, { task, batchId, outcome: 'dead', reason: decision.reason, error: decision.error });
        break;
    }
  }
}

/** Adds a succeeded request's cost at both prices (batch usage is billed at half the interactive price); returns its batch price, undefined when unpriced. */
function price(o: ResolvedBatchOptions, message: Extract<BatchResultLine['result'], { type: 'succeeded' }>['message'], summary: BatchSummary): number | undefined {
  const u = message.usage;
  const full = o.costOf?.(message.model, {
    inputTokens: u.input_tokens,
    outputTokens: u.output_tokens,
    ...(u.cache_read_input_tokens == null ? {} : { cacheReadInputTokens: u.cache_read_input_tokens }),
    ...(u.cache_creation_input_tokens == null ? {} : { cacheCreationInputTokens: u.cache_creation_input_tokens }),
  });
  if (full === undefined || !Number.isFinite(full)) {
    summary.unpriced++;
    return undefined;
  }
  summary.interactiveCostUsd += full;
  summary.batchCostUsd += full / 2;
  summary.savedUsd += full / 2;
  return full / 2;
}
