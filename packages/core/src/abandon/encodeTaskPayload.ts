import { PayloadTooLargeError } from '../errors/PayloadTooLargeError.js';

const utf8 = new TextEncoder();

/**
 * The payload as the JSON text a durable queue stores (SQLite's and Redis' alike), or the reason it refuses it: a
 * `PayloadTooLargeError` over `maxBytes` (UTF-8 bytes of the JSON), a `TypeError` for what
 * JSON cannot hold (a function, `undefined`, a `BigInt`, a cycle). Pure.
 */
export function encodeTaskPayload(payload: unknown, maxBytes: number): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (error) {
    throw new TypeError(`deferred payload is not JSON-serializable: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (json === undefined) throw new TypeError(`deferred payload is not JSON-serializable: got ${typeof payload}`);
  // Worst case a UTF-16 code unit is 3 UTF-8 bytes: most payloads skip the exact count.
  const bytes = json.length * 3 <= maxBytes ? json.length : utf8.encode(json).length;
  if (bytes > maxBytes) throw new PayloadTooLargeError(bytes, maxBytes);
  return json;
}
