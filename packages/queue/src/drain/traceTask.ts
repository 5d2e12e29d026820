import { context, SpanKind, SpanStatusCode, trace, TraceFlags, type Link, type Span, type SpanContext, type Tracer, type TracerProvider } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_POLICY,
  ATTR_QUEUE_DEAD_REASON,
  ATTR_QUEUE_OUTCOME,
  ATTR_QUEUE_RETRY_AT,
  ATTR_QUEUE_TASK_ATTEMPT,
  ATTR_QUEUE_TASK_ID,
  EVENT_QUEUE_DRAIN,
  QueueDeadReason,
  QueueDrainOutcome,
  SPAN_QUEUE_TASK,
} from '@stormwatch/conventions';
import { isTraceparent } from '@stormwatch/core';
import type { ClaimedTask } from '../QueuedTask.js';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from '../telemetry/scope.js';
import type { DrainOutcome } from './DrainOutcome.js';

const DEAD_REASONS: ReadonlySet<string> = new Set(Object.values(QueueDeadReason));

/** The span context a stored W3C traceparent names (remote); `undefined` for none or a malformed one. */
export function spanContextOf(traceparent: string | undefined): SpanContext | undefined {
  if (!isTraceparent(traceparent)) return undefined;
  const [, traceId, spanId, flags] = traceparent.split('-') as [string, string, string, string];
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED, isRemote: true };
}

/**
 * One `stormwatch.queue.task` span per task a drain runs: from its claim to its new state,
 * a child of the drain's active context, with a span link to the deferred call's span when
 * the task kept its traceparent. The handler runs with it active, so the re-run's
 * `stormwatch.call` is its child. The drain's decision is its `stormwatch.queue.drain` event.
 */
export class TaskTrace {
  readonly #span: Span;
  readonly #clockNow: () => number;

  constructor(tracer: Tracer, task: ClaimedTask, now: () => number) {
    this.#clockNow = now;
    const linked = spanContextOf(task.traceparent);
    const links: Link[] = linked ? [{ context: linked }] : [];
    this.#span = tracer.startSpan(
      SPAN_QUEUE_TASK,
      {
        kind: SpanKind.INTERNAL,
        startTime: now(),
        links,
        attributes: {
          [ATTR_QUEUE_TASK_ID]: task.id,
          [ATTR_QUEUE_TASK_ATTEMPT]: task.attempts,
          [ATTR_POLICY]: task.policy,
          [ATTR_GEN_AI_REQUEST_MODEL]: task.model,
        },
      },
      context.active(),
    );
  }

  /** Runs `fn` with this span active. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return context.with(trace.setSpan(context.active(), this.#span), fn);
  }

  /** Adds the drain's decision and ends the span (ERROR when the task went to `dead`). */
  end(outcome: DrainOutcome): void {
    const now = this.#clockNow();
    const attributes: Record<string, string | number> = { [ATTR_QUEUE_OUTCOME]: outcomeValue(outcome) };
    if (outcome.outcome === 'dead') attributes[ATTR_QUEUE_DEAD_REASON] = DEAD_REASONS.has(outcome.reason) ? outcome.reason : QueueDeadReason.OTHER;
    if (outcome.outcome === 'failed') attributes[ATTR_QUEUE_RETRY_AT] = outcome.retryAt;
    this.#span.addEvent(EVENT_QUEUE_DRAIN, attributes, now);
    if (outcome.outcome === 'dead') this.#span.setStatus({ code: SpanStatusCode.ERROR, message: `dead: ${outcome.reason}` });
    this.#span.end(now);
  }

  /** Ends the span when the queue failed before the task was settled. */
  abandon(error: unknown): void {
    this.#span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    this.#span.end(this.#clockNow());
  }
}

function outcomeValue(o: DrainOutcome): string {
  switch (o.outcome) {
    case 'drained':
      return QueueDrainOutcome.DONE;
    case 'failed':
      return QueueDrainOutcome.FAILED;
    case 'dead':
      return QueueDrainOutcome.DEAD;
    case 'released':
      return QueueDrainOutcome.RELEASED;
  }
}

/** The drain's tracer: from `tracerProvider`, else the global one (a no-op until the application registers an SDK). */
export function drainTracer(tracerProvider: TracerProvider | undefined): Tracer {
  return (tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
}
