/**
 * How long a call may wait for its turn in the model's admission queue before hedged
 * abandonment takes it elsewhere. Waiting is right while the wait is short; a long wait
 * is better spent elsewhere:
 * - on the next model of the chain, which answers now (after `fallbackAfterMs`);
 * - in the durable queue, when the call may be deferred and its deadline is far away (after
 *   `deferIfWaitOverMs`): a call held in memory for minutes is lost when the process goes,
 *   and every such call is sent at once when the model recovers — the burst a drain at the
 *   learned rate avoids.
 */
export interface WaitLimitFacts {
  /** Another model of the chain could take the call. */
  readonly canFallBack: boolean;
  /** A deferrer is set, the call gave a payload, and no deferral of it was refused yet. */
  readonly canDefer: boolean;
  /** What is left of the call's deadline, in ms (Infinity without one). */
  readonly remainingMs: number;
}

export interface WaitLimitRules {
  readonly fallbackAfterMs: number;
  readonly deferIfRemainingMs: number;
  readonly deferIfWaitOverMs: number;
}

/** The longest wait for admission, in ms, before the call is refused (`long_wait`); Infinity: wait for the deadline. */
export function admissionWaitLimit(facts: WaitLimitFacts, rules: WaitLimitRules): number {
  const fallback = facts.canFallBack ? rules.fallbackAfterMs : Number.POSITIVE_INFINITY;
  const defer = facts.canDefer && facts.remainingMs >= rules.deferIfRemainingMs ? rules.deferIfWaitOverMs : Number.POSITIVE_INFINITY;
  return Math.min(fallback, defer);
}
