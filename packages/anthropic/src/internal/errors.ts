/**
 * The one place where the Anthropic HTTP surface becomes typed reasons: every error the
 * SDK (or the network under it) can throw maps to a Classification, per the table in this
 * package's README ("Classification"). Errors are read by status, error type and brand
 * (./sdkErrors.ts), never by `instanceof` against the SDK's classes: a CommonJS service's
 * SDK throws other classes than the ES module build this package imports.
 */
import { ErrorType } from '@stormwatch/conventions';
import { parseRetryAfter, type Classification, type Classifier, type HeaderSource } from '@stormwatch/core';
import { isStreamInterruptedError } from '../StreamInterruptedError.js';
import { hasBrand, readHttpError, type HttpErrorShape } from './sdkErrors.js';

export interface ClassifierOptions {
  /** The fixed wait before retrying HTTP 500/502/504, in ms. Defaults to 5 s. */
  serverErrorDelayMs?: number;
  /** How many times HTTP 500/502/504 are retried. Defaults to 1. */
  serverErrorRetries?: number;
  /** Wall-clock time for `retry-after` HTTP-dates. Defaults to `Date.now`. */
  now?: () => number;
}

const NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

const BY_TYPE: Readonly<Record<string, ErrorType>> = {
  overloaded_error: ErrorType.OVERLOADED,
  api_error: ErrorType.API_ERROR,
  rate_limit_error: ErrorType.RATE_LIMIT,
  timeout_error: ErrorType.TIMEOUT,
  invalid_request_error: ErrorType.INVALID_REQUEST,
  not_found_error: ErrorType.NOT_FOUND,
  request_too_large: ErrorType.REQUEST_TOO_LARGE,
  authentication_error: ErrorType.AUTHENTICATION,
  permission_error: ErrorType.PERMISSION,
};

/** The Classification type of a body's `error.type` (own keys only: a body may say `constructor`). */
const byType = (type: string | undefined): ErrorType | undefined => (type !== undefined && Object.hasOwn(BY_TYPE, type) ? BY_TYPE[type] : undefined);

const RETRYABLE_TYPES = new Set<ErrorType>([ErrorType.OVERLOADED, ErrorType.API_ERROR, ErrorType.RATE_LIMIT, ErrorType.TIMEOUT]);

const fatal = (errorType: ErrorType, status?: number): Classification => ({ errorType, retryable: false, overload: false, slowDown: false, ...(status === undefined ? {} : { status }) });

/** A network failure under the SDK (undici's `TypeError: terminated`, a reset socket…), found through the `cause` chain. */
function isNetworkFailure(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    const { message, name } = e as { message?: unknown; name?: unknown };
    // By name, not `instanceof TypeError`: undici's errors may come from another realm.
    if (name === 'TypeError' && (message === 'terminated' || message === 'fetch failed')) return true;
    if (typeof message === 'string' && /socket hang up|other side closed/i.test(message)) return true;
  }
  return false;
}

/**
 * A 429 that waiting cannot fix: a spend limit (`enforced_spend_limit_reached`,
 * `contract_spend_limit_reached`, …) or a billing refusal. The error code decides; the
 * message — whose wording the API says may change — only when there is no code (older
 * responses said "You have reached your specified API usage limits").
 */
function isSpendLimit(error: HttpErrorShape): boolean {
  const code = error.errorCode;
  if (code !== undefined) return /spend_limit|billing|credit/.test(code);
  return /usage limits|spend limit/i.test(error.apiMessage ?? '');
}

