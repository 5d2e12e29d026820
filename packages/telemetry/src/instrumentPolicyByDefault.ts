import type { IDisposable, Policy } from '@stormwatch/core';
import { forgetDefault, hasDefault, setDefault } from './internal/byDefault.js';
import { isInstrumented } from './internal/instrumented.js';
import { resolveOptions } from './internal/options.js';
import { PolicyInstrumentation } from './internal/PolicyInstrumentation.js';
import type { TelemetryOptions } from './TelemetryOptions.js';

const NOTHING: IDisposable = Object.freeze({ dispose() {} });

/**
 * The default instrumentation of a policy, the one `@stormwatch/anthropic` gives every
 * client when the application registered a global OpenTelemetry SDK (applications do not
 * need to call this). It emits the same contract as {@link instrumentPolicy}, into the
 * global providers unless `options` names others, and it always gives way to an explicit
 * instrumentation, so no policy is traced twice:
 *
 * - a policy that already has an explicit instrumentation ({@link instrumentPolicy},
 *   {@link instrumentAllPolicies}, `StormwatchInstrumentation`, `@stormwatch/node`) is left
 *   alone, and so is a policy that already has a default one;
 * - an explicit instrumentation made later removes the default one first.
 *
 * @returns a disposable that removes this default instrumentation (a no-op when none was made).
 */
export function instrumentPolicyByDefault(policy: Policy, options: TelemetryOptions = {}): IDisposable {
  if (isInstrumented(policy) || hasDefault(policy)) return NOTHING;
  const instrumentation = new PolicyInstrumentation(policy, resolveOptions(options));
  const handle: IDisposable = {
    dispose() {
      forgetDefault(policy, handle);
      instrumentation.dispose();
    },
  };
  setDefault(policy, handle);
  return handle;
}
