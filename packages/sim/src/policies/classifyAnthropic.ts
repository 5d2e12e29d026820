/**
 * The storm lab's classifier of `@anthropic-ai/sdk` errors, after ARCHITECTURE.md's
 * classification table. It stands in for `@stormwatch/anthropic`'s classifier until that
 * package can be used here; it reads only what the SDK exposes (status, headers, the
 * `error.type` of an SSE `error` event, connection errors).
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Classification, Classifier } from '@stormwatch/core';
import { parseRetryAfter } from '@stormwatch/core';
import { ErrorType } from '@stormwatch/conventions';

const NOT_RETRYABLE = { retryable: false, overload: false, slowDown: false } as const;

export const classifyAnthropic: Classifier = (error: unknown): Classification => {
  if (error instanceof Anthropic.APIUserAbortError) return { errorType: ErrorType.ABORTED, ...NOT_RETRYABLE };
  if (error instanceof Anthropic.APIConnectionTimeoutError) {
    return { errorType: ErrorType.TIMEOUT, retryable: true, overload: false, slowDown: false };
  }
  if (error instanceof Anthropic.APIConnectionError) {
    return { errorType: ErrorType.CONNECTION, retryable: true, overload: false, slowDown: false };
  }
  if (!(error instanceof Anthropic.APIError)) {
    if (error instanceof Error && error.name === 'AbortError') return { errorType: ErrorType.ABORTED, ...NOT_RETRYABLE };
    return { errorType: ErrorType.OTHER, ...NOT_RETRYABLE };
  }
  return classifyApiError(error as InstanceType<typeof Anthropic.APIError>);
};

function classifyApiError(error: InstanceType<typeof Anthropic.APIError>): Classification {
  const status = error.status as number | undefined;
  if (status === undefined) {
    // An `error` event inside a 200 stream.
    const overload = error.type === 'overloaded_error';
    return {
      errorType: overload ? ErrorType.OVERLOADED : error.type === 'api_error' ? ErrorType.API_ERROR : ErrorType.OTHER,
      retryable: overload || error.type === 'api_error',
      overload,
      slowDown: overload,
    };
  }
  const headers = error.headers;
  const header = headers?.get('x-should-retry');
  const serverOverride = header === 'true' ? true : header === 'false' ? false : undefined;
  const withOverride = (c: Classification): Classification =>
    serverOverride === undefined ? c : { ...c, retryable: serverOverride, serverOverride };
  const retryAfterMs = parseRetryAfter(headers ?? undefined);
  const hint = retryAfterMs === undefined ? {} : { retryAfterMs };
  switch (status) {
    case 529:
      return withOverride({ errorType: ErrorType.OVERLOADED, retryable: true, overload: true, slowDown: true, status, ...hint });
    case 429:
      return withOverride({ errorType: ErrorType.RATE_LIMIT, retryable: true, overload: false, slowDown: true, status, ...hint });
    case 503:
      return withOverride({ errorType: ErrorType.API_ERROR, retryable: true, overload: false, slowDown: false, status, ...hint });
    case 408:
      return withOverride({ errorType: ErrorType.TIMEOUT, retryable: true, overload: false, slowDown: false, status });
    case 500:
    case 502:
    case 504:
      return withOverride({
        errorType: ErrorType.API_ERROR,
        retryable: true,
        overload: false,
        slowDown: false,
        status,
        fixedDelayMs: 5000,
        maxRetries: 1,
      });
    case 401:
      return withOverride({ errorType: ErrorType.AUTHENTICATION, status, ...NOT_RETRYABLE });
    case 403:
      return withOverride({ errorType: ErrorType.PERMISSION, status, ...NOT_RETRYABLE });
    case 404:
      return withOverride({ errorType: ErrorType.NOT_FOUND, status, ...NOT_RETRYABLE });
    case 413:
      return withOverride({ errorType: ErrorType.REQUEST_TOO_LARGE, status, ...NOT_RETRYABLE });
    default:
      return withOverride({
        errorType: status >= 500 ? ErrorType.API_ERROR : status >= 400 ? ErrorType.INVALID_REQUEST : ErrorType.OTHER,
        retryable: status >= 500,
        overload: false,
        slowDown: false,
        status,
      });
  }
}
