import { AbandonDecision, AdmissionOutcome, AttemptOutcome, BreakerState, CallOutcome, DelaySource, ErrorType, FallbackReason } from '@stormwatch/conventions';
import { BulkheadPolicy, isBulkheadRejectedError, type Event, type IBreaker, type IDisposable } from 'cockatiel';
import type { DeferReceipt, Deferrer } from './abandon/Deferrer.js';
import { deferTraceparent } from './abandon/deferTraceContext.js';
import type { Backoff } from './backoff/Backoff.js';
import { AdaptiveRate, type AdaptiveRateOptions } from './admission/AdaptiveRate.js';
import { AdmissionQueue } from './admission/AdmissionQueue.js';
import type { AdmissionResult, AdmissionSnapshot, ModelAdmission } from './admission/ModelAdmission.js';
import { SharedAdmission } from './admission/SharedAdmission.js';
import { RateLimitPause } from './admission/RateLimitPause.js';
import { CircuitBreaker } from './breaker/CircuitBreaker.js';
import { SharedBudget } from './budget/Budget.js';
import { RetryBudget, type RetryBudgetOptions } from './budget/RetryBudget.js';
import { endCallRun, recordRetry, startCallRun, switchModel, NEVER, type CallRun } from './CallRun.js';
import type { Classification, Classifier } from './Classification.js';
import type { Clock } from './clock/Clock.js';
import { systemClock } from './clock/systemClock.js';
import { clampHint } from './decide/retryDelay.js';
import { admissionWaitLimit } from './decide/admissionWaitLimit.js';
import { decideAfterFailure, type DecisionRules, type FailureDecision, type FailureFacts } from './decide/afterFailure.js';
import { emptyCallDetails, type AttemptDetails } from './details.js';
import { AdmissionRefusedError } from './errors/AdmissionRefusedError.js';
import { CallAbortedError } from './errors/CallAbortedError.js';
import { CallDeferredError } from './errors/CallDeferredError.js';
import { CircuitOpenError } from './errors/CircuitOpenError.js';
import { DeadlineExceededError } from './errors/DeadlineExceededError.js';
import { RetriesExhaustedError } from './errors/RetriesExhaustedError.js';
import { RetryBudgetExhaustedError } from './errors/RetryBudgetExhaustedError.js';
import type {
  AbandonEvent,
  AdmissionEvent,
  AttemptEndEvent,
  AttemptStartEvent,
  BackoffEndEvent,
  BackoffStartEvent,
  BreakerTransitionEvent,
  BudgetExhaustedEvent,
  CallEndEvent,
  CallInfo,
  CallStartEvent,
  DeferFailedEvent,
  FallbackEvent,
  LateFailureEvent,
  LateSuccessEvent,
  LimiterRateEvent,
  LimiterWaitEvent,
  ListenerErrorEvent,
  StoreErrorEvent,
} from './events.js';
import { PolicyEvents } from './events/PolicyEvents.js';
import { AimdLimiter, type AimdLimiterOptions } from './limiter/AimdLimiter.js';
import { observeServiceTime, verdictOfFailure, type BreakerVerdict, type ModelState } from './ModelState.js';
import { PerKey } from './perKey.js';
import type { AdmissionOptions, CallOptions, PolicyOptions } from './PolicyOptions.js';
import type { Random } from './random.js';
import { announcePolicy } from './registry.js';
import type { OverloadStore } from './store/OverloadStore.js';
import { rateOptionConflicts } from './store/rateOptionConflicts.js';
import { sharedRateOptions } from './store/sharedRateDefaults.js';
import { StoreOperations } from './store/StoreOperations.js';
import { makeBackoff, makeBreakerFactory, openTimes, validateCallOptions, validatePolicyOptions } from './validate.js';

/** What an attempt function receives. */
export interface AttemptContext {
  readonly call: CallInfo;
  /** The model for this attempt (differs from `call.model` after a fallback). */
  readonly model: string;
  /** 1-based. */
  readonly attempt: number;
  /** Aborted by the caller's signal or the call's deadline: pass it to the HTTP request. */
  readonly signal: AbortSignal;
  /** Fill it while the attempt runs (usage, response ids, headers); events carry it. */
  readonly details: AttemptDetails;
}

