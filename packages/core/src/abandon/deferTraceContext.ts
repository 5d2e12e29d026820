import type { CallInfo } from '../events.js';

/**
 * Where telemetry leaves, in a call's `CallInfo.context`, how to read the W3C `traceparent`
 * of the call's span: a `() => string | undefined`. The policy reads it when it defers the
 * call and stores the result with the task (`DeferredTask.traceparent`), so that a later
 * drain can link its span to the deferred call's trace. Core knows nothing of OpenTelemetry:
 * without an instrumentation nothing is in the slot and the task has no trace context.
 *
 * A registered symbol, so two copies of the packages (ESM and CommonJS) meet at the same slot.
 */
export const DEFER_TRACE_CONTEXT = Symbol.for('@stormwatch/core:deferTraceContext');

/** `version-traceid-spanid-flags`, lower-case hex (W3C Trace Context, version 00). */
const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/** True for a well-formed W3C `traceparent` of version 00 with non-zero ids. */
export function isTraceparent(value: unknown): value is string {
  return typeof value === 'string' && TRACEPARENT.test(value);
}

/**
 * The `traceparent` telemetry gives for `call` (see {@link DEFER_TRACE_CONTEXT}); `undefined`
 * when nothing is in the slot, it throws, or it gives anything but a well-formed traceparent:
 * a deferral never fails because of its trace context.
 */
export function deferTraceparent(call: CallInfo): string | undefined {
  const read = call.context.get(DEFER_TRACE_CONTEXT);
  if (typeof read !== 'function') return undefined;
  try {
    const value: unknown = read();
    return isTraceparent(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
