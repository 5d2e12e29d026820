import { rateLimitHeaders, type RateLimitRemaining } from './wire.js';

/**
 * What the fake server does with one request. Each is a plain object, so a test can
 * write a whole storm as a list.
 */
export type Behaviour =
  /** A normal answer: JSON, or an SSE stream when the request asked for one. */
  | {
      kind: 'ok';
      text?: string;
      outputTokens?: number;
      inputTokens?: number;
      cacheReadInputTokens?: number;
      cacheCreationInputTokens?: number;
      /** The model the response names; defaults to the requested one. */
      model?: string;
      headers?: Record<string, string>;
      /** Wait before answering, in ms (through the server's `sleep`). */
      delayMs?: number;
      /** Wait between SSE text deltas, in ms: a slow stream. */
      deltaDelayMs?: number;
    }
  /** An Anthropic JSON error: `{ type: 'error', error: { type, message } }`. */
  | { kind: 'error'; status: number; type: string; message?: string; headers?: Record<string, string>; errorCode?: string; delayMs?: number }
  /** A non-JSON body, as a proxy in front of the API sends (an nginx 502 page). */
  | { kind: 'html'; status: number; body?: string; headers?: Record<string, string> }
  /** The socket is destroyed before any response byte (ECONNRESET at the client). */
  | { kind: 'reset'; delayMs?: number }
  /** No answer at all, until the client gives up. */
  | { kind: 'hang' }
  /**
   * HTTP 200 SSE, then an `error` event after `afterDeltas` text deltas — or, with
   * `beforeMessageStart`, as the very first event.
   */
  | { kind: 'stream-error'; afterDeltas: number; beforeMessageStart?: boolean; type?: string; message?: string; text?: string; inputTokens?: number }
  /** HTTP 200 SSE, then the socket is destroyed after `afterDeltas` text deltas. */
  | { kind: 'stream-cut'; afterDeltas: number; text?: string; inputTokens?: number }
  /** HTTP 200 SSE whose body is not valid SSE JSON after `afterDeltas` deltas. */
  | { kind: 'stream-garbage'; afterDeltas: number; text?: string };

export const ok = (options: Omit<Extract<Behaviour, { kind: 'ok' }>, 'kind'> = {}): Behaviour => ({ kind: 'ok', ...options });

/** HTTP 529 `overloaded_error`, optionally with `retry-after` (seconds, or any raw string). */
export const overloaded = (retryAfter?: number | string): Behaviour => ({
  kind: 'error',
  status: 529,
  type: 'overloaded_error',
  message: 'Overloaded',
  ...(retryAfter === undefined ? {} : { headers: { 'retry-after': String(retryAfter) } }),
});

/** HTTP 429 `rate_limit_error` with `retry-after` and the `anthropic-ratelimit-*` headers. */
export const rateLimited = (retryAfter: number | string = 1, remaining: RateLimitRemaining = { requests: 0 }): Behaviour => ({
  kind: 'error',
  status: 429,
  type: 'rate_limit_error',
  message: 'Number of requests has exceeded your rate limit',
  headers: rateLimitHeaders(retryAfter, remaining),
});

/**
 * HTTP 429 because a spend limit is reached (`error.details.error_code`, e.g.
 * `enforced_spend_limit_reached`, `contract_spend_limit_reached`): retrying cannot help. By
 * default it also says `x-should-retry: false`; pass `{}` as headers to leave that to the client.
 */
export const spendLimitReached = (errorCode = 'enforced_spend_limit_reached', headers: Record<string, string> = { 'x-should-retry': 'false' }): Behaviour => ({
  kind: 'error',
  status: 429,
  type: 'rate_limit_error',
  message: 'You have reached your specified API usage limits.',
  errorCode,
  headers,
});

/** Any Anthropic JSON error, optionally with headers and an `error.details.error_code`. */
export const apiError = (status: number, type = 'api_error', headers?: Record<string, string>, errorCode?: string): Behaviour => ({
  kind: 'error',
  status,
  type,
  message: `scripted ${status}`,
  ...(headers ? { headers } : {}),
  ...(errorCode ? { errorCode } : {}),
});

/** An HTML error page from a proxy. */
export const htmlPage = (status = 502): Behaviour => ({
  kind: 'html',
  status,
  body: `<html>\r\n<head><title>${status} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>${status} Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
});

/**
 * The same behaviour with extra response headers (`retry-after-ms`, `x-should-retry`,
 * `anthropic-ratelimit-*`…); for behaviours that send no headers (a reset socket, a hang,
 * a cut stream) it returns the behaviour unchanged.
 */
export function withHeaders(behaviour: Behaviour, headers: Record<string, string>): Behaviour {
  if (behaviour.kind === 'ok' || behaviour.kind === 'error' || behaviour.kind === 'html') return { ...behaviour, headers: { ...behaviour.headers, ...headers } };
  return behaviour;
}

export const reset = (): Behaviour => ({ kind: 'reset' });
export const hang = (): Behaviour => ({ kind: 'hang' });
export const streamError = (afterDeltas: number, type = 'overloaded_error'): Behaviour => ({ kind: 'stream-error', afterDeltas, type });
/** HTTP 200 SSE whose first event is an `error` event (no `message_start`, nothing billed). */
export const streamErrorAtStart = (type = 'overloaded_error'): Behaviour => ({ kind: 'stream-error', afterDeltas: 0, beforeMessageStart: true, type });
export const streamCut = (afterDeltas: number): Behaviour => ({ kind: 'stream-cut', afterDeltas });
export const streamGarbage = (afterDeltas: number): Behaviour => ({ kind: 'stream-garbage', afterDeltas });
