import { EventEmitter } from 'cockatiel';
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
  CallStartEvent,
  DeferFailedEvent,
  FallbackEvent,
  LateFailureEvent,
  LateSuccessEvent,
  LimiterRateEvent,
  LimiterWaitEvent,
  ListenerErrorEvent,
  StoreErrorEvent,
} from '../events.js';
import { GuardedEmitter } from './GuardedEmitter.js';

/** The process-warning code of a listener error nobody subscribed to. */
export const LISTENER_ERROR_WARNING = 'STORMWATCH_LISTENER_ERROR';

/** The process-warning code of a store error nobody subscribed to. */
export const STORE_ERROR_WARNING = 'STORMWATCH_STORE_ERROR';

/**
 * Every event one policy emits, each through a {@link GuardedEmitter}. What a listener
 * throws is reported on `listenerError`; with no listener there, it becomes a process
 * warning (once per event name, so a broken listener does not flood the log).
 */
export class PolicyEvents {
  readonly listenerError = new EventEmitter<ListenerErrorEvent>();
  readonly #warned = new Set<string>();

  constructor(private readonly policy: string) {}

  readonly #report = (event: string, error: unknown): void => {
    if (this.listenerError.size) {
      try {
        this.listenerError.emit({ policy: this.policy, event, error });
      } catch {
        // The reporter itself broke: nothing is left to tell, and the call must go on.
      }
      return;
    }
    if (this.#warned.has(event) || typeof process === 'undefined' || typeof process.emitWarning !== 'function') return;
    this.#warned.add(event);
    const message = error instanceof Error ? error.message : String(error);
    process.emitWarning(`policy ${JSON.stringify(this.policy)}: an ${event} listener threw: ${message} (the call went on; subscribe onListenerError to see every such error)`, {
      code: LISTENER_ERROR_WARNING,
    });
  };

  readonly callStart = new GuardedEmitter<CallStartEvent>('onCallStart', this.#report);
  readonly attemptStart = new GuardedEmitter<AttemptStartEvent>('onAttemptStart', this.#report);
  readonly attemptEnd = new GuardedEmitter<AttemptEndEvent>('onAttemptEnd', this.#report);
  readonly backoffStart = new GuardedEmitter<BackoffStartEvent>('onBackoffStart', this.#report);
  readonly backoffEnd = new GuardedEmitter<BackoffEndEvent>('onBackoffEnd', this.#report);
  readonly breakerTransition = new GuardedEmitter<BreakerTransitionEvent>('onBreakerTransition', this.#report);
  readonly fallback = new GuardedEmitter<FallbackEvent>('onFallback', this.#report);
  readonly budgetExhausted = new GuardedEmitter<BudgetExhaustedEvent>('onBudgetExhausted', this.#report);
  readonly abandon = new GuardedEmitter<AbandonEvent>('onAbandon', this.#report);
  readonly deferFailed = new GuardedEmitter<DeferFailedEvent>('onDeferFailed', this.#report);
  readonly admission = new GuardedEmitter<AdmissionEvent>('onAdmission', this.#report);
  readonly limiterWait = new GuardedEmitter<LimiterWaitEvent>('onLimiterWait', this.#report);
  readonly limiterRate = new GuardedEmitter<LimiterRateEvent>('onLimiterRate', this.#report);
  readonly callEnd = new GuardedEmitter<CallEndEvent>('onCallEnd', this.#report);
  readonly lateFailure = new GuardedEmitter<LateFailureEvent>('onLateFailure', this.#report);
  readonly lateSuccess = new GuardedEmitter<LateSuccessEvent>('onLateSuccess', this.#report);
  readonly storeError = new GuardedEmitter<StoreErrorEvent>('onStoreError', this.#report);

  /** A store operation rejected: to `onStoreError`, or (nobody listening) one process warning per policy. */
  reportStoreError(event: StoreErrorEvent): void {
    if (this.storeError.size) return this.storeError.emit(event);
    if (this.#warned.has('store') || typeof process === 'undefined' || typeof process.emitWarning !== 'function') return;
    this.#warned.add('store');
    const message = event.error instanceof Error ? event.error.message : String(event.error);
    process.emitWarning(`policy ${JSON.stringify(this.policy)}: the overload store's ${event.operation} failed: ${message} (calls went on at local pace; subscribe onStoreError to see every such error)`, {
      code: STORE_ERROR_WARNING,
    });
  }
}
