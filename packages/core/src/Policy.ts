import { AbandonDecision, AttemptOutcome, BreakerState, CallOutcome, DelaySource, ErrorType, FallbackReason } from '@stormwatch/conventions';
import { BulkheadPolicy, EventEmitter, isBulkheadRejectedError, type Event, type IBreaker, type IDisposable } from 'cockatiel';
import type { Deferrer } from './abandon/Deferrer.js';
import type { Backoff } from './backoff/Backoff.js';
import { CircuitBreaker } from './breaker/CircuitBreaker.js';
import { RetryBudget, type RetryBudgetOptions } from './budget/RetryBudget.js';
import type { Classification, Classifier } from './Classification.js';
import type { Clock } from './clock/Clock.js';
import { systemClock } from './clock/systemClock.js';
import { emptyCallDetails, type AttemptDetails } from './details.js';
import { CallAbortedError } from './errors/CallAbortedError.js';
import { CallDeferredError } from './errors/CallDeferredError.js';
import { CircuitOpenError } from './errors/CircuitOpenError.js';
import { DeadlineExceededError } from './errors/DeadlineExceededError.js';
import { RetriesExhaustedError, type RetriesExhaustedReason } from './errors/RetriesExhaustedError.js';
import { RetryBudgetExhaustedError } from './errors/RetryBudgetExhaustedError.js';
import type {
  AbandonEvent,
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
} from './events.js';
import { AimdLimiter, type AimdLimiterOptions } from './limiter/AimdLimiter.js';
import type { CallOptions, PolicyOptions } from './PolicyOptions.js';
import type { Random } from './random.js';
import { announcePolicy } from './registry.js';
import { makeBackoff, makeBreakerFactory, validateCallOptions, validatePolicyOptions } from './validate.js';

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
  readonly onLimiterWait: Event<LimiterWaitEvent>;
  readonly onLimiterRate: Event<LimiterRateEvent>;
  readonly onCallEnd: Event<CallEndEvent>;
}

/** Wraps one attempt; must call `run` exactly once and return its result. */
export type AttemptScope = <T>(ctx: AttemptContext, run: () => Promise<T>) => Promise<T>;

/** A signal that never aborts, for calls with neither a caller signal nor a deadline. */
const NEVER = new AbortController().signal;

/** Thrown inside `#run` to end the call; carries what `onCallEnd` reports. */
class Ending {
  constructor(
    readonly error: unknown,
    readonly outcome: CallOutcome,
    readonly errorType: ErrorType | undefined,
  ) {}
}

interface CallState {
  model: string;
  chainIndex: number;
  attempt: number;
  overloads: number;
  retries: number;
  previousDelayMs: number;
  waitedMs: number;
  classRetries: Map<ErrorType, number>;
  lastError: unknown;
  /** The breaker state that admitted the current attempt. */
  admittedState?: BreakerState;
}

function safeClassify(classify: Classifier, error: unknown): Classification {
  try {
    return classify(error);
  } catch {
    // A broken classifier must not turn one failure into a different one; do not retry what we cannot read.
    return { errorType: ErrorType.OTHER, retryable: false, overload: false, slowDown: false };
  }
}

class ResiliencePolicy implements Policy {
  readonly name: string;
  readonly clock: Clock;
  readonly #classify: Classifier;
  readonly #random: Random;
  readonly #maxAttempts: number;
  readonly #backoff: Backoff;
  readonly #maxRetryAfterMs: number;
  readonly #maxTotalDelayMs: number;
  readonly #deadlineMs: number | undefined;
  readonly #budgetOptions: RetryBudgetOptions | false;
  readonly #budgets = new Map<string, RetryBudget>();
  readonly #breakerFactory: (() => IBreaker) | undefined;
  readonly #halfOpenAfterMs: number;
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #fallbackModels: readonly string[];
  readonly #afterOverloads: number;
  readonly #allowFallback: boolean;
  readonly #deferrer: Deferrer | undefined;
  readonly #abandon: boolean;
  readonly #deferIfRemainingMs: number;
  readonly #fallbackIfRemainingMs: number;
  readonly #limiterOptions: AimdLimiterOptions | false;
  readonly #limiters = new Map<string, AimdLimiter>();
  readonly #bulkhead: BulkheadPolicy | undefined;
  #nextCallId = 1;

