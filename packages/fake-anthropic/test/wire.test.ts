import { describe, expect, it } from 'vitest';
import {
  abortError,
  connectionResetError,
  errorEvent,
  errorJson,
  errorResponse,
  jsonResponse,
  messageJson,
  rateLimitHeaders,
  streamEvents,
  streamHeaders,
  terminatedError,
} from '../src/index.js';

/** The `event:` names and parsed `data:` of an SSE text. */
function parseSse(text: string): { event: string; data: unknown }[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => {
      const [event, data] = frame.split('\n');
      return { event: event!.replace(/^event: /, ''), data: JSON.parse(data!.replace(/^data: /, '')) as unknown };
    });
}

describe('the wire builders', () => {
  it('stream a message as the Messages API does, ping after the block start', () => {
    const { head, deltas, tail } = streamEvents('msg_1', 'claude-sonnet-4-6', 'two words', 12, 2);
    const events = parseSse([...head, ...deltas, ...tail].join(''));
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const e of events) expect((e.data as { type: string }).type).toBe(e.event);
    expect(events[0]!.data).toEqual({
      type: 'message_start',
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-6',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 12, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    });
    expect(events.slice(3, 5).map((e) => e.data)).toEqual([
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'two ' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'words' } },
    ]);
    expect(events[6]!.data).toEqual({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 2 } });
  });

  it('send a mid-stream error as an error event without a request id', () => {
    expect(parseSse(errorEvent())).toEqual([{ event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }]);
    expect(parseSse(errorEvent('api_error', 'Internal server error'))[0]!.data).toEqual(errorJson('api_error', 'Internal server error'));
  });

  it('repeat the request id in an error body, with the error code when there is one', () => {
    expect(errorJson('overloaded_error', 'Overloaded', { requestId: 'req_1' })).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
      request_id: 'req_1',
    });
    expect(errorJson('rate_limit_error', 'limit', { errorCode: 'enforced_spend_limit_reached' })).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'limit', details: { error_code: 'enforced_spend_limit_reached' } },
    });
  });

  it('build fetch Responses with the JSON headers and the request id', async () => {
    const error = errorResponse(429, 'rate_limit_error', 'limit', 'req_2', rateLimitHeaders(3, { requests: 0, outputTokens: 50 }));
    expect(error.status).toBe(429);
    expect(Object.fromEntries(error.headers)).toEqual({
      'content-type': 'application/json',
      'request-id': 'req_2',
      'retry-after': '3',
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-output-tokens-remaining': '50',
    });
    expect(await error.json()).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'limit' }, request_id: 'req_2' });
    const message = jsonResponse(200, messageJson('msg_2', 'claude-opus-4-1', 'hi', 5, 1), 'req_3');
    expect([message.status, message.headers.get('request-id')]).toEqual([200, 'req_3']);
    expect(await message.json()).toMatchObject({ id: 'msg_2', content: [{ type: 'text', text: 'hi' }], usage: { input_tokens: 5, output_tokens: 1 } });
    expect(streamHeaders('req_4')).toEqual({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': 'req_4' });
  });

  it('fail a fetch as undici does', () => {
    expect(connectionResetError()).toMatchObject({ name: 'TypeError', message: 'fetch failed', cause: { message: 'read ECONNRESET', code: 'ECONNRESET', errno: -104, syscall: 'read' } });
    expect(terminatedError()).toMatchObject({ name: 'TypeError', message: 'terminated', cause: { code: 'UND_ERR_SOCKET' } });
    const aborted = new AbortController();
    aborted.abort(new Error('stop'));
    expect(abortError(aborted.signal)).toEqual(new Error('stop'));
    expect(abortError(undefined)).toMatchObject({ name: 'AbortError' });
  });
});
