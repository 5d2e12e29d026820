import type { IDisposable, Policy } from '@stormwatch/core';

/**
 * The instrumentations made by default (what `@stormwatch/anthropic` gives every client when
 * a global OpenTelemetry SDK is registered), one per policy at most. They step aside for
 * any explicit instrumentation: {@link retireDefault} is called by `instrumentPolicy` before
 * it instruments a policy. Process-wide, under a registered symbol, so that an explicit
 * instrumentation made through one copy of this package retires the default one a second
 * copy made: keep this shape compatible.
 */
const KEY = Symbol.for('@stormwatch/telemetry:byDefault');
const store = globalThis as Record<symbol, unknown>;
const defaults = (store[KEY] ??= new WeakMap<Policy, IDisposable>()) as WeakMap<Policy, IDisposable>;

export function hasDefault(policy: Policy): boolean {
  return defaults.has(policy);
}

export function setDefault(policy: Policy, handle: IDisposable): void {
  defaults.set(policy, handle);
}

/** Removes the default instrumentation of `policy`, if it has one. */
export function retireDefault(policy: Policy): void {
  const handle = defaults.get(policy);
  if (!handle) return;
  defaults.delete(policy);
  handle.dispose();
}

/** Forgets `handle` if it is still `policy`'s default instrumentation (it was disposed by its owner). */
export function forgetDefault(policy: Policy, handle: IDisposable): void {
  if (defaults.get(policy) === handle) defaults.delete(policy);
}