  readonly #callStart = new EventEmitter<CallStartEvent>();
  readonly #attemptStart = new EventEmitter<AttemptStartEvent>();
  readonly #attemptEnd = new EventEmitter<AttemptEndEvent>();
  readonly #backoffStart = new EventEmitter<BackoffStartEvent>();
  readonly #backoffEnd = new EventEmitter<BackoffEndEvent>();
  readonly #breakerTransition = new EventEmitter<BreakerTransitionEvent>();
  readonly #fallback = new EventEmitter<FallbackEvent>();
  readonly #budgetExhausted = new EventEmitter<BudgetExhaustedEvent>();
  readonly #abandonEmitter = new EventEmitter<AbandonEvent>();
  readonly #deferFailed = new EventEmitter<DeferFailedEvent>();
  readonly #limiterWait = new EventEmitter<LimiterWaitEvent>();
  readonly #limiterRate = new EventEmitter<LimiterRateEvent>();
  readonly #callEnd = new EventEmitter<CallEndEvent>();
  readonly #lateFailure = new EventEmitter<LateFailureEvent>();
  readonly #lateSuccess = new EventEmitter<LateSuccessEvent>();
  #scopes: AttemptScope[] = [];

  readonly onCallStart = this.#callStart.addListener;
  readonly onAttemptStart = this.#attemptStart.addListener;
  readonly onAttemptEnd = this.#attemptEnd.addListener;
  readonly onBackoffStart = this.#backoffStart.addListener;
  readonly onBackoffEnd = this.#backoffEnd.addListener;
  readonly onBreakerTransition = this.#breakerTransition.addListener;
  readonly onFallback = this.#fallback.addListener;
  readonly onBudgetExhausted = this.#budgetExhausted.addListener;
  readonly onAbandon = this.#abandonEmitter.addListener;
  readonly onDeferFailed = this.#deferFailed.addListener;
  readonly onLimiterWait = this.#limiterWait.addListener;
  readonly onLimiterRate = this.#limiterRate.addListener;
  readonly onCallEnd = this.#callEnd.addListener;
  readonly onLateFailure = this.#lateFailure.addListener;
  readonly onLateSuccess = this.#lateSuccess.addListener;

  /** The breaker transition's triggering call, while an attempt's verdict is being recorded. */
  #transitionCall: CallInfo | undefined;

