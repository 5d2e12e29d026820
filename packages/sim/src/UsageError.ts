/** A command-line mistake: an unknown flag or a bad value. The CLI prints it with a hint to use --help and exits with 2. */
export class UsageError extends Error {
  readonly isStormwatchUsageError = true;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** True for a {@link UsageError}, also across copies of this package. */
export function isUsageError(error: unknown): error is UsageError {
  return typeof error === 'object' && error !== null && (error as { isStormwatchUsageError?: unknown }).isStormwatchUsageError === true;
}
