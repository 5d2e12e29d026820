/** One request of a batch to be, with its size in the create request's JSON body. */
export interface SizedRequest<T> {
  readonly item: T;
  /** UTF-8 bytes of `{"custom_id":…,"params":…}`. */
  readonly bytes: number;
}

/** `{"requests":[` and `]}`, and the comma between two requests. */
const ENVELOPE_BYTES = 15;
const SEPARATOR_BYTES = 1;

/**
 * Splits requests into batches of at most `maxRequests` requests and `maxBytes` bytes of
 * body each, in order. A request that alone exceeds `maxBytes` goes to `tooLarge` (it can
 * never be batched). Pure.
 */
export function splitIntoBatches<T>(requests: readonly SizedRequest<T>[], maxRequests: number, maxBytes: number): { batches: T[][]; tooLarge: T[] } {
  const batches: T[][] = [];
  const tooLarge: T[] = [];
  let current: T[] = [];
  let bytes = ENVELOPE_BYTES;
  for (const { item, bytes: size } of requests) {
    if (ENVELOPE_BYTES + size > maxBytes) {
      tooLarge.push(item);
      continue;
    }
    const added = (current.length > 0 ? SEPARATOR_BYTES : 0) + size;
    if (current.length >= maxRequests || bytes + added > maxBytes) {
      batches.push(current);
      current = [];
      bytes = ENVELOPE_BYTES;
    }
    bytes += (current.length > 0 ? SEPARATOR_BYTES : 0) + size;
    current.push(item);
  }
  if (current.length > 0) batches.push(current);
  return { batches, tooLarge };
}
