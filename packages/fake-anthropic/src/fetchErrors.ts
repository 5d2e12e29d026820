/**
 * What undici's `fetch` rejects with (or errors a body with), so that an in-process fetch
 * fails the way the real one does and the SDK and the classifiers see the real shapes.
 */

/** `TypeError('fetch failed')`, cause `read ECONNRESET`: the peer reset the connection before answering. */
export function connectionResetError(): TypeError {
  const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
  return new TypeError('fetch failed', { cause });
}

/** `TypeError('terminated')`, cause `other side closed`: the connection closed while the body was read. */
export function terminatedError(): TypeError {
  return new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
}

/** The error fetch rejects with (or errors the body with) when its signal aborts: the signal's reason. */
export function abortError(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
