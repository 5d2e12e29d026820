/** A live fleet run that could not finish: a process crashed, or the fleet could not start. The CLI prints the message and exits with 1. */
export class LiveFleetError extends Error {
  readonly isStormwatchLiveFleetError = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LiveFleetError';
  }
}

/** True for a {@link LiveFleetError}, also across copies of this package. */
export function isLiveFleetError(error: unknown): error is LiveFleetError {
  return typeof error === 'object' && error !== null && (error as { isStormwatchLiveFleetError?: unknown }).isStormwatchLiveFleetError === true;
}
