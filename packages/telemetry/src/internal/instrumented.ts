import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { Policy } from '@stormwatch/core';

/** One live instrumentation of a policy: where it emits. */
interface Entry {
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
}

/** The live instrumentations of each policy; shared across copies of this package. */
const KEY = Symbol.for('@stormwatch/telemetry:instrumented');
const store = globalThis as Record<symbol, unknown>;
const entries = (store[KEY] ??= new WeakMap<Policy, Entry[]>()) as WeakMap<Policy, Entry[]>;

/**
 * Notes an instrumentation of `policy` into these providers; the returned function takes
 * it back. Returns undefined when the policy already emits into the same providers (a
 * second one would double every span and metric).
 */
export function markInstrumented(policy: Policy, tracerProvider: TracerProvider, meterProvider: MeterProvider): (() => void) | undefined {
  const list = entries.get(policy) ?? [];
  if (list.some((e) => e.tracerProvider === tracerProvider && e.meterProvider === meterProvider)) return undefined;
  const entry: Entry = { tracerProvider, meterProvider };
  entries.set(policy, [...list, entry]);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    const left = (entries.get(policy) ?? []).filter((e) => e !== entry);
    if (left.length > 0) entries.set(policy, left);
    else entries.delete(policy);
  };
}

export function isInstrumented(policy: Policy): boolean {
  return entries.has(policy);
}