/** A resilience policy: runs a function with retries, breaker, budget, fallback and deadline. */
export interface Policy {
  readonly name: string;
  readonly clock: Clock;
  /**
   * Runs `fn` until it succeeds or the policy gives up. Non-retryable errors are rethrown
   * unchanged; otherwise the policy throws one of its own errors with the last attempt's
   * error as `cause`.
   */
  execute<T>(fn: (ctx: AttemptContext) => Promise<T>, options: CallOptions): Promise<T>;
  /** Current breaker state of `key` (a model); closed for a key never seen. */
  breakerState(key: string): BreakerState;
  /** Every breaker this policy has, by key. */
  breakerStates(): Map<string, BreakerState>;
  /**
   * Admission control of `model`: the admitted rate in requests per second (`Infinity` while
   * calm), the calls waiting, and the clock time a rate-limit pause ends (in the past when
   * none). Undefined with admission off or for a model not seen yet.
   */
  admissionState(model: string): AdmissionSnapshot | undefined;
  /** Admission control of every model seen, by model; empty with admission off. */
  admissionStates(): Map<string, AdmissionSnapshot>;
  /** The overload store the policy shares its state through; undefined for this process's own state (the default). */
  readonly store: OverloadStore | undefined;
  /** The adaptive limiter's current rate for `model`, in requests per second; undefined without a limiter. */
  limiterRate(model: string): number | undefined;
  /**
   * Runs every attempt inside `scope` (e.g. telemetry makes the attempt's span the active
   * context, so the HTTP request is its child). Scopes nest in the order added.
   */
  useAttemptScope(scope: AttemptScope): IDisposable;
  /**
   * Reports that a result already handed to the caller broke afterwards (a stream cut
   * after its first content): the tokens billed for it are waste. Emits `onLateFailure`.
   */
  reportLateFailure(event: LateFailureEvent): void;
  readonly onLateFailure: Event<LateFailureEvent>;
  /**
   * Reports that a result already handed to the caller finished afterwards (a stream read
   * to its end): its usage and cost are now known. Emits `onLateSuccess`.
   */
  reportLateSuccess(event: LateSuccessEvent): void;
  readonly onLateSuccess: Event<LateSuccessEvent>;
  readonly onCallStart: Event<CallStartEvent>;
  readonly onAttemptStart: Event<AttemptStartEvent>;
  readonly onAttemptEnd: Event<AttemptEndEvent>;
  readonly onBackoffStart: Event<BackoffStartEvent>;
  readonly onBackoffEnd: Event<BackoffEndEvent>;
  readonly onBreakerTransition: Event<BreakerTransitionEvent>;
  readonly onFallback: Event<FallbackEvent>;
  readonly onBudgetExhausted: Event<BudgetExhaustedEvent>;
  readonly onAbandon: Event<AbandonEvent>;
  readonly onDeferFailed: Event<DeferFailedEvent>;
  /** A call's wait in a model's admission queue ended: admitted, refused, aborted by the caller, or its deadline passed. Not emitted when admitted at once. */
  readonly onAdmission: Event<AdmissionEvent>;
  readonly onLimiterWait: Event<LimiterWaitEvent>;
  readonly onLimiterRate: Event<LimiterRateEvent>;
  readonly onCallEnd: Event<CallEndEvent>;
  /**
   * A listener of one of the events above threw. The call went on as if it had returned;
   * without a listener here, the first such error per event becomes a process warning.
   */
  readonly onListenerError: Event<ListenerErrorEvent>;
  /**
   * An operation of the policy's `store` rejected (a closed store, a broken one); the call
   * went on as if the store were calm. Without a listener, the first becomes a process
   * warning. (A Redis store that is down does not reject: it answers locally and says so
   * through its own health.)
   */
  readonly onStoreError: Event<StoreErrorEvent>;
}

/** Wraps one attempt; must call `run` exactly once and return its result. */
export type AttemptScope = <T>(ctx: AttemptContext, run: () => Promise<T>) => Promise<T>;

/** How a call ends: what the caller gets, and what `onCallEnd` reports. */
interface CallEnding {
  readonly error: unknown;
  readonly outcome: CallOutcome;
  readonly errorType: ErrorType | undefined;
}

/** One turn of the loop: the call answered, goes on with another attempt, or ended. */
type Step<T> = { readonly kind: 'done'; readonly value: T } | { readonly kind: 'next' } | { readonly kind: 'end'; readonly ending: CallEnding };

const NEXT = { kind: 'next' } as const;

function ended(error: unknown, outcome: CallOutcome, errorType: ErrorType | undefined): { readonly kind: 'end'; readonly ending: CallEnding } {
  return { kind: 'end', ending: { error, outcome, errorType } };
}

/** A finished attempt, as the loop reads it. */
type AttemptResult<T> =
  | { readonly ok: true; readonly value: T; readonly model: string; readonly attempt: number; readonly details: AttemptDetails; readonly startedAt: number }
  | { readonly ok: false; readonly error: unknown; readonly model: string; readonly attempt: number; readonly details: AttemptDetails; readonly startedAt: number };

type FailedAttempt = Extract<AttemptResult<unknown>, { ok: false }>;

function safeClassify(classify: Classifier, error: unknown): Classification {
  try {
    return classify(error);
  } catch {
    // A broken classifier must not turn one failure into a different one; do not retry what we cannot read.
    return { errorType: ErrorType.OTHER, retryable: false, overload: false, slowDown: false };
  }
}

/** Runs `run` inside every scope, the first scope added outermost. */
function inScopes<T>(scopes: readonly AttemptScope[], ctx: AttemptContext, run: () => Promise<T>): Promise<T> {
  let inner = run;
  for (let i = scopes.length - 1; i >= 0; i--) {
    const scope = scopes[i]!;
    const next = inner;
    inner = () => scope(ctx, next);
  }
  return inner();
}

/**
 * The policy: a short loop — admit (breaker, along the fallback chain) → wait for the
 * limiter → attempt → decide ({@link decideAfterFailure}) → wait, fall back or end — over
 * one {@link CallRun} per call, with per-model state in one {@link PerKey} map and every
 * event emitted through a guard that listeners cannot throw through.
 */
class ResiliencePolicy implements Policy {
  readonly name: string;
  readonly clock: Clock;
  readonly #classify: Classifier;
  readonly #random: Random;
  readonly #backoff: Backoff;
  readonly #rules: DecisionRules;
  /** Hedged abandonment: defer a call whose admission wait would pass this (ms). */
  readonly #deferIfWaitOverMs: number;
  readonly #deadlineMs: number | undefined;
  readonly #budgetOptions: RetryBudgetOptions | false;
  readonly #breakerFactory: (() => IBreaker) | undefined;
  readonly #openTimes: { readonly halfOpenAfterMs: number; readonly maxHalfOpenAfterMs: number };
  /** Does a breaker's verdict go to the fleet (and the fleet's come back)? */
  readonly #sharedBreaker: boolean;
  readonly #admission: AdmissionOptions | false;
  readonly #fallbackModels: readonly string[];
  readonly #allowFallback: boolean;
  readonly #deferrer: Deferrer | undefined;
  readonly #limiterOptions: AimdLimiterOptions | false;
  /** The rate a model's limiter starts at (what `limiterRate` reports for a model not seen yet). */
  readonly #initialLimiterRate: number | undefined;
  readonly #bulkhead: BulkheadPolicy | undefined;
  readonly #events: PolicyEvents;
  readonly store: OverloadStore | undefined;
  readonly #storeOps: StoreOperations | undefined;
  readonly #models = new PerKey<ModelState>((key) => this.#createModelState(key));
  #scopes: readonly AttemptScope[] = [];
  #nextCallId = 1;

