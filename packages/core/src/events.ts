import type { AbandonDecision, AdmissionOutcome, AttemptOutcome, BreakerState, CallOutcome, DelaySource, ErrorType, FallbackReason } from '@stormwatch/conventions';
import type { Classification } from './Classification.js';
import type { AttemptDetails, CallDetails } from './details.js';

/** A logical call: one `execute()`, however many attempts it takes. */
export interface CallInfo {
  /** Unique per policy instance, increasing. */
  readonly id: number;
  /** The policy's name (`stormwatch.policy`). */
  readonly policy: string;
  /** The model the caller asked for. */
  readonly model: string;
  /** Clock time (ms) when the call started. */
  readonly startedAt: number;
  /** The call's deadline in ms from its start, when it has one. */
  readonly deadlineMs?: number;
  /** Wasted tokens and cost so far; the adapter keeps it up to date. */
  readonly details: CallDetails;
  /** Free slot for subscribers (telemetry keeps its span here). Not read by the policy. */
  readonly context: Map<symbol, unknown>;
}

export interface CallStartEvent {
  readonly call: CallInfo;
}

export interface AttemptStartEvent {
  readonly call: CallInfo;
  readonly model: string;
  /** 1-based. */
  readonly attempt: number;
  /** The breaker state that admitted this attempt. */
  readonly breakerState: BreakerState;
  readonly startedAt: number;
  readonly details: AttemptDetails;
}

export interface AttemptEndEvent {
  readonly call: CallInfo;
  readonly model: string;
  readonly attempt: number;
  readonly outcome: AttemptOutcome;
  /** Present for failed attempts that were classified. */
  readonly classification?: Classification;
  readonly error?: unknown;
  readonly details: AttemptDetails;
  readonly startedAt: number;
  readonly durationMs: number;
  /** The wait chosen before the next attempt, when there is one. */
  readonly delay?: { readonly ms: number; readonly source: DelaySource };
}

export interface BackoffStartEvent {
  readonly call: CallInfo;
  readonly model: string;
  /** The attempt this wait follows. */
  readonly afterAttempt: number;
  readonly plannedMs: number;
  readonly source: DelaySource;
  readonly startedAt: number;
}

export interface BackoffEndEvent extends BackoffStartEvent {
  readonly actualMs: number;
  /** True when the caller's signal or the deadline cut the wait short. */
  readonly aborted: boolean;
}

export interface BreakerTransitionEvent {
  /** The breaker's key (the model). */
  readonly key: string;
  readonly policy: string;
  readonly from: BreakerState;
  readonly to: BreakerState;
  readonly at: number;
  /** The call whose attempt caused the transition, when one did. */
  readonly call?: CallInfo;
}

export interface FallbackEvent {
  readonly call: CallInfo;
  readonly fromModel: string;
  readonly toModel: string;
  readonly reason: FallbackReason;
  /** The attempt after which the switch happened (0 when before the first attempt). */
  readonly afterAttempt: number;
}

export interface BudgetExhaustedEvent {
  readonly call: CallInfo;
  readonly key: string;
  readonly attempts: number;
}

export interface AbandonEvent {
  readonly call: CallInfo;
  readonly decision: AbandonDecision;
  /** Milliseconds left until the deadline (Infinity when the call has none). */
  readonly deadlineRemainingMs: number;
  readonly attempts: number;
}

export interface DeferFailedEvent {
  readonly call: CallInfo;
  /** What the Deferrer rejected with; the policy went on retrying. */
  readonly error: unknown;
}

export interface LimiterWaitEvent {
  readonly call: CallInfo;
  readonly model: string;
  readonly waitMs: number;
}

export interface LimiterRateEvent {
  readonly policy: string;
  readonly model: string;
  /** Requests per second. */
  readonly ratePerSecond: number;
}

export interface CallEndEvent {
  readonly call: CallInfo;
  readonly outcome: CallOutcome;
  readonly attempts: number;
  /** The model of the last attempt (differs from `call.model` after a fallback). */
  readonly finalModel: string;
  readonly durationMs: number;
  /** Total time spent waiting between attempts (backoff and limiter), in ms. */
  readonly backoffMs: number;
  readonly error?: unknown;
  readonly errorType?: ErrorType;
}

export interface LateFailureEvent {
  readonly call: CallInfo;
  readonly model: string;
  readonly attempt: number;
  /** What broke the delivered result (e.g. a stream cut after its first content). */
  readonly error: unknown;
  /** The attempt's details, with `billedWaste` filled in. */
  readonly details: AttemptDetails;
}

export interface LateSuccessEvent {
  readonly call: CallInfo;
  readonly model: string;
  readonly attempt: number;
  /**
   * The attempt's details, now complete: a result handed to the caller before it finished
   * (a stream, delivered from its first content) has its usage and finish reasons here, and
   * its cost in `call.details`.
   */
  readonly details: AttemptDetails;
}

export interface ListenerErrorEvent {
  /** The policy whose listener threw. */
  readonly policy: string;
  /** The event whose listener threw, as its subscription is named (`onCallEnd`, …). */
  readonly event: string;
  /** What the listener threw. The call went on as if the listener had returned. */
  readonly error: unknown;
}

export interface AdmissionEvent {
  readonly call: CallInfo;
  readonly model: string;
  /** Time the call waited in the model's admission queue, in ms (up to the abort, when cut short). */
  readonly waitedMs: number;
  /** True only when admission let the call through (`outcome` is `admitted`). */
  readonly admitted: boolean;
  /**
   * How the wait ended: `admitted`; `refused` (see `reason`); `aborted` — the caller's signal
   * aborted it; `deadline_exceeded` — the call's deadline passed while it waited. The last
   * two end the call (it rejects with `CallAbortedError` / `DeadlineExceededError`).
   */
  readonly outcome: AdmissionOutcome;
  /** Why it was refused (only when `outcome` is `refused`): its deadline could not be met, the queue was full, or a fallback model could answer sooner. */
  readonly reason?: 'deadline' | 'queue_full' | 'long_wait';
}

export interface StoreErrorEvent {
  readonly policy: string;
  /** The key (model) of the operation. */
  readonly model: string;
  /** The `OverloadStore` operation that rejected. */
  readonly operation: 'reserveSlot' | 'recordCalls' | 'reportOverload' | 'pause' | 'setCircuit' | 'pace' | 'deposit' | 'tryWithdraw';
  /** What the store rejected with. The call went on as if the store were calm (admit now, no pause, retry allowed). */
  readonly error: unknown;
}
