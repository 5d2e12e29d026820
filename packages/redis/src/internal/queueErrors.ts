// The errors of @stormwatch/queue's TaskQueue contract, with the same names, messages and
// brands: `isPayloadTooLargeError` and `isTaskNotFoundError` from @stormwatch/queue (and
// the policy, which reports a refused deferral) recognise them by brand. This package does
// not depend on @stormwatch/queue (the queue package's tests and CLI are to use this one:
// the arrows point down, to @stormwatch/core, which holds the TaskQueue types both share).

/** `defer()` refused a payload larger than the queue's `maxPayloadBytes`. */
export class PayloadTooLargeError extends Error {
  readonly isPayloadTooLargeError = true;
  override readonly name = 'PayloadTooLargeError';

  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
    options?: ErrorOptions,
  ) {
    super(`deferred payload is ${bytes} bytes as JSON, over the queue's maxPayloadBytes of ${maxBytes}`, options);
  }
}

/** No task has this id in the queue (never deferred here, purged, or past its retention). */
export class TaskNotFoundError extends Error {
  readonly isTaskNotFoundError = true;
  override readonly name = 'TaskNotFoundError';

  constructor(
    readonly id: string,
    options?: ErrorOptions,
  ) {
    super(`no task ${JSON.stringify(id)} in the queue`, options);
  }
}

/** The longest error text a task keeps, in characters (as @stormwatch/queue). */
const MAX_ERROR_CHARS = 2000;

/**
 * The payload as JSON text, or the reason it is refused: `PayloadTooLargeError` over
 * `maxBytes` UTF-8 bytes, `TypeError` for what JSON cannot hold. As @stormwatch/queue's.
 */
export function encodePayload(payload: unknown, maxBytes: number): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (error) {
    throw new TypeError(`deferred payload is not JSON-serializable: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (json === undefined) throw new TypeError(`deferred payload is not JSON-serializable: got ${typeof payload}`);
  const bytes = json.length * 3 <= maxBytes ? json.length : Buffer.byteLength(json, 'utf8');
  if (bytes > maxBytes) throw new PayloadTooLargeError(bytes, maxBytes);
  return json;
}

/** An error as a task records it (`lastError`): `name: message`, never its request or headers. As @stormwatch/queue's. */
export function describeError(error: unknown): string {
  let text: string;
  if (typeof error === 'string') text = error;
  else if (error instanceof Error || (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string')) {
    const e = error as { name?: unknown; message: string };
    text = `${typeof e.name === 'string' ? e.name : 'Error'}: ${e.message}`;
  } else text = String(error);
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 1)}…` : text;
}
