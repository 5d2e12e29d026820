import type { Context, Span } from '@opentelemetry/api';
import type { TracedAttempt } from './tracedCalls.js';

/** What of a call's `details` the waste and cost counters already have. */
export interface RecordedDetails {
  resent: number;
  billedInput: number;
  billedOutput: number;
  costUsd: number;
  wastedCostUsd: number;
}

/**
 * What one instrumentation keeps about one call, in a `WeakMap` keyed by the call: from its
 * start for as long as the call is referenced, since a late failure or a stream read to its
 * end can still add waste, usage and cost after the call's end.
 */
export interface CallRecord {
  /** `stormwatch.call`. */
  readonly span: Span;
  /** The caller's context with the call span active: the parent of attempt and backoff spans. */
  readonly context: Context;
  /** The running attempt; undefined between attempts and once the call ended. */
  attempt: TracedAttempt | undefined;
  backoff: Span | undefined;
  /** What is on the waste and cost counters already. */
  recorded: RecordedDetails;
  /** The attempt whose token usage is on `gen_ai.client.token.usage` already. */
  usageRecordedFor: number | undefined;
}

export function newCallRecord(span: Span, context: Context): CallRecord {
  return {
    span,
    context,
    attempt: undefined,
    backoff: undefined,
    recorded: { resent: 0, billedInput: 0, billedOutput: 0, costUsd: 0, wastedCostUsd: 0 },
    usageRecordedFor: undefined,
  };
}
