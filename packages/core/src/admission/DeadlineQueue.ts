import type { AdmissionResult } from './ModelAdmission.js';

/** A call waiting for admission. */
export interface Ticket {
  /** By when the call must be admitted, after the expected service time is taken off its deadline. */
  readonly admitBy: number;
  readonly enqueuedAt: number;
  /** When a call still waiting is let go (`long_wait`): it has somewhere better to be by then. Infinity: never. */
  readonly releaseAt: number;
  readonly settle: (result: AdmissionResult) => void;
}

/**
 * The calls waiting for one model, earliest deadline first and, among equal deadlines, in
 * order of arrival. A ticket leaves by admission, by refusal, or when its caller aborts.
 */
export class DeadlineQueue {
  readonly #tickets: Ticket[] = [];

  get length(): number {
    return this.#tickets.length;
  }

  get head(): Ticket | undefined {
    return this.#tickets[0];
  }

  at(index: number): Ticket | undefined {
    return this.#tickets[index];
  }

  /** Where a call due by `admitBy` goes: after every call due no later. */
  positionOf(admitBy: number): number {
    let lo = 0;
    let hi = this.#tickets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#tickets[mid]!.admitBy <= admitBy) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(ticket: Ticket, position: number): void {
    this.#tickets.splice(position, 0, ticket);
  }

  remove(ticket: Ticket): void {
    const i = this.#tickets.indexOf(ticket);
    if (i >= 0) this.#tickets.splice(i, 1);
  }

  shift(): Ticket | undefined {
    return this.#tickets.shift();
  }

  /**
   * Refuses every waiting call whose estimated turn (`estimatedAt(position)`) is past what its
   * deadline allows, or that has waited until its `releaseAt`; the calls behind move up as it leaves.
   */
  refuseHopeless(now: number, estimatedAt: (position: number) => number): void {
    for (let i = 0; i < this.#tickets.length; ) {
      const ticket = this.#tickets[i]!;
      const at = estimatedAt(i);
      const reason = at > ticket.admitBy ? 'deadline' : now >= ticket.releaseAt ? 'long_wait' : undefined;
      if (reason) {
        this.#tickets.splice(i, 1);
        ticket.settle({ admitted: false, reason, waitedMs: now - ticket.enqueuedAt, estimatedWaitMs: at - now });
      } else i++;
    }
  }

  /**
   * Enqueues a call at `position` and resolves with its settlement; rejects with the
   * signal's reason (and leaves the queue) when the signal aborts first.
   */
  wait(admitBy: number, now: number, position: number, signal: AbortSignal | undefined, releaseAt = Number.POSITIVE_INFINITY): Promise<AdmissionResult> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<AdmissionResult>((resolve, reject) => {
      const onAbort = () => {
        this.remove(ticket);
        reject(signal!.reason);
      };
      const ticket: Ticket = {
        admitBy,
        enqueuedAt: now,
        releaseAt,
        settle: (result) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.insert(ticket, position);
    });
  }
}
