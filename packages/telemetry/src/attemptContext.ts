import { context, type Context } from '@opentelemetry/api';
import type { AttemptContext, CallInfo } from '@stormwatch/core';
import { activeAttempt } from './internal/tracedCalls.js';

/**
 * The OpenTelemetry context with the current attempt's CLIENT span active, for code that
 * runs an attempt's HTTP request outside the policy's attempt scope (an instrumented
 * policy already runs every attempt inside it). Falls back to the active context when
 * the call is not instrumented or no attempt is running.
 *
 * When the policy is instrumented more than once (into several tracer providers), this is
 * the context of the first instrumentation still in place (in the order they were made):
 * the same context the attempt runs in.
 *
 * @example
 * await context.with(attemptContext(ctx), () => fetch(url, { signal: ctx.signal }));
 */
export function attemptContext(ctx: AttemptContext | CallInfo): Context {
  const call = 'call' in ctx ? ctx.call : ctx;
  return activeAttempt(call)?.context ?? context.active();
}
