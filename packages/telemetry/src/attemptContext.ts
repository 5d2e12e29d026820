import { context, type Context } from '@opentelemetry/api';
import type { AttemptContext, CallInfo } from '@stormwatch/core';
import { ATTEMPT_CONTEXT } from './internal/keys.js';

/**
 * The OpenTelemetry context with the current attempt's CLIENT span active, for code that
 * runs an attempt's HTTP request outside the policy's attempt scope (an instrumented
 * policy already runs every attempt inside it). Falls back to the active context when
 * the call is not instrumented or no attempt is running.
 *
 * @example
 * await context.with(attemptContext(ctx), () => fetch(url, { signal: ctx.signal }));
 */
export function attemptContext(ctx: AttemptContext | CallInfo): Context {
  const call = 'call' in ctx ? ctx.call : ctx;
  return (call.context.get(ATTEMPT_CONTEXT) as Context | undefined) ?? context.active();
}
