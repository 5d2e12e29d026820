const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * An error that waiting cannot fix (a malformed answer from a server): {@link eventually}
 * throws it at once instead of polling on until its timeout.
 */
export class PermanentError extends Error {}

/**
 * Calls `probe` until it returns a value that is not undefined, or throws the last error
 * (or a timeout error) after `timeoutMs`, or a {@link PermanentError} at once. For data that
 * arrives through the pipeline asynchronously (batching, remote write, the trace store).
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 500 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = undefined;
    } catch (error) {
      if (error instanceof PermanentError) throw error;
      last = error;
    }
    if (Date.now() > deadline) {
      const reason = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`, { cause: last });
    }
    await sleep(intervalMs);
  }
}