  constructor(options: PolicyOptions) {
    validatePolicyOptions(options);
    this.name = options.name ?? 'default';
    this.clock = options.clock ?? systemClock;
    this.#classify = options.classify;
    this.#random = options.random ?? Math.random;
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#backoff = makeBackoff(options.backoff);
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.#maxTotalDelayMs = options.maxTotalDelayMs ?? 60_000;
    this.#deadlineMs = options.deadlineMs;
    this.#budgetOptions = options.budget ?? {};
    if (this.#budgetOptions) new RetryBudget(this.#budgetOptions); // validates now, not on the first call
    const breaker = options.breaker ?? {};
    this.#breakerFactory = breaker ? makeBreakerFactory(breaker) : undefined;
    this.#halfOpenAfterMs = (breaker && breaker.halfOpenAfterMs) || 30_000;
    this.#fallbackModels = options.fallback?.models ?? [];
    this.#afterOverloads = options.fallback?.afterOverloads ?? 2;
    this.#allowFallback = options.fallback?.allow ?? true;
    this.#abandon = options.abandon !== undefined;
    this.#deferrer = options.abandon?.deferrer;
    this.#deferIfRemainingMs = options.abandon?.deferIfRemainingMs ?? 5 * 60_000;
    this.#fallbackIfRemainingMs = options.abandon?.fallbackIfRemainingMs ?? 10_000;
    this.#limiterOptions = options.limiter ?? false;
    if (this.#limiterOptions) new AimdLimiter(this.#limiterOptions); // validates now
    this.#bulkhead = options.bulkhead ? new BulkheadPolicy(options.bulkhead.maxConcurrent, options.bulkhead.maxQueue ?? 0) : undefined;
    announcePolicy(this);
  }

  breakerState(key: string): BreakerState {
    return this.#breakers.get(key)?.state(this.clock.now()) ?? BreakerState.CLOSED;
  }

  breakerStates(): Map<string, BreakerState> {
    const now = this.clock.now();
    return new Map([...this.#breakers].map(([key, b]) => [key, b.state(now)]));
  }

  limiterRate(model: string): number | undefined {
    if (!this.#limiterOptions) return undefined;
    return this.#limiter(model).rate;
  }

  useAttemptScope(scope: AttemptScope): IDisposable {
    if (typeof scope !== 'function') throw new TypeError('useAttemptScope: scope must be a function');
    this.#scopes = [...this.#scopes, scope];
    return { dispose: () => void (this.#scopes = this.#scopes.filter((s) => s !== scope)) };
  }

  reportLateFailure(event: LateFailureEvent): void {
    if (this.#lateFailure.size) this.#lateFailure.emit(event);
  }

  reportLateSuccess(event: LateSuccessEvent): void {
    if (this.#lateSuccess.size) this.#lateSuccess.emit(event);
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
    if (this.#callStart.size) this.#callStart.emit({ call });
    if (!this.#bulkhead) return this.#run(fn, options, call, deadlineMs);
    try {
      return await this.#bulkhead.execute(() => this.#run(fn, options, call, deadlineMs));
    } catch (error) {
      if (isBulkheadRejectedError(error)) this.#endCall(call, new Ending(error, CallOutcome.REJECTED, ErrorType.OTHER), 0, options.model, 0);
      throw error;
    }
  }

  async #run<T>(fn: (ctx: AttemptContext) => Promise<T>, options: CallOptions, call: CallInfo, deadlineMs: number | undefined): Promise<T> {
    const clock = this.clock;
    const chain = (options.allowFallback ?? this.#allowFallback) ? [options.model, ...this.#fallbackModels.filter((m) => m !== options.model)] : [options.model];
    const state: CallState = { model: options.model, chainIndex: 0, attempt: 0, overloads: 0, retries: 0, previousDelayMs: 0, waitedMs: 0, classRetries: new Map(), lastError: undefined };
    const deadlineAt = deadlineMs === undefined ? undefined : call.startedAt + deadlineMs;

    // The deadline aborts the attempt in flight and any wait, through the same signal as the caller's.
    let deadline: AbortController | undefined;
    let deadlineTimer: AbortController | undefined;
    let signal = options.signal ?? NEVER;
    if (deadlineMs !== undefined) {
      deadline = new AbortController();
      deadlineTimer = new AbortController();
      const d = deadline;
      clock.sleep(deadlineMs, deadlineTimer.signal).then(
        () => d.abort(new DeadlineExceededError(deadlineMs, state.attempt)),
        () => undefined,
      );
      signal = options.signal ? AbortSignal.any([options.signal, d.signal]) : d.signal;
    }
    if (this.#budgetOptions) this.#budget(options.model).deposit(call.startedAt);

    try {
      for (;;) {
        await this.#admitOrFallBack(call, state, chain);
        if (this.#limiterOptions) await this.#waitForLimiter(call, state, signal);
        const result = await this.#attempt(fn, call, state, signal, options, deadline, deadlineAt, chain);
        if (result.done) return result.value;
      }
    } catch (thrown) {
      const ending = thrown instanceof Ending ? thrown : this.#endingForAbort(thrown, options, deadline, deadlineMs, state, call, deadlineAt);
      this.#endCall(call, ending, state.attempt, state.model, state.waitedMs);
      throw ending.error;
    } finally {
      deadlineTimer?.abort();
    }
  }

  /** Turns an abort that happened outside an attempt (a wait) into the call's ending. */
  #endingForAbort(thrown: unknown, options: CallOptions, deadline: AbortController | undefined, deadlineMs: number | undefined, state: CallState, call: CallInfo, deadlineAt: number | undefined): Ending {
    if (options.signal?.aborted) return new Ending(new CallAbortedError(state.attempt, { cause: options.signal.reason }), CallOutcome.FAILED, ErrorType.ABORTED);
    if (deadline?.signal.aborted && deadlineMs !== undefined) {
      this.#emitAbandon(call, AbandonDecision.ERROR, deadlineAt, state.attempt);
      return new Ending(new DeadlineExceededError(deadlineMs, state.attempt, { cause: state.lastError }), CallOutcome.FAILED, ErrorType.DEADLINE_EXCEEDED);
    }
    return new Ending(thrown, CallOutcome.FAILED, ErrorType.OTHER);
  }

  /** Finds a model whose breaker admits an attempt, falling back along the chain. */
  async #admitOrFallBack(call: CallInfo, state: CallState, chain: string[]): Promise<void> {
    if (!this.#breakerFactory) return;
    for (;;) {
      const breaker = this.#breaker(state.model);
      // An open circuit half-opens as it admits this call: the transition belongs to it.
      this.#transitionCall = call;
      const admission = breaker.admit(this.clock.now());
      this.#transitionCall = undefined;
      if (admission.admitted) {
        state.admittedState = admission.state;
        return;
      }
      const next = chain[state.chainIndex + 1];
      if (next === undefined) {
        const now = this.clock.now();
        throw new Ending(
          new CircuitOpenError(state.model, admission.halfOpensAt, Math.max(0, admission.halfOpensAt - now), { cause: state.lastError }),
          state.attempt === 0 ? CallOutcome.REJECTED : CallOutcome.FAILED,
          ErrorType.CIRCUIT_OPEN,
        );
      }
      this.#switchModel(call, state, next, FallbackReason.CIRCUIT_OPEN);
    }
  }

  async #waitForLimiter(call: CallInfo, state: CallState, signal: AbortSignal): Promise<void> {
    const waitMs = this.#limiter(state.model).reserve(this.clock.now());
    if (waitMs <= 0) return;
    if (this.#limiterWait.size) this.#limiterWait.emit({ call, model: state.model, waitMs });
    await this.clock.sleep(waitMs, signal === NEVER ? undefined : signal);
    state.waitedMs += waitMs;
  }

  async #attempt<T>(
    fn: (ctx: AttemptContext) => Promise<T>,
    call: CallInfo,
    state: CallState,
    signal: AbortSignal,
    options: CallOptions,
    deadline: AbortController | undefined,
    deadlineAt: number | undefined,
    chain: string[],
  ): Promise<{ done: true; value: T } | { done: false }> {
    const clock = this.clock;
    const attempt = ++state.attempt;
    const model = state.model;
    const details: AttemptDetails = {};
    const startedAt = clock.now();
    if (this.#attemptStart.size) this.#attemptStart.emit({ call, model, attempt, breakerState: state.admittedState ?? BreakerState.CLOSED, startedAt, details });

    let value: T;
    try {
      const ctx: AttemptContext = { call, model, attempt, signal, details };
      if (this.#scopes.length === 0) value = await fn(ctx);
      else {
        // The first scope added is the outermost.
        let run = () => fn(ctx);
        for (const scope of [...this.#scopes].reverse()) {
          const inner = run;
          run = () => scope(ctx, inner);
        }
        value = await run();
      }
    } catch (error) {
      state.lastError = error;
      return this.#afterFailure(error, call, state, model, attempt, details, startedAt, options, deadline, deadlineAt, chain, signal);
    }

    this.#transitionCall = call;
    this.#breakers.get(model)?.success();
    this.#transitionCall = undefined;
    if (this.#limiterOptions) {
      const limiter = this.#limiter(model);
      if (details.rateLimitRemaining?.requests === 0 ? limiter.onSlowDown(clock.now()) : limiter.onSuccess()) this.#emitRate(model, limiter);
    }
    const endedAt = clock.now();
    if (this.#attemptEnd.size) this.#attemptEnd.emit({ call, model, attempt, outcome: AttemptOutcome.SUCCESS, details, startedAt, durationMs: endedAt - startedAt });
    this.#endCall(call, new Ending(undefined, model === call.model ? CallOutcome.SUCCESS : CallOutcome.FALLBACK_SUCCESS, undefined), attempt, model, state.waitedMs);
    return { done: true, value };
  }

  async #afterFailure(
    error: unknown,
    call: CallInfo,
    state: CallState,
    model: string,
    attempt: number,
    details: AttemptDetails,
    startedAt: number,
    options: CallOptions,
    deadline: AbortController | undefined,
    deadlineAt: number | undefined,
    chain: string[],
    signal: AbortSignal,
  ): Promise<{ done: false }> {
    const clock = this.clock;
    const now = clock.now();
    const end = (outcome: AttemptOutcome, classification?: Classification, delay?: { ms: number; source: DelaySource }) => {
      if (this.#attemptEnd.size) {
        this.#attemptEnd.emit({ call, model, attempt, outcome, error, details, startedAt, durationMs: clock.now() - startedAt, ...(classification ? { classification } : {}), ...(delay ? { delay } : {}) });
      }
    };
    const breaker = this.#breakers.get(model);

    // The caller's abort and the deadline win over whatever the attempt failed with.
    if (options.signal?.aborted || deadline?.signal.aborted) {
      breaker?.release();
      end(AttemptOutcome.ABORTED);
      if (options.signal?.aborted) throw new Ending(new CallAbortedError(attempt, { cause: options.signal.reason }), CallOutcome.FAILED, ErrorType.ABORTED);
      this.#emitAbandon(call, AbandonDecision.ERROR, deadlineAt, attempt);
      throw new Ending(new DeadlineExceededError(call.deadlineMs ?? 0, attempt, { cause: error }), CallOutcome.FAILED, ErrorType.DEADLINE_EXCEEDED);
    }

    const c = safeClassify(this.#classify, error);
    this.#transitionCall = call;
    if (c.retryable) breaker?.failure(now);
    else if (c.status !== undefined) breaker?.success(); // the model answered: it is healthy, the request was not
    else breaker?.release();
    this.#transitionCall = undefined;
    if (this.#limiterOptions && (c.slowDown || details.rateLimitRemaining?.requests === 0)) {
      const limiter = this.#limiter(model);
      if (limiter.onSlowDown(now)) this.#emitRate(model, limiter);
    }
    if (c.overload) state.overloads++;

    if (!c.retryable) {
      end(AttemptOutcome.FATAL_ERROR, c);
      throw new Ending(error, CallOutcome.FAILED, c.errorType);
    }

    const remaining = deadlineAt === undefined ? Number.POSITIVE_INFINITY : deadlineAt - now;

    // Hedged abandonment, first branch: the deadline is far away, so hand the work over rather than retry into the overload.
    if (this.#deferrer && options.deferPayload !== undefined && remaining >= this.#deferIfRemainingMs) {
      try {
        const receipt = await this.#deferrer.defer({
          callId: call.id,
          policy: this.name,
          model: call.model,
          payload: options.deferPayload,
          deferredAt: now,
          ...(deadlineAt === undefined ? {} : { deadlineAt }),
          reason: c.errorType,
        });
        end(AttemptOutcome.RETRYABLE_ERROR, c);
        this.#emitAbandon(call, AbandonDecision.DEFER, deadlineAt, attempt);
        throw new Ending(new CallDeferredError(receipt, { cause: error }), CallOutcome.DEFERRED, c.errorType);
      } catch (deferError) {
        if (deferError instanceof Ending) throw deferError;
        if (this.#deferFailed.size) this.#deferFailed.emit({ call, error: deferError });
      }
    }

    const exhausted = (reason: RetriesExhaustedReason): never => {
      end(AttemptOutcome.RETRYABLE_ERROR, c);
      throw new Ending(new RetriesExhaustedError(attempt, reason, { cause: error }), CallOutcome.FAILED, c.errorType);
    };
    if (attempt >= this.#maxAttempts) exhausted('max_attempts');
    if (c.maxRetries !== undefined) {
      const used = state.classRetries.get(c.errorType) ?? 0;
      if (used >= c.maxRetries) exhausted('class_limit');
      state.classRetries.set(c.errorType, used + 1);
    }

    // Where the next attempt goes: the same model after a wait, or the next model at once.
    let next: { model: string; reason: FallbackReason } | undefined;
    const following = chain[state.chainIndex + 1];
    if (c.overload && following !== undefined && state.overloads >= this.#afterOverloads) next = { model: following, reason: FallbackReason.OVERLOADED };

    let delayMs = 0;
    let source: DelaySource = DelaySource.NONE;
    if (next === undefined) {
      if (c.fixedDelayMs !== undefined) {
        delayMs = c.fixedDelayMs;
        source = DelaySource.BACKOFF;
      } else {
        const jitter = this.#backoff.delay(state.retries + 1, state.previousDelayMs, this.#random);
        const hint = c.retryAfterMs === undefined ? undefined : Math.min(Math.max(0, c.retryAfterMs), this.#maxRetryAfterMs);
        if (hint !== undefined && hint >= jitter) {
          delayMs = hint;
          source = DelaySource.RETRY_AFTER;
        } else {
          delayMs = jitter;
          source = DelaySource.BACKOFF;
        }
      }
      // Hedged abandonment, second branch: too little time to wait, so try the cheapest model now.
      const cheapest = chain.length > 1 ? chain[chain.length - 1] : undefined;
      const wontFit = deadlineAt !== undefined && now + delayMs >= deadlineAt;
      const tight = this.#abandon && remaining < this.#fallbackIfRemainingMs;
      if ((wontFit || tight) && this.#abandon && cheapest !== undefined && cheapest !== model) {
        next = { model: cheapest, reason: FallbackReason.DEADLINE };
        delayMs = 0;
        source = DelaySource.NONE;
        this.#emitAbandon(call, AbandonDecision.FALLBACK, deadlineAt, attempt);
      } else if (wontFit) {
        end(AttemptOutcome.RETRYABLE_ERROR, c);
        this.#emitAbandon(call, AbandonDecision.ERROR, deadlineAt, attempt);
        throw new Ending(new DeadlineExceededError(call.deadlineMs ?? 0, attempt, { cause: error }), CallOutcome.FAILED, ErrorType.DEADLINE_EXCEEDED);
      } else if (state.waitedMs + delayMs > this.#maxTotalDelayMs) {
        exhausted('max_total_delay');
      }
    }

    // A retry on the same model spends that model's budget; a switch to another model adds no load to the failing one.
    if (next === undefined && this.#budgetOptions && !this.#budget(model).tryWithdraw(now)) {
      end(AttemptOutcome.RETRYABLE_ERROR, c);
      if (this.#budgetExhausted.size) this.#budgetExhausted.emit({ call, key: model, attempts: attempt });
      throw new Ending(new RetryBudgetExhaustedError(model, attempt, { cause: error }), CallOutcome.FAILED, ErrorType.BUDGET_EXHAUSTED);
    }

    end(AttemptOutcome.RETRYABLE_ERROR, c, { ms: delayMs, source });
    if (next !== undefined) {
      const to = chain.indexOf(next.model);
      this.#switchModel(call, state, next.model, next.reason, to);
      return { done: false };
    }

    state.retries++;
    state.previousDelayMs = delayMs;
    if (delayMs > 0) await this.#wait(call, model, attempt, delayMs, source, signal, state);
    return { done: false };
  }

  async #wait(call: CallInfo, model: string, afterAttempt: number, plannedMs: number, source: DelaySource, signal: AbortSignal, state: CallState): Promise<void> {
    const startedAt = this.clock.now();
    const base = { call, model, afterAttempt, plannedMs, source, startedAt };
    if (this.#backoffStart.size) this.#backoffStart.emit(base);
    try {
      await this.clock.sleep(plannedMs, signal === NEVER ? undefined : signal);
    } catch (error) {
      const actualMs = this.clock.now() - startedAt;
      state.waitedMs += actualMs;
      if (this.#backoffEnd.size) this.#backoffEnd.emit({ ...base, actualMs, aborted: true });
      throw error;
    }
    state.waitedMs += plannedMs;
    if (this.#backoffEnd.size) this.#backoffEnd.emit({ ...base, actualMs: this.clock.now() - startedAt, aborted: false });
  }

  #switchModel(call: CallInfo, state: CallState, toModel: string, reason: FallbackReason, toIndex = state.chainIndex + 1): void {
    if (this.#fallback.size) this.#fallback.emit({ call, fromModel: state.model, toModel, reason, afterAttempt: state.attempt });
    state.model = toModel;
    state.chainIndex = toIndex;
    state.overloads = 0;
    state.previousDelayMs = 0;
  }

  #emitAbandon(call: CallInfo, decision: AbandonDecision, deadlineAt: number | undefined, attempts: number): void {
    if (!this.#abandonEmitter.size) return;
    const deadlineRemainingMs = deadlineAt === undefined ? Number.POSITIVE_INFINITY : Math.max(0, deadlineAt - this.clock.now());
    this.#abandonEmitter.emit({ call, decision, deadlineRemainingMs, attempts });
  }

  #emitRate(model: string, limiter: AimdLimiter): void {
    if (this.#limiterRate.size) this.#limiterRate.emit({ policy: this.name, model, ratePerSecond: limiter.rate });
  }

  #endCall(call: CallInfo, ending: Ending, attempts: number, finalModel: string, backoffMs: number): void {
    if (!this.#callEnd.size) return;
    this.#callEnd.emit({
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

  #breaker(key: string): CircuitBreaker {
    let b = this.#breakers.get(key);
    if (!b) {
      b = new CircuitBreaker(key, this.#breakerFactory!(), this.#halfOpenAfterMs, (from, to) => {
        if (!this.#breakerTransition.size) return;
        const call = this.#transitionCall;
        this.#breakerTransition.emit({ key, policy: this.name, from, to, at: this.clock.now(), ...(call ? { call } : {}) });
      });
      this.#breakers.set(key, b);
    }
    return b;
  }

  #budget(key: string): RetryBudget {
    let b = this.#budgets.get(key);
    if (!b) this.#budgets.set(key, (b = new RetryBudget(this.#budgetOptions || {})));
    return b;
  }

  #limiter(key: string): AimdLimiter {
    let l = this.#limiters.get(key);
    if (!l) this.#limiters.set(key, (l = new AimdLimiter(this.#limiterOptions || {})));
    return l;
  }
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
