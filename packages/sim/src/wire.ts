/**
 * The Anthropic wire format the simulated service answers in: JSON messages, JSON error
 * bodies with their status codes and headers, and server-sent-event streams. Kept to
 * what the storm lab needs; the shapes follow the Messages API reference.
 */

/** A chunk of an SSE stream: one `event:`/`data:` pair. */
export function sseEvent(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export interface MessageShape {
  readonly id: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly text: string;
}

/** The JSON body of a successful non-streaming `POST /v1/messages`. */
export function messageJson(m: MessageShape): unknown {
  return {
    id: m.id,
    type: 'message',
    role: 'assistant',
    model: m.model,
    content: [{ type: 'text', text: m.text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: m.inputTokens, output_tokens: m.outputTokens },
  };
}

/** The opening `message_start` event of a stream (usage carries the input tokens). */
export function messageStartEvent(m: MessageShape): string {
  return sseEvent('message_start', {
    type: 'message_start',
    message: {
      id: m.id,
      type: 'message',
      role: 'assistant',
      model: m.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: m.inputTokens, output_tokens: 1 },
    },
  });
}

/** The `content_block_start` of the answer's one text block. */
export function contentBlockStartEvent(): string {
  return sseEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
}

/** A `content_block_delta` carrying `text`. */
export function textDeltaEvent(text: string): string {
  return sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
}

/** The closing events of a stream that completes: block stop, `message_delta` with the output usage, `message_stop`. */
export function messageEndEvents(m: MessageShape): string {
  return (
    sseEvent('content_block_stop', { type: 'content_block_stop', index: 0 }) +
    sseEvent('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: m.outputTokens },
    }) +
    sseEvent('message_stop', { type: 'message_stop' })
  );
}

/** The `error` event a stream carries when the service sheds it after HTTP 200. */
export function overloadedStreamEvent(): string {
  return sseEvent('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
}

/** The JSON body of an error answer. */
export function errorJson(type: string, message: string, requestId: string): unknown {
  return { type: 'error', error: { type, message }, request_id: requestId };
}

/** A wire-format error `Response` (`application/json`, `request-id`, extra headers). */
export function errorResponse(
  status: number,
  type: string,
  message: string,
  requestId: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(errorJson(type, message, requestId)), {
    status,
    headers: { 'content-type': 'application/json', 'request-id': requestId, ...headers },
  });
}

/** A wire-format `200` JSON message `Response`. */
export function messageResponse(m: MessageShape, requestId: string): Response {
  return new Response(JSON.stringify(messageJson(m)), {
    status: 200,
    headers: { 'content-type': 'application/json', 'request-id': requestId },
  });
}

/** The headers of a `200` SSE stream. */
export function streamHeaders(requestId: string): Record<string, string> {
  return { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': requestId };
}

/** The `TypeError('fetch failed')` undici throws when the peer resets the connection. */
export function connectionResetError(): TypeError {
  const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
  return new TypeError('fetch failed', { cause });
}

/** The error fetch rejects with when its signal aborts. */
export function abortError(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
