import { decideAfterTaskFailure } from '../decide/afterTaskFailure.js';
import { decideBeforeRun } from '../decide/beforeTaskRun.js';
import type { ClaimedTask } from '../QueuedTask.js';
import type { DrainableQueue } from '../TaskQueue.js';
import { resolveDrainOptions, type DrainHandler, type DrainOptions, type DrainOutcome, type ResolvedDrainOptions } from './DrainOptions.js';
import { keepLease } from './keepLease.js';
import { TaskTrace } from './traceTask.js';

/** What a drain did, counted per task it claimed. */
export interface DrainSummary {
  /** Tasks whose handler succeeded, now `done` (duplicates included). */
  drained: number;
  /** Tasks whose handler failed with a retryable error, now `failed` until their retry time. */
  failed: number;
  /** Tasks sent to `dead`. */
  dead: number;
  /** Tasks given back to `pending` because the drain stopped. */
  released: number;
}

/**
 * Runs deferred tasks: claims due ones (at most `concurrency` at a time, each under a lease
 * it renews), hands each to `handler` with its stable id, and settles it — `done` on
 * success; on failure `dead` (kept, with its reason) when the error is not retryable, the
 * deadline passed or the attempts are used up, else `failed` with a full-jitter retry time.
 * A task whose deadline passed before it ran goes to `dead` without running.
 *
 * Each task runs in a `stormwatch.queue.task` span (OpenTelemetry, through `tracerProvider` or
 * the global provider: nothing is recorded until the application registers an SDK) that
 * links to the span of the call that was deferred, when the task kept its traceparent; the
 * handler runs with it active, and the drain's decision is its `stormwatch.queue.drain` event.
 *
 * Delivery is **at least once**: a process killed after a handler succeeded and before the
 * task was marked done leaves it `running`; once its lease expires another drain runs it
 * again, with the same id — make the handler idempotent on `context.id`.
 *
 * Stops when `options.signal` aborts: claims nothing more, waits for the tasks it holds
 * (a handler that gives up on `context.signal` releases its task to `pending`), and resolves
 * with the summary; with `stopWhenIdle`, also once nothing is due and nothing runs. A failing
 * queue (the file went away) rejects, after the tasks in hand settle.
 *
 * @example
 * const summary = await drainDeferred(deferrer, (task, { signal, remainingMs }) =>
 *   client.messages.create(task.payload as MessageCreateParamsNonStreaming, { signal, deadlineMs: remainingMs }),
 * { stopWhenIdle: true });
 */
export async function drainDeferred(queue: DrainableQueue, handler: DrainHandler, options: DrainOptions = {}): Promise<DrainSummary> {
  if (typeof handler !== 'function') throw new TypeError(`drainDeferred: handler must be a function (task, context) => Promise, got ${typeof handler}`);
  const o = resolveDrainOptions(options, queue.clock);
  const summary: DrainSummary = { drained: 0, failed: 0, dead: 0, released: 0 };
  const stopping = new AbortController();
  // Ends the current wait too. (One controller per wait, rather than AbortSignal.any with the
  // long-lived stop signal on every turn of a loop that may run for days.)
  let wake = new AbortController();
  const stop = () => {
    stopping.abort(o.signal?.reason);
    wake.abort();
  };
  if (o.signal?.aborted) stop();
  o.signal?.addEventListener('abort', stop, { once: true });

  const inFlight = new Set<Promise<void>>();
  let queueError: { error: unknown } | undefined;
  const settle = (task: ClaimedTask) => {
    const running: Promise<void> = runTask(queue, handler, task, o, stopping.signal, summary)
      .catch((error: unknown) => void (queueError ??= { error }))
      .finally(() => {
        inFlight.delete(running);
        wake.abort();
      });
    inFlight.add(running);
  };

  try {
    while (!stopping.signal.aborted && queueError === undefined) {
      // Made before the claim, so a task that settles meanwhile still wakes the wait below.
      wake = new AbortController();
      const free = o.concurrency - inFlight.size;
      let claimed: ClaimedTask[] = [];
      if (free > 0) {
        try {
          claimed = await queue.claim(free, o.leaseMs);
        } catch (error) {
          queueError = { error };
          break;
        }
        for (const task of claimed) settle(task);
        if (claimed.length === free) continue;
      }
      if (o.stopWhenIdle && claimed.length === 0 && inFlight.size === 0) break;
      await idle(queue, o, inFlight.size < o.concurrency, wake.signal);
    }
  } finally {
    o.signal?.removeEventListener('abort', stop);
    await Promise.all(inFlight);
  }
  if (queueError !== undefined) throw queueError.error;
  return summary;
}

