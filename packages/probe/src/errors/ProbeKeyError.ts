/** Why the probe cannot use its API key. */
export type ProbeKeyProblem = 'missing' | 'rejected';

/**
 * The probe has no API key, or the API rejected it (HTTP 401 or 403). The probe stops: a
 * bad key is a configuration error, not an outage, and probing on would only count it as one.
 */
export class ProbeKeyError extends Error {
  readonly isProbeKeyError = true;
  override readonly name = 'ProbeKeyError';

  constructor(
    readonly problem: ProbeKeyProblem,
    /** The HTTP status of the rejection (401 or 403). */
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(
      problem === 'missing'
        ? 'no Anthropic API key: set ANTHROPIC_API_KEY (or pass apiKey)'
        : `the Anthropic API rejected the key (HTTP ${String(status)}${status === 403 ? ': it may not access this model or workspace' : ': it is invalid, revoked or expired'}); the probe stopped`,
      options,
    );
  }
}

/** True for a {@link ProbeKeyError}, from any copy of this package. */
export function isProbeKeyError(error: unknown): error is ProbeKeyError {
  return typeof error === 'object' && error !== null && (error as { isProbeKeyError?: unknown }).isProbeKeyError === true;
}
