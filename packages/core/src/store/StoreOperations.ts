import type { OverloadStore, SharedPace } from './OverloadStore.js';

/** A store operation that failed; the policy went on as if the store had answered `fallback`. */
export interface StoreFailure {
  readonly operation: keyof Omit<OverloadStore, 'close' | 'health' | 'rateOptions'>;
  readonly key: string;
  readonly error: unknown;
}

/**
 * The store as the policy calls it: an operation that rejects (a closed store, a store with
 * a bug) never fails a call. It is reported to `onFailure` and answered as a calm store
 * would answer — admit now, no pause, retry allowed — so the call goes on at local pace.
 */
export class StoreOperations {
  constructor(
    readonly store: OverloadStore,
    private readonly onFailure: (failure: StoreFailure) => void,
  ) {}

  reserveSlot(key: string): Promise<number> {
    return this.store.reserveSlot(key).catch((error: unknown) => this.#failed('reserveSlot', key, error, 0));
  }

  recordCalls(key: string, calls: number): Promise<number> {
    return this.store.recordCalls(key, calls).catch((error: unknown) => this.#failed('recordCalls', key, error, 0));
  }

  reportOverload(key: string, sentAgoMs = 0): Promise<void> {
    return this.store.reportOverload(key, sentAgoMs).catch((error: unknown) => this.#failed('reportOverload', key, error, undefined));
  }

  pause(key: string, ms: number): Promise<void> {
    return this.store.pause(key, ms).catch((error: unknown) => this.#failed('pause', key, error, undefined));
  }

  setCircuit(key: string, openForMs: number): Promise<void> {
    return this.store.setCircuit(key, openForMs).catch((error: unknown) => this.#failed('setCircuit', key, error, undefined));
  }

  pace(key: string): Promise<SharedPace | undefined> {
    return this.store.pace(key).catch((error: unknown) => this.#failed('pace', key, error, undefined));
  }

  deposit(key: string, calls = 1): Promise<void> {
    return this.store.deposit(key, calls).catch((error: unknown) => this.#failed('deposit', key, error, undefined));
  }

  tryWithdraw(key: string): Promise<boolean> {
    return this.store.tryWithdraw(key).catch((error: unknown) => this.#failed('tryWithdraw', key, error, true));
  }

  #failed<T>(operation: StoreFailure['operation'], key: string, error: unknown, fallback: T): T {
    this.onFailure({ operation, key, error });
    return fallback;
  }
}
