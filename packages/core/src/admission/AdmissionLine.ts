import type { Clock } from '../clock/Clock.js';
import { DeadlineQueue } from './DeadlineQueue.js';
import type { AdmissionResult } from './ModelAdmission.js';
import { refusalOf } from './refusal.js';

/**
 * What both kinds of admission do alike at the door: let a call through at once when the
 * model has a slot now and nobody waits; else refuse it when the queue is full or its
 * estimated turn is past its deadline; else put it in line, earliest deadline first. How a
 * slot comes — this process's own pace ({@link AdmissionQueue}) or the fleet's through a
 * store ({@link SharedAdmission}) — is the subclass's.
 */
export abstract class AdmissionLine {
  protected readonly line = new DeadlineQueue();

  constructor(
    protected readonly clock: Clock,
    readonly maxQueue: number,
    /** The expected time from admission to an answer, in ms (what a deadline must leave room for). */
    private readonly serviceTimeMs: () => number,
  ) {}

  /** Calls waiting. */
  get depth(): number {
    return this.line.length;
  }

  /** Admits at once when nobody waits and the model has a slot now: the fast path of a calm model. */
  abstract tryAdmitNow(now: number): boolean;

  /** When the call at `position` of the line is estimated to be admitted (clock ms). */
  protected abstract estimatedAdmitAt(now: number, position: number): number;

  /** Sets the line moving after a call joined it. */
  protected abstract pump(now: number): void;

  /**
   * Waits for a slot. `deadlineAt` is when the call must have its answer (Infinity for
   * none); a call whose turn would come more than `maxWaitMs` from now is refused at once,
   * and one still waiting `releaseAfterMs` from now is let go then (`long_wait` both).
   * Resolves admitted or refused; rejects with the signal's reason when it aborts.
   */
  admit(deadlineAt: number, signal?: AbortSignal, maxWaitMs = Number.POSITIVE_INFINITY, releaseAfterMs = Number.POSITIVE_INFINITY): Promise<AdmissionResult> {
    const now = this.clock.now();
    if (this.tryAdmitNow(now)) return Promise.resolve({ admitted: true, waitedMs: 0 });
    const admitBy = deadlineAt - this.serviceTimeMs();
    const position = this.line.positionOf(admitBy);
    const estimatedAt = this.estimatedAdmitAt(now, position);
    const reason = refusalOf({ now, waiting: this.line.length, maxQueue: this.maxQueue, estimatedAt, admitBy, maxWaitMs });
    if (reason) return Promise.resolve({ admitted: false, reason, waitedMs: 0, estimatedWaitMs: estimatedAt - now });
    const result = this.line.wait(admitBy, now, position, signal, now + releaseAfterMs);
    this.pump(now);
    return result;
  }
}
