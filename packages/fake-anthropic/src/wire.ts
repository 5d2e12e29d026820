/**
 * The Anthropic Messages wire format, as the fakes here and the storm lab's simulated
 * service (`@stormwatch/sim`) answer in: JSON message and error bodies, the SSE events of a
 * stream, and the headers that go with them. The shapes follow the Messages API reference.
 */

export interface MessageRequestBody {
  model?: string;
  max_tokens?: number;
  stream?: boolean;
  messages?: unknown;
  system?: unknown;
}

/** A deterministic token count for a request: one token per four characters of its messages. */
export function countInputTokens(body: MessageRequestBody): number {
  return Math.max(1, Math.ceil(JSON.stringify([body.system ?? '', body.messages ?? []]).length / 4));
}

export const DEFAULT_TEXT = 'The storm passed; the answer arrived.';

/** Splits text into deltas of about one word each (the stream's content events). */
export function textDeltas(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [text];
}

/** Prompt-cache token counts of a response. */
export interface CacheUsage {
  readonly cacheReadInputTokens?: number;
  readonly cacheCreationInputTokens?: number;
}

/** The JSON body of a successful non-streaming `POST /v1/messages`. */
export function messageJson(id: string, model: string, text: string, inputTokens: number, outputTokens: number, cache: CacheUsage = {}) {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: inputTokens,
      output_tokens: outputTokens,
      cache_creation_input_tokens: cache.cacheCreationInputTokens ?? 0,
      cache_read_input_tokens: cache.cacheReadInputTokens ?? 0,
    },
  };
}

/** What an error body says besides its type and message. */
export interface ErrorDetails {
  /** The answer's `request-id`, repeated in the body as the API does. */
  readonly requestId?: string;
  /** `error.details.error_code` (a spend limit: `enforced_spend_limit_reached`...). */
  readonly errorCode?: string;
}

/**
 * The JSON body of an error answer, `{ type: 'error', error: { type, message }, request_id }`;
 * also the data of a stream's `error` event, which carries no `request_id`.
 */
export function errorJson(type: string, message: string, { requestId, errorCode }: ErrorDetails = {}) {
  return {
    type: 'error',
    error: { type, message, ...(errorCode ? { details: { error_code: errorCode } } : {}) },
    ...(requestId === undefined ? {} : { request_id: requestId }),
  };
}

/** The headers of a JSON answer: its content type and `request-id`. */
export function jsonHeaders(requestId: string): Record<string, string> {
  return { 'content-type': 'application/json', 'request-id': requestId };
}

/** The headers of a `200` SSE stream. */
export function streamHeaders(requestId: string): Record<string, string> {
  return { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': requestId };
}

/** What a rate limit has left, for the `anthropic-ratelimit-*-remaining` headers. */
export interface RateLimitRemaining {
  readonly requests?: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
}

/** The headers of a 429: `retry-after` (seconds, or any raw string) and what is left of each limit. */
export function rateLimitHeaders(retryAfter: number | string, remaining: RateLimitRemaining): Record<string, string> {
  return {
    'retry-after': String(retryAfter),
    ...(remaining.requests === undefined ? {} : { 'anthropic-ratelimit-requests-remaining': String(remaining.requests) }),
    ...(remaining.inputTokens === undefined ? {} : { 'anthropic-ratelimit-input-tokens-remaining': String(remaining.inputTokens) }),
    ...(remaining.outputTokens === undefined ? {} : { 'anthropic-ratelimit-output-tokens-remaining': String(remaining.outputTokens) }),
  };
}

/** A JSON answer as a fetch `Response`, for a service answered in-process (the storm lab's): {@link jsonHeaders}, then `headers`. */
export function jsonResponse(status: number, body: unknown, requestId: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...jsonHeaders(requestId), ...headers } });
}

/** An error answer as a fetch `Response`: the {@link errorJson} body with its `request_id`. */
export function errorResponse(status: number, type: string, message: string, requestId: string, headers: Record<string, string> = {}): Response {
  return jsonResponse(status, errorJson(type, message, { requestId }), requestId, headers);
}

/** One SSE event: an `event:` and a `data:` line. */
export function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The events that open a stream, before any content: `message_start` (its usage carries the
 * input tokens and one output token), the text block's `content_block_start`, and a `ping`.
 */
export function streamHead(id: string, model: string, inputTokens: number, cache: CacheUsage = {}): string[] {
  return [
    sse('message_start', {
      type: 'message_start',
      message: { ...messageJson(id, model, '', inputTokens, 1, cache), content: [], stop_reason: null },
    }),
    sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    sse('ping', { type: 'ping' }),
  ];
}

/** A `content_block_delta` carrying `text`. */
export function textDeltaEvent(text: string): string {
  return sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
}

/** The events that close a stream that completes: block stop, `message_delta` with the output usage, `message_stop`. */
export function streamTail(outputTokens: number): string[] {
  return [
    sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: outputTokens } }),
    sse('message_stop', { type: 'message_stop' }),
  ];
}

/** The `error` event a stream carries when the service fails it after HTTP 200 (`overloaded_error` by default). */
export function errorEvent(type = 'overloaded_error', message = 'Overloaded'): string {
  return sse('error', errorJson(type, message));
}

/** The events of a streamed message, split where content starts so a test can cut in between. */
export function streamEvents(id: string, model: string, text: string, inputTokens: number, outputTokens: number, cache: CacheUsage = {}) {
  return { head: streamHead(id, model, inputTokens, cache), deltas: textDeltas(text).map(textDeltaEvent), tail: streamTail(outputTokens) };
}
