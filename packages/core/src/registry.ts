import { EventEmitter, type Event } from 'cockatiel';
import type { Policy } from './Policy.js';

/**
 * Every policy announces itself here when created, so one registration (e.g.
 * `@stormwatch/node/register`) can instrument policies it never sees being built.
 * Kept on `globalThis` so two copies of this package share one registry.
 */
interface Registry {
  readonly emitter: EventEmitter<Policy>;
  readonly live: Set<WeakRef<Policy>>;
}

const KEY = Symbol.for('stormwatch.core.policyRegistry');
const registry: Registry = ((globalThis as Record<symbol, unknown>)[KEY] as Registry | undefined) ??
  ((globalThis as Record<symbol, unknown>)[KEY] = { emitter: new EventEmitter<Policy>(), live: new Set<WeakRef<Policy>>() }) as Registry;

/** Fires for every policy created after the listener was added. */
export const onPolicyCreated: Event<Policy> = (listener) => registry.emitter.addListener(listener);

/** Policies created so far that are still alive. */
export function livePolicies(): Policy[] {
  const out: Policy[] = [];
  for (const ref of registry.live) {
    const p = ref.deref();
    if (p) out.push(p);
    else registry.live.delete(ref);
  }
  return out;
}

export function announcePolicy(policy: Policy): void {
  registry.live.add(new WeakRef(policy));
  registry.emitter.emit(policy);
}
