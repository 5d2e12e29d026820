/** Builders for the Anthropic Messages wire format (JSON bodies and SSE events). */

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

export function errorJson(type: string, message: string, errorCode?: string) {
  return { type: 'error', error: { type, message, ...(errorCode ? { details: { error_code: errorCode } } : {}) } };
}

export function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The events of a streamed message, split where content starts so a test can cut in between. */
export function streamEvents(id: string, model: string, text: string, inputTokens: number, outputTokens: number, cache: CacheUsage = {}) {
  const head = [
    sse('message_start', {
      type: 'message_start',
      message: { ...messageJson(id, model, '', inputTokens, 1, cache), content: [], stop_reason: null },
    }),
    sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    sse('ping', { type: 'ping' }),
  ];
  const deltas = textDeltas(text).map((t) => sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: t } }));
  const tail = [
    sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: outputTokens } }),
    sse('message_stop', { type: 'message_stop' }),
  ];
  return { head, deltas, tail };
}
