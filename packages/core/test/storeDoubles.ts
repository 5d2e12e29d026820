import type { InMemoryOverloadStore, OverloadStore } from '../src/index.js';

/**
 * Test doubles of an overload store built on the reference one (core, telemetry and redis
 * tests share them): its operations bound as a plain object one can override parts of.
 */
export function boundStore(store: InMemoryOverloadStore): OverloadStore {
  return {
    rateOptions: store.rateOptions,
    reserveSlot: (k) => store.reserveSlot(k),
    recordCalls: (k, calls) => store.recordCalls(k, calls),
    reportOverload: (k, ago) => store.reportOverload(k, ago),
    pause: (k, ms) => store.pause(k, ms),
    setCircuit: (k, ms) => store.setCircuit(k, ms),
    pace: (k) => store.pace(k),
    deposit: (k, calls) => store.deposit(k, calls),
    tryWithdraw: (k) => store.tryWithdraw(k),
    close: () => store.close(),
  };
}

/** A fleet store whose `reserveSlot` never answers (a store without a timeout of its own): only a signal or a deadline ends a wait for a slot. */
export function hangingSlots(store: InMemoryOverloadStore): OverloadStore {
  return { ...boundStore(store), reserveSlot: () => new Promise<number>(() => undefined) };
}
