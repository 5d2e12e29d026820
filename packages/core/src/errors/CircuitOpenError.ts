/** The breaker of every model the call may use is open: no attempt was made on it. */
export class CircuitOpenError extends Error {
  readonly isCircuitOpenError = true;
  override readonly name = 'CircuitOpenError';

  /**
   * @param key the breaker's key (the model).
   * @param halfOpensAt clock time (ms) at which the breaker lets a probe through.
   * @param retryAfterMs milliseconds from now until then.
   */
  constructor(
    readonly key: string,
    readonly halfOpensAt: number,
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(`circuit for ${key} is open; it half-opens in ${Math.ceil(retryAfterMs)} ms`, options);
  }
}

/** True for a {@link CircuitOpenError}, from any copy of this package. */
export function isCircuitOpenError(error: unknown): error is CircuitOpenError {
  return typeof error === 'object' && error !== null && (error as { isCircuitOpenError?: unknown }).isCircuitOpenError === true;
}