/** The `x-should-retry` header as a boolean, or undefined when absent or not `true`/`false`. */
function shouldRetryHeader(headers: HeaderSource | undefined): boolean | undefined {
  const v = headers?.get('x-should-retry')?.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

export function createClassifier(options: ClassifierOptions = {}): Classifier {
  const serverErrorDelayMs = options.serverErrorDelayMs ?? 5_000;
  const serverErrorRetries = options.serverErrorRetries ?? 1;
  const now = options.now ?? Date.now;

  const classifyHttpError = (error: HttpErrorShape): Classification => {
    const status = error.status;
    const headers = error.headers;
    const retryAfterMs = parseRetryAfter(headers, now());
    const hint = retryAfterMs === undefined ? {} : { retryAfterMs };

    let c: Classification;
    if (status === undefined) {
      // An `error` SSE event after HTTP 200: the body's type is all there is.
      const errorType = byType(error.type) ?? ErrorType.API_ERROR;
      const overload = errorType === ErrorType.OVERLOADED;
      return { errorType, retryable: RETRYABLE_TYPES.has(errorType), overload, slowDown: overload || errorType === ErrorType.RATE_LIMIT };
    } else if (status === 529 || error.type === 'overloaded_error') {
      c = { errorType: ErrorType.OVERLOADED, retryable: true, overload: true, slowDown: true, status, ...hint };
    } else if (status === 429) {
      c = isSpendLimit(error) ? { ...fatal(ErrorType.RATE_LIMIT, status), slowDown: true } : { errorType: ErrorType.RATE_LIMIT, retryable: true, overload: false, slowDown: true, status, ...hint };
    } else if (status === 503) {
      c = { errorType: ErrorType.API_ERROR, retryable: true, overload: false, slowDown: false, status, ...hint };
    } else if (status === 408) {
      c = { errorType: ErrorType.TIMEOUT, retryable: true, overload: false, slowDown: false, status, ...hint };
    } else if (status === 500 || status === 502 || status === 504) {
      c = { errorType: ErrorType.API_ERROR, retryable: true, overload: false, slowDown: false, status, fixedDelayMs: serverErrorDelayMs, maxRetries: serverErrorRetries };
    } else if (status > 500) {
      c = { errorType: ErrorType.API_ERROR, retryable: status !== 501 && status !== 505, overload: false, slowDown: false, status, ...hint };
    } else if (status === 400 || status === 422) {
      c = fatal(ErrorType.INVALID_REQUEST, status);
    } else if (status === 404) {
      c = fatal(ErrorType.NOT_FOUND, status);
    } else if (status === 413) {
      c = fatal(ErrorType.REQUEST_TOO_LARGE, status);
    } else if (status === 401) {
      c = fatal(ErrorType.AUTHENTICATION, status);
    } else if (status === 403) {
      c = fatal(ErrorType.PERMISSION, status);
    } else if (status === 409) {
      c = { errorType: ErrorType.OTHER, retryable: true, overload: false, slowDown: false, status }; // a conflict usually clears; the SDK retries it too
    } else {
      c = fatal(byType(error.type) ?? ErrorType.OTHER, status);
    }

    // The server's word overrides the table (except that a 4xx it calls retryable keeps its class).
    const override = shouldRetryHeader(headers);
    return override === undefined ? c : { ...c, retryable: override, serverOverride: override };
  };

  const classify = (error: unknown): Classification => {
    if (isStreamInterruptedError(error)) return fatal(ErrorType.CONNECTION);
    // The SDK's connection and abort errors are APIErrors without a status: their brand first.
    if (hasBrand(error, 'APIUserAbortError')) return fatal(ErrorType.ABORTED);
    if (hasBrand(error, 'APIConnectionTimeoutError')) return { errorType: ErrorType.TIMEOUT, retryable: true, overload: false, slowDown: false };
    if (hasBrand(error, 'APIConnectionError')) return { errorType: ErrorType.CONNECTION, retryable: true, overload: false, slowDown: false };
    const http = readHttpError(error);
    if (http) return classifyHttpError(http);
    if (hasBrand(error, 'AbortError')) return fatal(ErrorType.ABORTED);
    if (isNetworkFailure(error)) return { errorType: ErrorType.CONNECTION, retryable: true, overload: false, slowDown: false };
    // Broken SSE JSON (a proxy mangling the stream): the response is unusable, a new one may not be.
    if (hasBrand(error, 'SyntaxError')) return { errorType: ErrorType.API_ERROR, retryable: true, overload: false, slowDown: false };
    return fatal(ErrorType.OTHER);
  };

  // Anything can be thrown; an object whose reads throw (a Proxy, a getter) is no reason to retry.
  return (error: unknown): Classification => {
    try {
      return classify(error);
    } catch {
      return fatal(ErrorType.OTHER);
    }
  };
}
