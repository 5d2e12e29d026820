import { isSpanContextValid, type Span } from '@opentelemetry/api';

/**
 * The W3C `traceparent` of `span` (version 00: trace id, span id, flags), written from its
 * span context without a propagator (the task must carry the call span's context even when the
 * application registered none); `undefined` for an invalid (no-op) span context.
 */
export function traceparentOf(span: Span): string | undefined {
  const sc = span.spanContext();
  if (!isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}
