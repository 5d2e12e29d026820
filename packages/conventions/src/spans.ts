import { GEN_AI_OPERATION_CHAT } from './values.js';

/** One INTERNAL span per logical call, from entry to final outcome, backoff included. */
export const SPAN_CALL = 'stormwatch.call';
/** One INTERNAL span per wait between attempts; its duration is the real wait. */
export const SPAN_BACKOFF = 'stormwatch.backoff';
/**
 * One INTERNAL span per deferred task a drain runs (`drainDeferred` of `@stormwatch/queue`),
 * from its claim to its new state; the re-run's `stormwatch.call` is its child. It carries a
 * span link to the deferred call's `stormwatch.call` when the task kept its trace context.
 */
export const SPAN_QUEUE_TASK = 'stormwatch.queue.task';

/** The CLIENT span of one HTTP attempt (GenAI inference span): `chat {model}`. */
export function attemptSpanName(model: string): string {
  return `${GEN_AI_OPERATION_CHAT} ${model}`;
}

// --- Span events, all on `stormwatch.call` --------------------------------------------
export const EVENT_BREAKER_TRANSITION = 'stormwatch.breaker.transition';
export const EVENT_FALLBACK = 'stormwatch.fallback';
export const EVENT_BUDGET_EXHAUSTED = 'stormwatch.retry.budget_exhausted';
export const EVENT_ABANDON = 'stormwatch.abandon';
export const EVENT_LIMITER_WAIT = 'stormwatch.limiter.wait';
/** A call waited in its model's admission queue, or was refused there (not emitted when admitted at once). */
export const EVENT_ADMISSION_WAIT = 'stormwatch.admission.wait';
/** The call was handed to a deferrer, which accepted it under a task id (at the call's end, after `stormwatch.abandon` with decision `defer`). */
export const EVENT_QUEUE_DEFER = 'stormwatch.queue.defer';

// --- Span events on `stormwatch.queue.task` -----------------------------------------------
/** The drain's decision on the task it ran: done, failed (retried later), dead, or released. */
export const EVENT_QUEUE_DRAIN = 'stormwatch.queue.drain';