/** Waits for a slot to free up, the next task to come due (when a slot is free), `pollMs`, or `wake`. */
async function idle(queue: DrainableQueue, o: ResolvedDrainOptions, slotFree: boolean, wake: AbortSignal): Promise<void> {
  let ms = o.pollMs;
  if (slotFree) {
    const dueAt = await queue.nextDueAt().catch(() => undefined);
    if (dueAt !== undefined) ms = Math.min(ms, dueAt - o.clock.now());
  }
  // Due already (deferred meanwhile): look again after other I/O had its turn, not after a timer.
  if (ms <= 0) return new Promise((resolve) => setImmediate(resolve));
  await o.clock.sleep(ms, wake).catch(() => undefined);
}

/** One claimed task, from its claim to its new state. Rejects only when the queue fails. */
async function runTask(queue: DrainableQueue, handler: DrainHandler, task: ClaimedTask, o: ResolvedDrainOptions, stopping: AbortSignal, summary: DrainSummary): Promise<void> {
  const traced = new TaskTrace(o.tracer, task, () => o.clock.now());
  let outcome: DrainOutcome | undefined;
  try {
    outcome = await settleTask(queue, handler, task, o, stopping, summary, traced);
  } catch (error) {
    traced.abandon(error);
    throw error;
  }
  traced.end(outcome);
  report(o, outcome);
}

/** Runs the task (its handler inside the task's span) and settles it in the queue; what became of it. */
async function settleTask(queue: DrainableQueue, handler: DrainHandler, task: ClaimedTask, o: ResolvedDrainOptions, stopping: AbortSignal, summary: DrainSummary, traced: TaskTrace): Promise<DrainOutcome> {
  const before = decideBeforeRun(task, o.clock.now(), o.maxAttempts);
  if (before.kind === 'dead') {
    await queue.fail(task.id, `not run: ${before.reason}`, { dead: before.reason }, task);
    summary.dead++;
    return { task, outcome: 'dead', reason: before.reason };
  }

  const lease = keepLease(queue, o.clock, task, o.leaseMs);
  let failure: { error: unknown } | undefined;
  try {
    const remainingMs = task.deadlineAt === undefined ? undefined : Math.max(1, task.deadlineAt - o.clock.now());
    await traced.run(() => handler(task, { id: task.id, signal: stopping, remainingMs, attempt: task.attempts }));
  } catch (error) {
    failure = { error };
  } finally {
    lease.stop();
  }

  if (failure === undefined) {
    const first = await queue.complete(task.id);
    summary.drained++;
    return { task, outcome: 'drained', duplicate: !first };
  }
  const { error } = failure;
  const facts = { attempts: task.attempts, now: o.clock.now(), retryable: o.retryable(error), stopping: stopping.aborted, ...(task.deadlineAt === undefined ? {} : { deadlineAt: task.deadlineAt }) };
  const decision = decideAfterTaskFailure(facts, { maxAttempts: o.maxAttempts, backoff: o.backoff }, o.random);
  switch (decision.kind) {
    case 'release':
      await queue.release(task.id, task);
      summary.released++;
      return { task, outcome: 'released' };
    case 'dead':
      await queue.fail(task.id, error, { dead: decision.reason }, task);
      summary.dead++;
      return { task, outcome: 'dead', reason: decision.reason, error };
    case 'retry':
      await queue.fail(task.id, error, { retryAt: decision.retryAt }, task);
      summary.failed++;
      return { task, outcome: 'failed', error, retryAt: decision.retryAt };
  }
}

let warned = false;

/** Tells `onOutcome`; what it throws becomes one process warning and changes nothing. */
function report(o: ResolvedDrainOptions, outcome: DrainOutcome): void {
  try {
    o.onOutcome?.(outcome);
  } catch (error) {
    if (warned || typeof process?.emitWarning !== 'function') return;
    warned = true;
    process.emitWarning(`drainDeferred: onOutcome threw: ${error instanceof Error ? error.message : String(error)} (the drain went on)`, { code: 'STORMWATCH_QUEUE_LISTENER_ERROR' });
  }
}
