import { ErrorReply } from '@redis/client';
import type { DegradationReason } from '../events.js';
import { Connection } from './Connection.js';
import type { Script } from './scripts.js';

/** Why a script did not give a usable answer; the store then answers locally. */
export class StoreFailure extends Error {
  override readonly name = 'StoreFailure';
  constructor(
    readonly reason: DegradationReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** At most this many commands wait for Redis on one connection; more fail at once. */
const MAX_IN_FLIGHT = 1000;

/**
 * Runs the store's scripts on one Redis connection, each within a deadline: `EVALSHA`, and
 * `EVAL` (which caches the script again) when Redis answers `NOSCRIPT` after a restart, a
 * failover or a `SCRIPT FLUSH`. Commands are never queued while disconnected (node-redis'
 * offline queue is off): they fail at once and the store answers locally. The
 * {@link Connection} reconnects in the background and never keeps the process alive.
 *
 * A connection on which nothing has been answered for `staleMs` while commands wait (Redis
 * hung, a network that drops packets) is replaced: otherwise the scripts that timed out
 * would all run when Redis wakes, long after their callers went on (stale slots, counted
 * twice).
 */
export class ScriptClient {
  readonly #connection: Connection;
  #closed = false;
  #inFlight = 0;
  #lastAnswerAt = performance.now();
  readonly #staleMs: number;

  constructor(
    url: string,
    timeoutMs: number,
    /** Called whenever a connection becomes ready (the first, and every reconnection). */
    onReady: () => void,
  ) {
    this.#staleMs = Math.max(1000, 10 * timeoutMs);
    this.#connection = new Connection(url, { maxInFlight: MAX_IN_FLIGHT, onReady });
  }

  /** Runs `script` on `key`; rejects with a {@link StoreFailure} within `timeoutMs`. */
  async run(script: Script, key: string, args: readonly string[], timeoutMs: number): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = { passed: false };
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        deadline.passed = true;
        reject(new StoreFailure('timeout', `Redis did not answer ${script.name} within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.#send(script, key, args, deadline), timeout]);
    } catch (error) {
      if (error instanceof StoreFailure && error.reason === 'timeout') {
        if (!this.#connection.everReady) throw this.#connectionFailure('no connection to Redis yet');
        this.#replaceIfStale();
      }
      throw classify(error, this.#connection.lastError);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#connection.close();
  }

  async #send(script: Script, key: string, args: readonly string[], deadline: { readonly passed: boolean }): Promise<unknown> {
    if (!this.#connection.everReady) {
      await this.#connection.firstReady; // the first connection is worth waiting for, within the deadline
      if (deadline.passed) throw new StoreFailure('timeout', 'the first connection to Redis came after the deadline'); // not sent late
    }
    const client = this.#connection.client;
    this.#inFlight++;
    try {
      try {
        return await client.sendCommand(['EVALSHA', script.sha, '1', key, ...args]);
      } catch (error) {
        if (!(error instanceof ErrorReply) || !error.message.startsWith('NOSCRIPT') || deadline.passed) throw error;
        return await client.sendCommand(['EVAL', script.source, '1', key, ...args]);
      }
    } finally {
      if (client === this.#connection.client) {
        this.#inFlight--;
        this.#lastAnswerAt = performance.now();
      }
    }
  }

  #connectionFailure(message: string): StoreFailure {
    const last = this.#connection.lastError;
    return new StoreFailure('connection', last ? `${message} (${last.message})` : message, { cause: last });
  }

  #replaceIfStale(): void {
    if (this.#closed || this.#inFlight === 0 || performance.now() - this.#lastAnswerAt < this.#staleMs) return;
    this.#inFlight = 0;
    this.#lastAnswerAt = performance.now();
    this.#connection.replace();
  }
}

function classify(error: unknown, lastConnectionError: Error | undefined): StoreFailure {
  if (error instanceof StoreFailure) return error;
  if (error instanceof ErrorReply) return new StoreFailure('error_reply', `Redis answered an error: ${error.message}`, { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  const last = lastConnectionError && lastConnectionError !== error ? ` (last connection error: ${lastConnectionError.message})` : '';
  return new StoreFailure('connection', `no usable connection to Redis: ${message}${last}`, { cause: error });
}
