import type { Behaviour } from './behaviours.js';
import type { Connection } from './Connection.js';
import { countInputTokens, DEFAULT_TEXT, errorEvent, errorJson, jsonHeaders, messageJson, streamEvents, streamHeaders, textDeltas, type MessageRequestBody } from './wire.js';

/** Waits `ms` milliseconds (a real timer, or a virtual clock's sleep). */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise<void>((r) => setTimeout(r, ms));

/** Sends a JSON body with its length and `request-id`. */
export function sendJson(connection: Connection, status: number, body: unknown, requestId: string, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  connection.head(status, { ...jsonHeaders(requestId), 'content-length': String(Buffer.byteLength(text)), ...headers });
  connection.end(text);
}

/** Answers one `POST /v1/messages` as `behaviour` says. `seq` numbers the ids. */
export async function respond(behaviour: Behaviour, seq: number, body: MessageRequestBody | undefined, connection: Connection, sleep: Sleep): Promise<void> {
  const b = behaviour;
  const id = `msg_fake_${seq}`;
  const model = body?.model ?? 'unknown-model';
  const inputTokens = ('inputTokens' in b && b.inputTokens) || (body ? countInputTokens(body) : 1);
  const requestId = `req_fake_${seq}`;
  const sseHeaders = streamHeaders(requestId);
  const wait = (ms: number | undefined) => (ms ? sleep(ms) : Promise.resolve());
  switch (b.kind) {
    case 'ok': {
      await wait(b.delayMs);
      const text = b.text ?? DEFAULT_TEXT;
      const outputTokens = b.outputTokens ?? textDeltas(text).length;
      const cache = {
        ...(b.cacheReadInputTokens === undefined ? {} : { cacheReadInputTokens: b.cacheReadInputTokens }),
        ...(b.cacheCreationInputTokens === undefined ? {} : { cacheCreationInputTokens: b.cacheCreationInputTokens }),
      };
      const named = b.model ?? model;
      if (!body?.stream) return sendJson(connection, 200, messageJson(id, named, text, inputTokens, outputTokens, cache), requestId, b.headers);
      connection.head(200, { ...sseHeaders, ...b.headers });
      const { head, deltas, tail } = streamEvents(id, named, text, inputTokens, outputTokens, cache);
      if (!b.deltaDelayMs) return connection.end([...head, ...deltas, ...tail].join(''));
      connection.write(head.join(''));
      for (const delta of deltas) {
        await wait(b.deltaDelayMs);
        if (connection.closed) return; // the client went away (an abort)
        connection.write(delta);
      }
      return connection.end(tail.join(''));
    }
    case 'error':
      await wait(b.delayMs);
      return sendJson(connection, b.status, errorJson(b.type, b.message ?? b.type, { requestId, errorCode: b.errorCode }), requestId, b.headers);
    case 'html': {
      const page = b.body ?? '<html><body>error</body></html>';
      connection.head(b.status, { 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(page)), ...b.headers });
      return connection.end(page);
    }
    case 'reset':
      await wait(b.delayMs);
      return connection.destroy();
    case 'hang':
      return; // ends when the client gives up or the server closes
    case 'stream-error':
    case 'stream-cut':
    case 'stream-garbage': {
      const text = b.text ?? DEFAULT_TEXT;
      const { head, deltas } = streamEvents(id, model, text, inputTokens, textDeltas(text).length);
      connection.head(200, sseHeaders);
      const before = b.kind === 'stream-error' && b.beforeMessageStart ? [] : [...head, ...deltas.slice(0, b.afterDeltas)];
      if (before.length) connection.write(before.join(''));
      if (b.kind === 'stream-error') return connection.end(errorEvent(b.type, b.message));
      if (b.kind === 'stream-garbage') return connection.end('event: content_block_delta\ndata: {"type": "content_block_delta", "index": 0, "delta": {not json\n\n');
      // Let the bytes leave before the cut, as a proxy dying mid-stream does.
      await realSleep(20);
      return connection.destroy();
    }
  }
}
