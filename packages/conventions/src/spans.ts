import { GEN_AI_OPERATION_CHAT } from './values.js';

/** One INTERNAL span per logical call, from entry to final outcome, backoff included. */
export const SPAN_CALL = 'stormwatch.call';
/** One INTERNAL span per wait between attempts; its duration is the real wait. */
export const SPAN_BACKOFF = 'stormwatch.backoff';

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
