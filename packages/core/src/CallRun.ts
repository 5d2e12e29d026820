import type { BreakerState, ErrorType } from '@stormwatch/conventions';
import type { Clock } from './clock/Clock.js';
import { DeadlineExceededError } from './errors/DeadlineExceededError.js';
import type { CallInfo } from './events.js';

/** A signal that never aborts, for calls with neither a caller signal nor a deadline. */
export const NEVER: AbortSignal = new AbortController().signal;

/**
 * One call's state, passed explicitly through the policy's loop and its decisions: what
 * was asked (call, chain, deadline), where it stands (model, attempt, counters), and the
 * signals that end it. Created by {@link startCallRun}, ended by {@link endCallRun}.
 */
export interface CallRun {
  readonly call: CallInfo;
  /** The models this call may use, the requested one first. */
  readonly chain: readonly string[];
  /** Clock time of the deadline; undefined without one. */
  readonly deadlineAt: number | undefined;
  /** The caller's signal, when it gave one. */
  readonly callerSignal: AbortSignal | undefined;
  /** Aborts when the deadline passes; undefined without a deadline. */
  readonly deadline: AbortController | undefined;
  /** The caller's signal and the deadline together: what attempts and waits listen to. */
  readonly signal: AbortSignal;
  /** Cancels the deadline timer when the call ends. */
  readonly deadlineTimer: AbortController | undefined;
  /** The model of the next (or current) attempt. */
  model: string;
  /** Index of `model` in `chain`. */
  chainIndex: number;
  /** Attempts made so far. */
  attempt: number;
  /** Overload failures on the current model. */
  overloads: number;
  /** Retries (waits) made on the same model, for the backoff's exponent. */
  retries: number;
  /** The previous wait on the current model (decorrelated jitter reads it). */
  previousDelayMs: number;
  /** Time spent waiting between attempts (backoff and limiter). */
  waitedMs: number;
  /** Retries used per error class, for classes with their own limit. */
  readonly classRetries: Map<ErrorType, number>;
  /** What the last attempt failed with. */
  lastError: unknown;
  /** The breaker state that admitted the current attempt. */
  admittedState: BreakerState | undefined;
  /** The deferrer refused this call once: it waits for admission instead of asking again. */
  deferDeclined: boolean;
}

/** Starts a call: its chain, and a deadline that aborts attempts and waits when it passes. */
export function startCallRun(call: CallInfo, chain: readonly string[], clock: Clock, callerSignal: AbortSignal | undefined): CallRun {
  const deadlineMs = call.deadlineMs;
  const deadline = deadlineMs === undefined ? undefined : new AbortController();
  const deadlineTimer = deadlineMs === undefined ? undefined : new AbortController();
  const signal = deadline === undefined ? (callerSignal ?? NEVER) : callerSignal ? AbortSignal.any([callerSignal, deadline.signal]) : deadline.signal;
  const run: CallRun = {
    call,
    chain,
    deadlineAt: deadlineMs === undefined ? undefined : call.startedAt + deadlineMs,
    callerSignal,
    deadline,
    signal,
    deadlineTimer,
    model: call.model,
    chainIndex: 0,
    attempt: 0,
    overloads: 0,
    retries: 0,
    previousDelayMs: 0,
    waitedMs: 0,
    classRetries: new Map(),
    lastError: undefined,
    admittedState: undefined,
    deferDeclined: false,
  };
  if (deadline && deadlineTimer && deadlineMs !== undefined) {
    clock.sleep(deadlineMs, deadlineTimer.signal).then(
      () => deadline.abort(new DeadlineExceededError(deadlineMs, run.attempt)),
      () => undefined,
    );
  }
  return run;
}

/** Ends a call's run: its deadline timer stops. */
export function endCallRun(run: CallRun): void {
  run.deadlineTimer?.abort();
}

/** The call moves to another model of its chain: the per-model counters start again. */
export function switchModel(run: CallRun, toModel: string, toIndex: number): void {
  run.model = toModel;
  run.chainIndex = toIndex;
  run.overloads = 0;
  run.previousDelayMs = 0;
}

/** The call waits `delayMs`, then retries the same model. */
export function recordRetry(run: CallRun, delayMs: number): void {
  run.retries++;
  run.previousDelayMs = delayMs;
}

/** Milliseconds left until the deadline at `now` (Infinity without one). */
export function remainingMs(run: CallRun, now: number): number {
  return run.deadlineAt === undefined ? Number.POSITIVE_INFINITY : run.deadlineAt - now;
}
