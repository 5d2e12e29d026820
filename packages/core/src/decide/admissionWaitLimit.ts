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

/** How long a call may wait for admission (ms; Infinity: as long as its deadline allows). */
export interface WaitLimit {
  /** Refused at once (`long_wait`) when its turn is estimated further away than this. */
  readonly maxWaitMs: number;
  /**
   * Let go (`long_wait`) when still waiting this long after it joined the queue. The estimate
   * assumes the rate grows back, which an overload that goes on keeps cutting (a fleet's
   * shared rate, doubling every 2.5 s, most of all): for deferral, the wait actually spent
   * decides too.
   */
  readonly releaseAfterMs: number;
}

export function admissionWaitLimit(facts: WaitLimitFacts, rules: WaitLimitRules): WaitLimit {
  const fallback = facts.canFallBack ? rules.fallbackAfterMs : Number.POSITIVE_INFINITY;
  const defer = facts.canDefer && facts.remainingMs >= rules.deferIfRemainingMs ? rules.deferIfWaitOverMs : Number.POSITIVE_INFINITY;
  return { maxWaitMs: Math.min(fallback, defer), releaseAfterMs: defer };
}
