/** A store operation, as the `OverloadStore` interface names it. */
export type StoreOperation = 'reserveSlot' | 'recordCalls' | 'reportOverload' | 'pause' | 'setCircuit' | 'pace' | 'deposit' | 'tryWithdraw';

/**
 * Why an operation could not be shared:
 * - `timeout`: Redis did not answer within `timeoutMs` (slow, hung, or a network that drops);
 * - `connection`: no connection to Redis (down, refused, reconnecting);
 * - `error_reply`: Redis answered with an error (a key of another type under the prefix,
 *   state that is not a number, out of memory, a read-only replica, ...);
 * - `malformed_reply`: Redis answered something the script never returns.
 */
export type DegradationReason = 'timeout' | 'connection' | 'error_reply' | 'malformed_reply';

/** The store stopped sharing: from now on this process answers from its local state. */
export interface StoreDegradedEvent {
  readonly reason: DegradationReason;
  /** The operation that found Redis unusable (it was answered locally). */
  readonly operation: StoreOperation;
  /** The key (model) of that operation. */
  readonly key: string;
  /** What happened: the client's error, Redis' error reply, or a description of the reply. */
  readonly error: Error;
}

/** The store shares again: an operation was answered by Redis after a degradation. */
export interface StoreRecoveredEvent {
  /** How long the process answered from its local state, in ms of real time. */
  readonly degradedForMs: number;
  /** The reason of the degradation that ended. */
  readonly reason: DegradationReason;
}
