export type { Clock } from './clock/Clock.js';
export { systemClock } from './clock/systemClock.js';
export { VirtualClock } from './clock/VirtualClock.js';
export { seededRandom, type Random } from './random.js';
export type { Classification, Classifier } from './Classification.js';
export { emptyCallDetails, type AttemptDetails, type CallDetails, type Usage } from './details.js';
export { parseRetryAfter, type HeaderSource } from './retryAfter.js';
export type { Backoff } from './backoff/Backoff.js';
export { FullJitterBackoff } from './backoff/FullJitterBackoff.js';
export { DecorrelatedJitterBackoff } from './backoff/DecorrelatedJitterBackoff.js';
export { RetryBudget, type RetryBudgetOptions } from './budget/RetryBudget.js';
export { CircuitBreaker, type Admission } from './breaker/CircuitBreaker.js';
export { AimdLimiter, type AimdLimiterOptions } from './limiter/AimdLimiter.js';
export type { DeferReceipt, DeferredTask, Deferrer } from './abandon/Deferrer.js';
export { InMemoryDeferrer } from './abandon/InMemoryDeferrer.js';
export { DEFER_TRACE_CONTEXT, deferTraceparent, isTraceparent } from './abandon/deferTraceContext.js';
export { describeTaskError, MAX_TASK_ERROR_CHARS } from './abandon/describeTaskError.js';
export { encodeTaskPayload } from './abandon/encodeTaskPayload.js';
export { PayloadTooLargeError, isPayloadTooLargeError } from './errors/PayloadTooLargeError.js';
export { TaskNotFoundError, isTaskNotFoundError } from './errors/TaskNotFoundError.js';
export type { ClaimedTask, DrainableQueue, FailOutcome, HandOverQueue, HeldTaskRef, LeaseRef, ListOptions, QueuedTask, TaskCounts, TaskQueue, TaskState } from './abandon/TaskQueue.js';
export { CircuitOpenError, isCircuitOpenError } from './errors/CircuitOpenError.js';
export { RetryBudgetExhaustedError, isRetryBudgetExhaustedError } from './errors/RetryBudgetExhaustedError.js';
export { DeadlineExceededError, isDeadlineExceededError } from './errors/DeadlineExceededError.js';
export { CallDeferredError, isCallDeferredError } from './errors/CallDeferredError.js';
export { CallAbortedError, isCallAbortedError } from './errors/CallAbortedError.js';
export { AdmissionRefusedError, isAdmissionRefusedError } from './errors/AdmissionRefusedError.js';
export { ADAPTIVE_RATE_DEFAULTS, AdaptiveRate, type AdaptiveRateOptions } from './admission/AdaptiveRate.js';
export { AdmissionQueue } from './admission/AdmissionQueue.js';
export type { AdmissionResult, AdmissionSnapshot, ModelAdmission, RefusalReason } from './admission/ModelAdmission.js';
export { SharedAdmission } from './admission/SharedAdmission.js';
export { SharedBudget, type Budget } from './budget/Budget.js';
export { RateLimitPause } from './admission/RateLimitPause.js';
export type { OverloadStore, OverloadStoreOptions, SharedPace, StoreHealth } from './store/OverloadStore.js';
export { countOf, InMemoryOverloadStore } from './store/InMemoryOverloadStore.js';
export { SHARED_RATE_DEFAULTS, sharedRateOptions } from './store/sharedRateDefaults.js';
export { rateOptionConflicts, type RateOptionConflict } from './store/rateOptionConflicts.js';
export { RetriesExhaustedError, isRetriesExhaustedError, type RetriesExhaustedReason } from './errors/RetriesExhaustedError.js';
export type {
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
  ListenerErrorEvent,
  LimiterRateEvent,
  StoreErrorEvent,
  LimiterWaitEvent,
} from './events.js';
export type { AbandonOptions, AdmissionOptions, BackoffOptions, BreakerOptions, BulkheadOptions, CallOptions, FallbackOptions, PolicyOptions } from './PolicyOptions.js';
export { LISTENER_ERROR_WARNING, STORE_ERROR_WARNING } from './events/PolicyEvents.js';
export { createPolicy, type AttemptContext, type AttemptScope, type Policy } from './Policy.js';
export { livePolicies, onPolicyCreated } from './registry.js';
export type { Event, IDisposable } from 'cockatiel';
