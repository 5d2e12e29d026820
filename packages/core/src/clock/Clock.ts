/**
 * Where the policy reads time and waits. Every delay of the policy (backoff, limiter
 * waits, deadlines, the breaker's half-open timer) goes through one `Clock`, so tests and
 * the storm lab run in virtual time, deterministically.
 */
export interface Clock {
  /** Current time in milliseconds. Monotonic for {@link systemClock}; virtual for `VirtualClock`. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds. When `signal` aborts, rejects at once with the
   * signal's reason and leaves no timer or listener behind.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
