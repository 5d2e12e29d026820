import type { ErrorType } from '@stormwatch/conventions';

/** A call handed over to run later. */
export interface DeferredTask {
  readonly callId: number;
  readonly policy: string;
  /** The model the call asked for. */
  readonly model: string;
  /** What the call site passed as `deferPayload` (e.g. the request body). */
  readonly payload: unknown;
  /** Clock time (ms) when it was deferred. */
  readonly deferredAt: number;
  /** Clock time (ms) by which the work should be done; `undefined` when the call had no deadline. */
  readonly deadlineAt?: number;
  /** The error class that made the policy defer. */
  readonly reason: ErrorType;
  /**
   * W3C `traceparent` of the deferred call's span (`stormwatch.call`), when telemetry traces
   * the call (see `DEFER_TRACE_CONTEXT`): a drain links its span to it. Not secret (two ids
   * and the sampled flag), 55 characters.
   */
  readonly traceparent?: string;
}

/** Proof that a {@link Deferrer} accepted a task. */
export interface DeferReceipt {
  readonly id: string;
  readonly deferredAt: number;
}

/**
 * Takes calls whose deadline is far away, to run them later instead of retrying into an
 * overload. {@link InMemoryDeferrer} ships now; a durable one (Redis, a queue) implements the
 * same interface.
 */
export interface Deferrer {
  defer(task: DeferredTask): Promise<DeferReceipt>;
}
