import type { RefusalReason } from './ModelAdmission.js';

/** Where a call that cannot be admitted now stands, when it asks to wait. */
export interface WaitFacts {
  readonly now: number;
  /** Calls already waiting. */
  readonly waiting: number;
  readonly maxQueue: number;
  /** When its turn is estimated to come (clock ms). */
  readonly estimatedAt: number;
  /** When it must be admitted at the latest for its deadline (clock ms). */
  readonly admitBy: number;
  /** The longest wait it accepts, in ms (Infinity: as long as its deadline allows). */
  readonly maxWaitMs: number;
}

/**
 * Why a call may not wait for admission, or undefined when it may: the queue is full, its
 * deadline cannot be met at the estimated turn, or (when it has somewhere else to go) its
 * turn would come later than it accepts.
 */
export function refusalOf(facts: WaitFacts): RefusalReason | undefined {
  if (facts.waiting >= facts.maxQueue) return 'queue_full';
  if (facts.estimatedAt > facts.admitBy) return 'deadline';
  if (facts.estimatedAt - facts.now > facts.maxWaitMs) return 'long_wait';
  return undefined;
}
