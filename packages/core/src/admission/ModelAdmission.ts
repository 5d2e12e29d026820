/**
 * Why admission refused a call: its deadline cannot be met, the queue is full, or (only when
 * the caller asked, because it has somewhere else to go) its wait would pass `maxWaitMs`.
 */
export type RefusalReason = 'deadline' | 'queue_full' | 'long_wait';

/** What {@link ModelAdmission.admit} decided. */
export type AdmissionResult =
  | { readonly admitted: true; readonly waitedMs: number }
  | { readonly admitted: false; readonly reason: RefusalReason; readonly waitedMs: number; readonly estimatedWaitMs: number };

/** A model's admission control at one moment. */
export interface AdmissionSnapshot {
  /** The admitted rate, in requests per second; `Infinity` while the model is calm. */
  readonly ratePerSecond: number;
  /** Calls waiting to be admitted. */
  readonly queueDepth: number;
  /** Clock time a rate-limit pause ends (in the past when there is none). */
  readonly pausedUntil: number;
}

/**
 * Admission control of one model, as the policy uses it: calm calls pass at once, paced
 * ones wait their turn, and outcomes (overloads, rate-limit pauses) set the pace. Kept in
 * this process ({@link AdmissionQueue}) or shared by a fleet through an `OverloadStore`
 * ({@link SharedAdmission}).
 */
export interface ModelAdmission {
  /** Calls waiting. */
  readonly depth: number;
  /** Admits at once when nobody waits and the model has a slot now: the fast path of a calm model. */
  tryAdmitNow(now: number): boolean;
  /**
   * Waits for a slot. `deadlineAt` is when the call must have its answer (Infinity for
   * none); a call whose turn would come more than `maxWaitMs` from now is refused at once,
   * and one still waiting `releaseAfterMs` from now is let go then (`long_wait` both; the
   * estimate assumes the rate grows back, the wait actually spent does not). Resolves
   * admitted or refused; rejects with the signal's reason when it aborts.
   */
  admit(deadlineAt: number, signal?: AbortSignal, maxWaitMs?: number, releaseAfterMs?: number): Promise<AdmissionResult>;
  /**
   * The model said it is overloaded (a 529, an SSE `overloaded_error`, a 429) to a request
   * sent at `sentAt` (defaults to now): the pace is cut.
   */
  onOverload(now: number, sentAt?: number): void;
  /** A rate limit says "nothing before `at`" (clock ms); a shorter pause never shortens a longer one. */
  pauseUntil(at: number, now: number): void;
  snapshot(now: number): AdmissionSnapshot;
  /**
   * Clock time until which the fleet holds the model's circuit open (a process on the shared
   * store found the model down); in the past when it does not, and always for admission of
   * one process.
   */
  circuitOpenUntil(now: number): number;
  /** This process's breaker opened for `openForMs` (0: it closed again): the fleet hears it. */
  shareCircuit(openForMs: number): void;
}