  constructor(options: PolicyOptions) {
    validatePolicyOptions(options);
    this.name = options.name ?? 'default';
    this.clock = options.clock ?? systemClock;
    this.#events = new PolicyEvents(this.name);
    this.#classify = options.classify;
    this.#random = options.random ?? Math.random;
    this.#backoff = makeBackoff(options.backoff);
    this.#rules = {
      maxAttempts: options.maxAttempts ?? 3,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      maxTotalDelayMs: options.maxTotalDelayMs ?? 60_000,
      afterOverloads: options.fallback?.afterOverloads ?? 2,
      abandon: options.abandon !== undefined,
      admission: options.admission !== false,
      deferIfRemainingMs: options.abandon?.deferIfRemainingMs ?? 5 * 60_000,
      fallbackIfRemainingMs: options.abandon?.fallbackIfRemainingMs ?? 10_000,
    };
    this.#deferIfWaitOverMs = options.abandon?.deferIfWaitOverMs ?? 30_000;
    this.#deadlineMs = options.deadlineMs;
    this.#budgetOptions = options.budget ?? {};
    if (this.#budgetOptions) new RetryBudget(this.#budgetOptions); // validates now, not on the first call
    const breaker = options.breaker ?? {};
    this.#breakerFactory = breaker ? makeBreakerFactory(breaker) : undefined;
    this.#admission = options.admission === false ? false : (options.admission ?? {});
    if (this.#admission) new AdaptiveRate(this.#admission); // validates now
    this.#openTimes = openTimes(breaker || {}, this.#admission !== false);
    this.#sharedBreaker = breaker !== false && breaker.shared === true && options.store !== undefined;
    this.#fallbackModels = options.fallback?.models ?? [];
    this.#allowFallback = options.fallback?.allow ?? true;
    this.#deferrer = options.abandon?.deferrer;
    this.#limiterOptions = options.limiter ?? false;
    this.#initialLimiterRate = this.#limiterOptions ? new AimdLimiter(this.#limiterOptions).rate : undefined; // validates now
    this.store = options.store;
    if (this.#admission && options.store?.rateOptions) checkRateOptions(this.#admission, options.store.rateOptions);
    this.#storeOps = options.store && new StoreOperations(options.store, ({ operation, key, error }) => this.#events.reportStoreError({ policy: this.name, model: key, operation, error }));
    this.#bulkhead = options.bulkhead ? new BulkheadPolicy(options.bulkhead.maxConcurrent, options.bulkhead.maxQueue ?? 0) : undefined;
    announcePolicy(this);
  }

  get onCallStart(): Event<CallStartEvent> { return this.#events.callStart.addListener; }
  get onAttemptStart(): Event<AttemptStartEvent> { return this.#events.attemptStart.addListener; }
  get onAttemptEnd(): Event<AttemptEndEvent> { return this.#events.attemptEnd.addListener; }
  get onBackoffStart(): Event<BackoffStartEvent> { return this.#events.backoffStart.addListener; }
  get onBackoffEnd(): Event<BackoffEndEvent> { return this.#events.backoffEnd.addListener; }
  get onBreakerTransition(): Event<BreakerTransitionEvent> { return this.#events.breakerTransition.addListener; }
  get onFallback(): Event<FallbackEvent> { return this.#events.fallback.addListener; }
  get onBudgetExhausted(): Event<BudgetExhaustedEvent> { return this.#events.budgetExhausted.addListener; }
  get onAbandon(): Event<AbandonEvent> { return this.#events.abandon.addListener; }
  get onDeferFailed(): Event<DeferFailedEvent> { return this.#events.deferFailed.addListener; }
  get onAdmission(): Event<AdmissionEvent> { return this.#events.admission.addListener; }
  get onLimiterWait(): Event<LimiterWaitEvent> { return this.#events.limiterWait.addListener; }
  get onLimiterRate(): Event<LimiterRateEvent> { return this.#events.limiterRate.addListener; }
  get onCallEnd(): Event<CallEndEvent> { return this.#events.callEnd.addListener; }
  get onLateFailure(): Event<LateFailureEvent> { return this.#events.lateFailure.addListener; }
  get onLateSuccess(): Event<LateSuccessEvent> { return this.#events.lateSuccess.addListener; }
  get onListenerError(): Event<ListenerErrorEvent> { return this.#events.listenerError.addListener; }
  get onStoreError(): Event<StoreErrorEvent> { return this.#events.storeError.addListener; }

  breakerState(key: string): BreakerState {
    return this.#models.peek(key)?.breaker?.state(this.clock.now()) ?? BreakerState.CLOSED;
  }

  breakerStates(): Map<string, BreakerState> {
    const now = this.clock.now();
    const states = new Map<string, BreakerState>();
    for (const [key, { breaker }] of this.#models.entries()) if (breaker) states.set(key, breaker.state(now));
    return states;
  }

  limiterRate(model: string): number | undefined {
    return this.#models.peek(model)?.limiter?.rate ?? this.#initialLimiterRate;
  }

  useAttemptScope(scope: AttemptScope): IDisposable {
    if (typeof scope !== 'function') throw new TypeError('useAttemptScope: scope must be a function');
    this.#scopes = [...this.#scopes, scope];
    return { dispose: () => void (this.#scopes = this.#scopes.filter((s) => s !== scope)) };
  }

  reportLateFailure(event: LateFailureEvent): void {
    // A stream the overloaded service dropped after delivery is an overload signal too.
    const admission = this.#models.peek(event.model)?.admission;
    if (admission && safeClassify(this.#classify, event.error).overload) admission.onOverload(this.clock.now());
    if (this.#events.lateFailure.size) this.#events.lateFailure.emit(event);
  }

  admissionState(model: string): AdmissionSnapshot | undefined {
    return this.#models.peek(model)?.admission?.snapshot(this.clock.now());
  }

  admissionStates(): Map<string, AdmissionSnapshot> {
    const now = this.clock.now();
    const states = new Map<string, AdmissionSnapshot>();
    for (const [key, { admission }] of this.#models.entries()) if (admission) states.set(key, admission.snapshot(now));
    return states;
  }

  reportLateSuccess(event: LateSuccessEvent): void {
    if (this.#events.lateSuccess.size) this.#events.lateSuccess.emit(event);
  }

  async execute<T>(fn: (ctx: AttemptContext) => Promise<T>, options: CallOptions): Promise<T> {
    validateCallOptions(options);
    const deadlineMs = options.deadlineMs ?? this.#deadlineMs;
    const call: CallInfo = {
      id: this.#nextCallId++,
      policy: this.name,
      model: options.model,
      startedAt: this.clock.now(),
      ...(deadlineMs === undefined ? {} : { deadlineMs }),
      details: emptyCallDetails(),
      context: new Map(),
    };
    if (this.#events.callStart.size) this.#events.callStart.emit({ call });
    if (!this.#bulkhead) return this.#run(fn, options, call);
    try {
      return await this.#bulkhead.execute(() => this.#run(fn, options, call));
    } catch (error) {
      if (isBulkheadRejectedError(error)) this.#endCall(call, { error, outcome: CallOutcome.REJECTED, errorType: ErrorType.OTHER }, 0, options.model, 0);
      throw error;
    }
  }

  /** The loop: one step per attempt, until the call is answered or ends. */
  async #run<T>(fn: (ctx: AttemptContext) => Promise<T>, options: CallOptions, call: CallInfo): Promise<T> {
    const allowFallback = options.allowFallback ?? this.#allowFallback;
    const chain = allowFallback ? [options.model, ...this.#fallbackModels.filter((m) => m !== options.model)] : [options.model];
    const run = startCallRun(call, chain, this.clock, options.signal);
    this.#models.get(call.model).budget?.deposit(call.startedAt);
    try {
      for (;;) {
        let step: Step<T>;
        try {
          step = await this.#step(fn, run, options);
        } catch (thrown) {
          // A wait cut short by the caller's signal or the deadline (or anything unforeseen).
          step = { kind: 'end', ending: this.#endingForAbort(run, thrown) };
        }
        if (step.kind === 'done') {
          const outcome = run.model === call.model ? CallOutcome.SUCCESS : CallOutcome.FALLBACK_SUCCESS;
          this.#endCall(call, { error: undefined, outcome, errorType: undefined }, run.attempt, run.model, run.waitedMs);
          return step.value;
        }
        if (step.kind === 'end') {
          this.#endCall(call, step.ending, run.attempt, run.model, run.waitedMs);
          throw step.ending.error;
        }
      }
    } finally {
      endCallRun(run);
    }
  }

  /**
   * One attempt and what follows it. Admission and its release are paired here: a probe
   * admitted in half-open is released unless the attempt gave the breaker a verdict.
   */
  async #step<T>(fn: (ctx: AttemptContext) => Promise<T>, run: CallRun, options: CallOptions): Promise<Step<T>> {
    const admitted = this.#admit(run);
    if ('kind' in admitted) return admitted;
    const { state, probe } = admitted;
    let verdict = false;
    try {
      if (state.admission) {
        const admission = await this.#waitForAdmission(run, state.admission, options);
        if (!admission.admitted) return await this.#refused(run, admission, options);
        // The fleet's verdict on the model came with the pace read while waiting: the breaker step decides again.
        // (Without a breaker of its own the process has no circuit to hold: it ignores the verdict.)
        if (this.#sharedBreaker && state.breaker && !probe && state.admission.circuitOpenUntil(this.clock.now()) > this.clock.now()) return NEXT;
      }
      if (state.limiter) await this.#waitForLimiter(run, state.limiter);
      const result = await this.#attempt(fn, run);
      const now = this.clock.now();
      if (result.ok) {
        this.#recordVerdict(state, probe, 'success', run.call, now);
        verdict = true;
        return this.#afterSuccess(run, state, result, now);
      }
      const aborted = run.callerSignal?.aborted === true || run.deadline?.signal.aborted === true;
      const classification = aborted ? undefined : safeClassify(this.#classify, result.error);
      this.#recordVerdict(state, probe, verdictOfFailure(classification, this.#rules.admission), run.call, now);
      verdict = true;
      if (classification === undefined) {
        // The caller's abort and the deadline win over whatever the attempt failed with.
        this.#emitAttemptEnd(run, result, AttemptOutcome.ABORTED);
        return { kind: 'end', ending: this.#endingForAbort(run, result.error) };
      }
      return await this.#afterFailure(run, state, result, classification, now, options);
    } finally {
      if (probe && !verdict) state.breaker?.release();
    }
  }

  /** Finds a model whose breaker admits an attempt, falling back along the chain. */
  #admit(run: CallRun): { readonly state: ModelState; readonly probe: boolean } | { readonly kind: 'end'; readonly ending: CallEnding } {
    for (;;) {
      const state = this.#models.get(run.model);
      if (!state.breaker) return { state, probe: false };
      // An open circuit half-opens as it admits this call: the transition belongs to it.
      const now = this.clock.now();
      const admission = state.breaker.admit(now, run.call);
      // The fleet's verdict (another process on the shared store found the model down) holds
      // unless this process's own breaker sends its probe: the one that opened it probes.
      const fleetOpenUntil = this.#sharedBreaker && admission.admitted && !admission.probe ? (state.admission?.circuitOpenUntil(now) ?? now) : now;
      if (admission.admitted && fleetOpenUntil <= now) {
        run.admittedState = admission.state;
        return { state, probe: admission.probe };
      }
      const halfOpensAt = admission.admitted ? fleetOpenUntil : admission.halfOpensAt;
      const next = run.chain[run.chainIndex + 1];
      if (next === undefined) {
        const error = new CircuitOpenError(run.model, halfOpensAt, Math.max(0, halfOpensAt - now), { cause: run.lastError });
        return ended(error, run.attempt === 0 ? CallOutcome.REJECTED : CallOutcome.FAILED, ErrorType.CIRCUIT_OPEN);
      }
      this.#fallBack(run, next, FallbackReason.CIRCUIT_OPEN, run.chainIndex + 1);
    }
  }

  /**
   * Waits for the model's admission queue (at once when the model is calm). A call without
   * a deadline waits at most what is left of the policy's total-delay limit.
   */
  async #waitForAdmission(run: CallRun, queue: ModelAdmission, options: CallOptions): Promise<AdmissionResult> {
    const now = this.clock.now();
    if (queue.tryAdmitNow(now)) return { admitted: true, waitedMs: 0 };
    const deadlineAt = run.deadlineAt ?? now + Math.max(0, this.#rules.maxTotalDelayMs - run.waitedMs);
    const limit = this.#admission
      ? admissionWaitLimit(
          {
            // With somewhere else to go, a long wait is not worth it: the next model answers now.
            canFallBack: run.chain[run.chainIndex + 1] !== undefined,
            canDefer: this.#deferrer !== undefined && options.deferPayload !== undefined && !run.deferDeclined,
            remainingMs: run.deadlineAt === undefined ? Number.POSITIVE_INFINITY : run.deadlineAt - now,
          },
          { fallbackAfterMs: this.#admission.fallbackAfterMs ?? 2000, deferIfRemainingMs: this.#rules.deferIfRemainingMs, deferIfWaitOverMs: this.#deferIfWaitOverMs },
        )
      : undefined;
    const events = this.#events.admission;
    let result: AdmissionResult;
    try {
      result = await queue.admit(deadlineAt, run.signal === NEVER ? undefined : run.signal, limit?.maxWaitMs, limit?.releaseAfterMs);
    } catch (thrown) {
      // Cut short while waiting: the wait still happened, and the admission-wait histogram must see it.
      const waitedMs = this.clock.now() - now;
      run.waitedMs += waitedMs;
      const outcome = this.#cutShortBy(run);
      if (outcome && events.size) events.emit({ call: run.call, model: run.model, waitedMs, admitted: false, outcome });
      throw thrown;
    }
    run.waitedMs += result.waitedMs;
    if (events.size) {
      events.emit(
        result.admitted
          ? { call: run.call, model: run.model, waitedMs: result.waitedMs, admitted: true, outcome: AdmissionOutcome.ADMITTED }
          : { call: run.call, model: run.model, waitedMs: result.waitedMs, admitted: false, outcome: AdmissionOutcome.REFUSED, reason: result.reason },
      );
    }
    return result;
  }

  /**
   * What cut a wait short, in the order {@link #endingForAbort} ends the call: the caller's
   * signal, then the deadline. Undefined for anything else (a bug, not a wait's outcome).
   */
  #cutShortBy(run: CallRun): AdmissionOutcome | undefined {
    if (run.callerSignal?.aborted) return AdmissionOutcome.ABORTED;
    if (run.deadline?.signal.aborted) return AdmissionOutcome.DEADLINE_EXCEEDED;
    return undefined;
  }

  /**
   * Admission refused the call (its deadline cannot be met at the rate the model accepts,
   * or the queue is full): hedged abandonment decides — the next model of the chain, the
   * deferrer, or the error.
   */
  async #refused(run: CallRun, refusal: Extract<AdmissionResult, { admitted: false }>, options: CallOptions): Promise<Step<never>> {
    const next = run.chain[run.chainIndex + 1];
    if (next !== undefined) {
      // The deadline forced the move: a hedged-abandonment decision. A long wait or a full queue is plain overload.
      if (refusal.reason === 'deadline') this.#emitAbandon(run, AbandonDecision.FALLBACK);
      this.#fallBack(run, next, refusal.reason === 'deadline' ? FallbackReason.DEADLINE : FallbackReason.OVERLOADED, run.chainIndex + 1);
      return NEXT;
    }
    // A long wait with no next model: the wait limit was the deferral's (the model is overloaded, the deadline far away).
    const errorType = refusal.reason === 'queue_full' ? ErrorType.QUEUE_FULL : refusal.reason === 'long_wait' ? ErrorType.OVERLOADED : ErrorType.DEADLINE_EXCEEDED;
    if (this.#deferrer && options.deferPayload !== undefined) {
      const receipt = await this.#tryDefer(run, errorType, this.clock.now(), options.deferPayload);
      if (receipt) {
        this.#emitAbandon(run, AbandonDecision.DEFER);
        return ended(new CallDeferredError(receipt, { cause: run.lastError }), CallOutcome.DEFERRED, errorType);
      }
      // The deferrer refused: wait in the queue after all, for as long as the deadline allows.
      if (refusal.reason === 'long_wait') {
        run.deferDeclined = true;
        return NEXT;
      }
    }
    this.#emitAbandon(run, AbandonDecision.ERROR);
    const error = new AdmissionRefusedError(run.model, refusal.reason, refusal.estimatedWaitMs, run.attempt, { cause: run.lastError });
    return ended(error, run.attempt === 0 ? CallOutcome.REJECTED : CallOutcome.FAILED, errorType);
  }

  async #waitForLimiter(run: CallRun, limiter: AimdLimiter): Promise<void> {
    const waitMs = limiter.reserve(this.clock.now());
    if (waitMs <= 0) return;
    if (this.#events.limiterWait.size) this.#events.limiterWait.emit({ call: run.call, model: run.model, waitMs });
    await this.clock.sleep(waitMs, run.signal === NEVER ? undefined : run.signal);
    run.waitedMs += waitMs;
  }

  async #attempt<T>(fn: (ctx: AttemptContext) => Promise<T>, run: CallRun): Promise<AttemptResult<T>> {
    const call = run.call;
    const attempt = ++run.attempt;
    const model = run.model;
    const details: AttemptDetails = {};
    const startedAt = this.clock.now();
    if (this.#events.attemptStart.size) {
      this.#events.attemptStart.emit({ call, model, attempt, breakerState: run.admittedState ?? BreakerState.CLOSED, startedAt, details });
    }
    const ctx: AttemptContext = { call, model, attempt, signal: run.signal, details };
    try {
      const value = await (this.#scopes.length === 0 ? fn(ctx) : inScopes(this.#scopes, ctx, () => fn(ctx)));
      return { ok: true, value, model, attempt, details, startedAt };
    } catch (error) {
      run.lastError = error;
      return { ok: false, error, model, attempt, details, startedAt };
    }
  }

  #recordVerdict(state: ModelState, probe: boolean, verdict: BreakerVerdict, call: CallInfo, now: number): void {
    const breaker = state.breaker;
    if (!breaker) return;
    if (verdict === 'success') breaker.success(call);
    else if (verdict === 'failure') breaker.failure(now, call);
    else if (probe) breaker.release();
  }

  #afterSuccess<T>(run: CallRun, state: ModelState, result: Extract<AttemptResult<T>, { ok: true }>, now: number): Step<T> {
    const limiter = state.limiter;
    if (limiter && (result.details.rateLimitRemaining?.requests === 0 ? limiter.onSlowDown(now) : limiter.onSuccess())) this.#emitRate(result.model, limiter);
    if (state.admission) {
      observeServiceTime(state, now - result.startedAt);
      this.#pauseForRateLimit(state.admission, result.details, now);
    }
    if (this.#events.attemptEnd.size) {
      const { model, attempt, details, startedAt } = result;
      this.#events.attemptEnd.emit({ call: run.call, model, attempt, outcome: AttemptOutcome.SUCCESS, details, startedAt, durationMs: this.clock.now() - startedAt });
    }
    return { kind: 'done', value: result.value };
  }

  /** Applies {@link decideAfterFailure}'s decision: the events, the wait, the fallback or the ending. */
  async #afterFailure(run: CallRun, state: ModelState, failed: FailedAttempt, c: Classification, now: number, options: CallOptions): Promise<Step<never>> {
    const limiter = state.limiter;
    if (limiter && (c.slowDown || failed.details.rateLimitRemaining?.requests === 0) && limiter.onSlowDown(now)) this.#emitRate(failed.model, limiter);
    if (c.overload) run.overloads++;
    if (state.admission) {
      // A 429 slows the model's pace as a 529 does (so a paused backlog does not burst at the reset), but is no failure.
      if (c.overload || c.errorType === ErrorType.RATE_LIMIT) state.admission.onOverload(now, failed.startedAt);
      if (c.retryAfterMs !== undefined && (c.overload || c.errorType === ErrorType.RATE_LIMIT)) {
        state.admission.pauseUntil(now + clampHint(c.retryAfterMs, this.#rules.maxRetryAfterMs), now);
      }
      this.#pauseForRateLimit(state.admission, failed.details, now);
    }

    const canDefer = this.#deferrer !== undefined && options.deferPayload !== undefined;
    const draw = () => this.#backoff.delay(run.retries + 1, run.previousDelayMs, this.#random);
    const first = decideAfterFailure(this.#facts(run, c, now, canDefer), this.#rules, draw);
    if (first.kind === 'defer') {
      const deferred = await this.#defer(run, failed, c, now, options.deferPayload);
      if (deferred) return deferred;
    }
    const decision = first.kind === 'defer' ? decideAfterFailure(this.#facts(run, c, now, false), this.#rules, draw) : first;
    if ((decision.kind === 'retry' || decision.kind === 'fallback') && c.maxRetries !== undefined) {
      run.classRetries.set(c.errorType, (run.classRetries.get(c.errorType) ?? 0) + 1);
    }
    return this.#apply(decision, run, state, failed, c, now);
  }

  /** Where the call stands, for {@link decideAfterFailure}. */
  #facts<D extends boolean>(run: CallRun, c: Classification, now: number, canDefer: D): FailureFacts & { readonly canDefer: D } {
    const chain = run.chain;
    return {
      classification: c,
      now,
      attempt: run.attempt,
      overloads: run.overloads,
      classRetriesUsed: run.classRetries.get(c.errorType) ?? 0,
      waitedMs: run.waitedMs,
      deadlineAt: run.deadlineAt,
      model: run.model,
      nextModel: chain[run.chainIndex + 1],
      cheapestModel: chain.length > 1 ? chain[chain.length - 1] : undefined,
      canDefer,
    };
  }

  async #apply(decision: Exclude<FailureDecision, { kind: 'defer' }>, run: CallRun, state: ModelState, failed: FailedAttempt, c: Classification, now: number): Promise<Step<never>> {
    const { error, attempt } = failed;
    switch (decision.kind) {
      case 'fatal':
        this.#emitAttemptEnd(run, failed, AttemptOutcome.FATAL_ERROR, c);
        return ended(error, CallOutcome.FAILED, c.errorType);
      case 'exhausted':
        this.#emitAttemptEnd(run, failed, AttemptOutcome.RETRYABLE_ERROR, c);
        return ended(new RetriesExhaustedError(attempt, decision.reason, { cause: error }), CallOutcome.FAILED, c.errorType);
      case 'deadline':
        this.#emitAttemptEnd(run, failed, AttemptOutcome.RETRYABLE_ERROR, c);
        this.#emitAbandon(run, AbandonDecision.ERROR);
        return ended(new DeadlineExceededError(run.call.deadlineMs ?? 0, attempt, { cause: error }), CallOutcome.FAILED, ErrorType.DEADLINE_EXCEEDED);
      case 'fallback':
        // Hedged abandonment's second branch (too little time to wait) is an abandon decision too.
        if (decision.reason === FallbackReason.DEADLINE) this.#emitAbandon(run, AbandonDecision.FALLBACK);
        this.#emitAttemptEnd(run, failed, AttemptOutcome.RETRYABLE_ERROR, c, { ms: 0, source: DelaySource.NONE });
        this.#fallBack(run, decision.model, decision.reason, run.chain.indexOf(decision.model));
        return NEXT;
      case 'retry':
        // A retry on the same model spends that model's budget; a switch to another model adds no load to the failing one.
        if (!(await this.#withdraw(state, now))) {
          this.#emitAttemptEnd(run, failed, AttemptOutcome.RETRYABLE_ERROR, c);
          if (this.#events.budgetExhausted.size) this.#events.budgetExhausted.emit({ call: run.call, key: failed.model, attempts: attempt });
          return ended(new RetryBudgetExhaustedError(failed.model, attempt, { cause: error }), CallOutcome.FAILED, ErrorType.BUDGET_EXHAUSTED);
        }
        this.#emitAttemptEnd(run, failed, AttemptOutcome.RETRYABLE_ERROR, c, { ms: decision.delayMs, source: decision.source });
        recordRetry(run, decision.delayMs);
        if (decision.delayMs > 0) await this.#wait(run, failed.model, attempt, decision.delayMs, decision.source);
        return NEXT;
    }
  }

  /** Takes a retry from the model's budget (the fleet's, with a shared store); true without a budget. */
  #withdraw(state: ModelState, now: number): boolean | Promise<boolean> {
    return state.budget?.tryWithdraw(now) ?? true;
  }

  /** Hedged abandonment, first branch: the deadline is far away, so hand the work over rather than retry into the overload. */
  async #defer(run: CallRun, failed: FailedAttempt, c: Classification, now: number, payload: unknown): Promise<Step<never> | undefined> {
    const receipt = await this.#tryDefer(run, c.errorType, now, payload);
    if (!receipt) return undefined;
    this.#emitAttemptEnd(run, failed, AttemptOutcome.RETRYABLE_ERROR, c);
    this.#emitAbandon(run, AbandonDecision.DEFER);
    return ended(new CallDeferredError(receipt, { cause: failed.error }), CallOutcome.DEFERRED, c.errorType);
  }

  /** Hands the call to the deferrer (with its trace context, when telemetry gave one); undefined (and `onDeferFailed`) when it refuses. */
  async #tryDefer(run: CallRun, reason: ErrorType, now: number, payload: unknown): Promise<DeferReceipt | undefined> {
    const call = run.call;
    try {
      return await this.#deferrer!.defer({
        callId: call.id,
        policy: this.name,
        model: call.model,
        payload,
        deferredAt: now,
        ...(run.deadlineAt === undefined ? {} : { deadlineAt: run.deadlineAt }),
        reason,
        ...traceOf(call),
      });
    } catch (deferError) {
      if (this.#events.deferFailed.size) this.#events.deferFailed.emit({ call, error: deferError });
      return undefined;
    }
  }

  /** `anthropic-ratelimit-*-remaining: 0` with its reset time pauses the model's admission until then. */
  #pauseForRateLimit(queue: ModelAdmission, details: AttemptDetails, now: number): void {
    const remaining = details.rateLimitRemaining;
    const reset = details.rateLimitResetMs;
    if (!remaining || !reset) return;
    for (const kind of ['requests', 'inputTokens', 'outputTokens'] as const) {
      const resetMs = reset[kind];
      if (remaining[kind] === 0 && resetMs !== undefined) queue.pauseUntil(now + clampHint(resetMs, this.#rules.maxRetryAfterMs), now);
    }
  }

  /** Turns the caller's abort or the deadline into the call's ending. */
  #endingForAbort(run: CallRun, thrown: unknown): CallEnding {
    const caller = run.callerSignal;
    if (caller?.aborted) return { error: new CallAbortedError(run.attempt, { cause: caller.reason }), outcome: CallOutcome.FAILED, errorType: ErrorType.ABORTED };
    const deadlineMs = run.call.deadlineMs;
    if (run.deadline?.signal.aborted && deadlineMs !== undefined) {
      this.#emitAbandon(run, AbandonDecision.ERROR);
      return { error: new DeadlineExceededError(deadlineMs, run.attempt, { cause: run.lastError }), outcome: CallOutcome.FAILED, errorType: ErrorType.DEADLINE_EXCEEDED };
    }
    return { error: thrown, outcome: CallOutcome.FAILED, errorType: ErrorType.OTHER };
  }

  async #wait(run: CallRun, model: string, afterAttempt: number, plannedMs: number, source: DelaySource): Promise<void> {
    const startedAt = this.clock.now();
    const base = { call: run.call, model, afterAttempt, plannedMs, source, startedAt };
    const events = this.#events;
    if (events.backoffStart.size) events.backoffStart.emit(base);
    try {
      await this.clock.sleep(plannedMs, run.signal === NEVER ? undefined : run.signal);
    } catch (error) {
      const actualMs = this.clock.now() - startedAt;
      run.waitedMs += actualMs;
      if (events.backoffEnd.size) events.backoffEnd.emit({ ...base, actualMs, aborted: true });
      throw error;
    }
    run.waitedMs += plannedMs;
    if (events.backoffEnd.size) events.backoffEnd.emit({ ...base, actualMs: this.clock.now() - startedAt, aborted: false });
  }

  #fallBack(run: CallRun, toModel: string, reason: FallbackReason, toIndex: number): void {
    if (this.#events.fallback.size) this.#events.fallback.emit({ call: run.call, fromModel: run.model, toModel, reason, afterAttempt: run.attempt });
    switchModel(run, toModel, toIndex);
  }

  #emitAttemptEnd(run: CallRun, failed: FailedAttempt, outcome: AttemptOutcome, classification?: Classification, delay?: { ms: number; source: DelaySource }): void {
    if (!this.#events.attemptEnd.size) return;
    const { model, attempt, error, details, startedAt } = failed;
    this.#events.attemptEnd.emit({
      call: run.call,
      model,
      attempt,
      outcome,
      error,
      details,
      startedAt,
      durationMs: this.clock.now() - startedAt,
      ...(classification ? { classification } : {}),
      ...(delay ? { delay } : {}),
    });
  }

  #emitAbandon(run: CallRun, decision: AbandonDecision): void {
    if (!this.#events.abandon.size) return;
    const deadlineRemainingMs = run.deadlineAt === undefined ? Number.POSITIVE_INFINITY : Math.max(0, run.deadlineAt - this.clock.now());
    this.#events.abandon.emit({ call: run.call, decision, deadlineRemainingMs, attempts: run.attempt });
  }

  #emitRate(model: string, limiter: AimdLimiter): void {
    if (this.#events.limiterRate.size) this.#events.limiterRate.emit({ policy: this.name, model, ratePerSecond: limiter.rate });
  }

  #endCall(call: CallInfo, ending: CallEnding, attempts: number, finalModel: string, backoffMs: number): void {
    if (!this.#events.callEnd.size) return;
    this.#events.callEnd.emit({
      call,
      outcome: ending.outcome,
      attempts,
      finalModel,
      durationMs: this.clock.now() - call.startedAt,
      backoffMs,
      ...(ending.outcome === CallOutcome.SUCCESS || ending.outcome === CallOutcome.FALLBACK_SUCCESS ? {} : { error: ending.error }),
      ...(ending.errorType === undefined ? {} : { errorType: ending.errorType }),
    });
  }

  #createModelState(key: string): ModelState {
    const factory = this.#breakerFactory;
    const breaker = factory
      ? new CircuitBreaker<CallInfo>(
          key,
          factory(),
          this.#openTimes.halfOpenAfterMs,
          (from, to, call) => {
            const now = this.clock.now();
            // The fleet hears this process's verdict: open until the probe, or closed again.
            if (this.#sharedBreaker && to === BreakerState.OPEN) state.admission?.shareCircuit(Math.max(0, breaker!.halfOpensAt - now));
            else if (this.#sharedBreaker && to === BreakerState.CLOSED) state.admission?.shareCircuit(0);
            const events = this.#events.breakerTransition;
            if (events.size) events.emit({ key, policy: this.name, from, to, at: now, ...(call ? { call } : {}) });
          },
          this.#openTimes.maxHalfOpenAfterMs,
        )
      : undefined;
    const store = this.#storeOps;
    const state: ModelState = {
      breaker,
      budget: this.#budgetOptions ? (store ? new SharedBudget(store, key, this.#budgetOptions) : new RetryBudget(this.#budgetOptions)) : undefined,
      limiter: this.#limiterOptions ? new AimdLimiter(this.#limiterOptions) : undefined,
      admission: this.#createAdmission(key, () => state.serviceTimeMs),
      serviceTimeMs: 0,
    };
    return state;
  }

  /** A model's admission control: this process's own, or the fleet's through the store; none when turned off. */
  #createAdmission(key: string, serviceTimeMs: () => number): ModelAdmission | undefined {
    const admission = this.#admission;
    if (!admission) return undefined;
    const maxQueue = admission.maxQueue ?? 1000;
    if (this.#storeOps) {
      const doublingMs = this.store?.rateOptions?.doublingMs ?? sharedRateOptions(admission).doublingMs!;
      return new SharedAdmission(this.clock, this.#storeOps, key, maxQueue, doublingMs, serviceTimeMs, this.#random);
    }
    return new AdmissionQueue(this.clock, new AdaptiveRate(admission), new RateLimitPause(), maxQueue, serviceTimeMs);
  }
}

/** Throws a TypeError naming the first admission rate option that disagrees with the store's. */
function checkRateOptions(admission: AdmissionOptions, store: Readonly<Required<AdaptiveRateOptions>>): void {
  const [first] = rateOptionConflicts(admission, store);
  if (first === undefined) return;
  throw new TypeError(
    `admission.${first.name} is ${first.policy} but the policy's store applies ${first.store}: with a shared store the store's rate options rule for the whole fleet; set ${first.name} on the store (redisStore({ rate: { ${first.name} } })) and leave it out of admission`,
  );
}

/**
 * Creates a policy. Options are validated at once: a bad value throws a `RangeError` or
 * `TypeError` naming it.
 *
 * @example
 * const policy = createPolicy({ name: 'chat', classify, fallback: { models: ['claude-sonnet-4-6'] } });
 * const answer = await policy.execute(({ model, signal }) => send(model, signal), { model: 'claude-opus-4-7' });
 */
export function createPolicy(options: PolicyOptions): Policy {
  return new ResiliencePolicy(options);
}

/** The deferred call's `traceparent` as telemetry left it in the call's context slot (see `DEFER_TRACE_CONTEXT`). */
function traceOf(call: CallInfo): { traceparent?: string } {
  const traceparent = deferTraceparent(call);
  return traceparent === undefined ? {} : { traceparent };
}
