import { diag } from '@opentelemetry/api';
import type { IDisposable, Policy } from '@stormwatch/core';
import { retireDefault } from './internal/byDefault.js';
import { markInstrumented } from './internal/instrumented.js';
import { resolveOptions } from './internal/options.js';
import { PolicyInstrumentation } from './internal/PolicyInstrumentation.js';
import type { TelemetryOptions } from './TelemetryOptions.js';

/**
 * Emits the Stormwatch telemetry contract for one policy: a `stormwatch.call` span per
 * logical call (INTERNAL, child of the caller's active span), a `chat {model}` CLIENT span
 * per attempt (child of the call span, the active context while the attempt runs), a
 * `stormwatch.backoff` span per backoff, span events for admission waits and refusals,
 * breaker transitions, fallbacks, the retry budget, abandonment and limiter waits, and every
 * metric of `docs/TELEMETRY.md` (the health of the policy's overload store among them). What
 * the application's own listeners of the policy's events throw, and the first operation of
 * the policy's store that rejects, are reported to `diag` too. Span times are read from the
 * policy's clock.
 *
 * Uses `@opentelemetry/api` only: with no SDK installed everything is a no-op. A failure
 * inside the telemetry is reported to `diag` and never reaches the call.
 *
 * A policy already instrumented into the same providers (e.g. by `@stormwatch/node`'s
 * registration) is left as it is, with a `diag` warning: a second instrumentation would
 * double every span and metric. Different providers each get their own spans and metrics;
 * while an attempt runs, the attempt span of the first of them (in the order they were
 * made) is the active one, so what the attempt traces (its HTTP request) stays in that
 * instrumentation's trace, and adding an instrumentation never changes the traces of
 * those made before it.
 *
 * An explicit instrumentation takes precedence over the default one (see
 * {@link instrumentPolicyByDefault}): the policy's default instrumentation, if any, is
 * removed first, whatever providers either uses.
 *
 * @returns a disposable that stops the instrumentation: from then on its handlers do not
 * run, so the spans of calls still running are not ended.
 */
export function instrumentPolicy(policy: Policy, options: TelemetryOptions = {}): IDisposable {
  const resolved = resolveOptions(options);
  retireDefault(policy);
  const unmark = markInstrumented(policy, resolved.tracerProvider, resolved.meterProvider);
  if (!unmark) {
    diag.warn(`@stormwatch/telemetry: policy "${policy.name}" is already instrumented into these providers; not instrumenting it twice`);
    return { dispose() {} };
  }
  const instrumentation = new PolicyInstrumentation(policy, resolved);
  return {
    dispose() {
      unmark();
      instrumentation.dispose();
    },
  };
}
