import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { ErrorType } from '@stormwatch/conventions';
import { describe, expect, it } from 'vitest';
import { createClassifier, StreamInterruptedError } from '../src/index.js';

const now = Date.parse('2026-11-22T12:00:00Z');
const classify = createClassifier({ now: () => now });
const apiError = (status: number, type: string, headers: Record<string, string> = {}, details?: object) =>
  APIError.generate(status, { type: 'error', error: { type, message: type, ...(details ? { details } : {}) } }, undefined, new Headers(headers));

describe('classification (the README table)', () => {
  it.each([
    ['529', apiError(529, 'overloaded_error'), { errorType: ErrorType.OVERLOADED, retryable: true, overload: true, slowDown: true, status: 529 }],
    ['529 with retry-after', apiError(529, 'overloaded_error', { 'retry-after': '7' }), { errorType: ErrorType.OVERLOADED, retryable: true, overload: true, slowDown: true, status: 529, retryAfterMs: 7000 }],
    ['503', apiError(503, 'api_error'), { errorType: ErrorType.API_ERROR, retryable: true, overload: false, slowDown: false, status: 503 }],
    ['429', apiError(429, 'rate_limit_error', { 'retry-after-ms': '1500' }), { errorType: ErrorType.RATE_LIMIT, retryable: true, overload: false, slowDown: true, status: 429, retryAfterMs: 1500 }],
    ['429 at the spend limit', apiError(429, 'rate_limit_error', {}, { error_code: 'enforced_spend_limit_reached' }), { errorType: ErrorType.RATE_LIMIT, retryable: false, overload: false, slowDown: true, status: 429 }],
    ['429 at the contract’s spend limit', apiError(429, 'rate_limit_error', {}, { error_code: 'contract_spend_limit_reached' }), { errorType: ErrorType.RATE_LIMIT, retryable: false, overload: false, slowDown: true, status: 429 }],
    ['429 over a ramp limit', apiError(429, 'rate_limit_error', { 'retry-after': '20' }, { error_code: 'ramp_limit_exceeded' }), { errorType: ErrorType.RATE_LIMIT, retryable: true, overload: false, slowDown: true, status: 429, retryAfterMs: 20_000 }],
    ['429 with another error code', apiError(429, 'rate_limit_error', {}, { error_code: 'rate_limit_exceeded' }), { errorType: ErrorType.RATE_LIMIT, retryable: true, overload: false, slowDown: true, status: 429 }],
    ['402 billing_error', apiError(402, 'billing_error', {}, { error_code: 'linked_organization_spend_limit_reached' }), { errorType: ErrorType.OTHER, retryable: false, overload: false, slowDown: false, status: 402 }],
    ['503 with a CMEK key unreachable', apiError(503, 'api_error', {}, { error_code: 'cmek_key_unreachable' }), { errorType: ErrorType.API_ERROR, retryable: true, overload: false, slowDown: false, status: 503 }],
    ['429 with x-should-retry: false', apiError(429, 'rate_limit_error', { 'x-should-retry': 'false' }), { errorType: ErrorType.RATE_LIMIT, retryable: false, serverOverride: false, overload: false, slowDown: true, status: 429 }],
    ['408', apiError(408, 'timeout_error'), { errorType: ErrorType.TIMEOUT, retryable: true, overload: false, slowDown: false, status: 408 }],
    ['500', apiError(500, 'api_error'), { errorType: ErrorType.API_ERROR, retryable: true, overload: false, slowDown: false, status: 500, fixedDelayMs: 5000, maxRetries: 1 }],
    ['502 (an HTML page)', APIError.generate(502, undefined, '<html>502 Bad Gateway</html>', new Headers()), { errorType: ErrorType.API_ERROR, retryable: true, overload: false, slowDown: false, status: 502, fixedDelayMs: 5000, maxRetries: 1 }],
    ['504', apiError(504, 'api_error'), { errorType: ErrorType.API_ERROR, retryable: true, overload: false, slowDown: false, status: 504, fixedDelayMs: 5000, maxRetries: 1 }],
    ['a Cloudflare 522', apiError(522, 'api_error', { 'retry-after': '3' }), { errorType: ErrorType.API_ERROR, retryable: true, overload: false, slowDown: false, status: 522, retryAfterMs: 3000 }],
    ['501', apiError(501, 'api_error'), { errorType: ErrorType.API_ERROR, retryable: false, overload: false, slowDown: false, status: 501 }],
    ['409', apiError(409, 'conflict_error'), { errorType: ErrorType.OTHER, retryable: true, overload: false, slowDown: false, status: 409 }],
    ['400', apiError(400, 'invalid_request_error'), { errorType: ErrorType.INVALID_REQUEST, retryable: false, overload: false, slowDown: false, status: 400 }],
    ['400 with x-should-retry: true', apiError(400, 'invalid_request_error', { 'x-should-retry': 'true' }), { errorType: ErrorType.INVALID_REQUEST, retryable: true, serverOverride: true, overload: false, slowDown: false, status: 400 }],
    ['404', apiError(404, 'not_found_error'), { errorType: ErrorType.NOT_FOUND, retryable: false, overload: false, slowDown: false, status: 404 }],
    ['413', apiError(413, 'request_too_large'), { errorType: ErrorType.REQUEST_TOO_LARGE, retryable: false, overload: false, slowDown: false, status: 413 }],
    ['422', apiError(422, 'invalid_request_error'), { errorType: ErrorType.INVALID_REQUEST, retryable: false, overload: false, slowDown: false, status: 422 }],
    ['401', apiError(401, 'authentication_error'), { errorType: ErrorType.AUTHENTICATION, retryable: false, overload: false, slowDown: false, status: 401 }],
    ['403', apiError(403, 'permission_error'), { errorType: ErrorType.PERMISSION, retryable: false, overload: false, slowDown: false, status: 403 }],
    ['an SSE error event after 200', new APIError(undefined, { type: 'error', error: { type: 'overloaded_error' } }, undefined, new Headers(), 'overloaded_error'), { errorType: ErrorType.OVERLOADED, retryable: true, overload: true, slowDown: true }],
    ['a connection error', new APIConnectionError({ message: 'Connection error.' }), { errorType: ErrorType.CONNECTION, retryable: true, overload: false, slowDown: false }],
    ['a client timeout', new APIConnectionTimeoutError(), { errorType: ErrorType.TIMEOUT, retryable: true, overload: false, slowDown: false }],
    ['undici’s "terminated"', new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }), { errorType: ErrorType.CONNECTION, retryable: true, overload: false, slowDown: false }],
    ['ECONNRESET', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), { errorType: ErrorType.CONNECTION, retryable: true, overload: false, slowDown: false }],
    ['broken SSE JSON', new SyntaxError('Unexpected token n in JSON'), { errorType: ErrorType.API_ERROR, retryable: true, overload: false, slowDown: false }],
    ['the caller’s abort', new APIUserAbortError(), { errorType: ErrorType.ABORTED, retryable: false, overload: false, slowDown: false }],
    ['a stream cut after delivery', new StreamInterruptedError(3, { inputTokens: 1, outputTokens: 1 }), { errorType: ErrorType.CONNECTION, retryable: false, overload: false, slowDown: false }],
    ['anything else', new RangeError('bug'), { errorType: ErrorType.OTHER, retryable: false, overload: false, slowDown: false }],
  ])('classifies %s', (_name, error, expected) => {
    expect(classify(error)).toEqual(expected);
  });

  it.each([
    ['negative', '-3'],
    ['garbage', 'in a while'],
    ['a year', String(365 * 86400)],
  ])('ignores a %s retry-after', (_name, value) => {
    expect(classify(apiError(529, 'overloaded_error', { 'retry-after': value }))).not.toHaveProperty('retryAfterMs');
  });

  it('reads an HTTP-date retry-after, and one in the past as 0', () => {
    expect(classify(apiError(429, 'rate_limit_error', { 'retry-after': 'Sun, 22 Nov 2026 12:00:10 GMT' }))).toMatchObject({ retryAfterMs: 10_000 });
    expect(classify(apiError(429, 'rate_limit_error', { 'retry-after': 'Sun, 22 Nov 2026 11:00:00 GMT' }))).toMatchObject({ retryAfterMs: 0 });
  });

  it('takes the 5xx wait and retry count from its options', () => {
    expect(createClassifier({ serverErrorDelayMs: 2000, serverErrorRetries: 3 })(apiError(500, 'api_error'))).toMatchObject({ fixedDelayMs: 2000, maxRetries: 3 });
  });
});
