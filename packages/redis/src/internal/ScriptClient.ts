import { createClient, ErrorReply, type RedisClientType } from '@redis/client';
import type { DegradationReason } from '../events.js';
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
/** A connection attempt that takes longer is abandoned and tried again. */
const CONNECT_TIMEOUT_MS = 2000;

/** Reconnection: 50 ms doubling to 1 s, with jitter so a fleet does not reconnect in step. Never gives up. */
function reconnectDelay(retries: number): number {
  return Math.min(50 * 2 ** retries, 1000) + Math.floor(Math.random() * 100);
}

type Client = RedisClientType;

/**
 * Runs the store's scripts on one Redis connection, each within a deadline: `EVALSHA`, and
 * `EVAL` (which caches the script again) when Redis answers `NOSCRIPT` after a restart, a
 * failover or a `SCRIPT FLUSH`. Commands are never queued while disconnected (node-redis'
 * offline queue is off): they fail at once and the store answers locally. The client
 * reconnects in the background.
 *
 * A connection on which nothing has been answered for `staleMs` while commands wait (Redis
 * hung, a network that drops packets) is replaced: otherwise the scripts that timed out
 * would all run when Redis wakes, long after their callers went on (stale slots, counted
 * twice).
 */
export class ScriptClient {
  #client: Client;
  /** Settles when the first connection is ready (or the client is closed). */
  readonly #firstReady: Promise<void>;
  #everReady = false;
  #closed = false;
  #inFlight = 0;
  #lastAnswerAt = performance.now();
  #lastConnectionError: Error | undefined;
  readonly #staleMs: number;

  constructor(
    private readonly url: string,
    timeoutMs: number,
    /** Called whenever a connection becomes ready (the first, and every reconnection). */
    private readonly onReady: () => void,
  ) {
    this.#staleMs = Math.max(1000, 10 * timeoutMs);
    this.#client = this.#connect();
    this.#firstReady = new Promise((resolve) => {
      const done = () => resolve();
      this.#client.once('ready', done);
      this.#client.once('end', done);
    });
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
        if (!this.#everReady) throw this.#connectionFailure('no connection to Redis yet');
        this.#replaceIfStale();
      }
      throw classify(error, this.#lastConnectionError);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.destroy();
  }

  async #send(script: Script, key: string, args: readonly string[], deadline: { readonly passed: boolean }): Promise<unknown> {
    if (!this.#everReady) {
      await this.#firstReady; // the first connection is worth waiting for, within the deadline
      if (deadline.passed) throw new StoreFailure('timeout', 'the first connection to Redis came after the deadline'); // not sent late
    }
    const client = this.#client;
    this.#inFlight++;
    try {
      try {
        return await client.sendCommand(['EVALSHA', script.sha, '1', key, ...args]);
      } catch (error) {
        if (!(error instanceof ErrorReply) || !error.message.startsWith('NOSCRIPT') || deadline.passed) throw error;
        return await client.sendCommand(['EVAL', script.source, '1', key, ...args]);
      }
    } finally {
      if (client === this.#client) {
        this.#inFlight--;
        this.#lastAnswerAt = performance.now();
      }
    }
  }

  #connect(): Client {
    const client = createClient({
      url: this.url,
      disableOfflineQueue: true,
      commandsQueueMaxLength: MAX_IN_FLIGHT,
      socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: reconnectDelay },
    });
    // Every failure also reaches the operation that met it; the listener only keeps
    // node-redis' 'error' events from crashing the process.
    client.on('error', (error: unknown) => {
      this.#lastConnectionError = error instanceof Error ? error : new Error(String(error));
    });
    client.on('ready', () => {
      this.#everReady = true;
      this.onReady();
    });
    // The connection never keeps the process alive: a script that forgets close() still exits
    // (while Redis is unreachable, node-redis' reconnection timer does keep it up until close()).
    client.unref();
    // Rejects only when the client is closed while connecting; the failure is the operations' to report.
    client.connect().catch(() => {});
    return client;
  }

  #connectionFailure(message: string): StoreFailure {
    const last = this.#lastConnectionError;
    return new StoreFailure('connection', last ? `${message} (${last.message})` : message, { cause: last });
  }

  #replaceIfStale(): void {
    if (this.#closed || this.#inFlight === 0 || performance.now() - this.#lastAnswerAt < this.#staleMs) return;
    const stale = this.#client;
    this.#inFlight = 0;
    this.#lastAnswerAt = performance.now();
    this.#client = this.#connect();
    stale.destroy();
  }
}

function classify(error: unknown, lastConnectionError: Error | undefined): StoreFailure {
  if (error instanceof StoreFailure) return error;
  if (error instanceof ErrorReply) return new StoreFailure('error_reply', `Redis answered an error: ${error.message}`, { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  const last = lastConnectionError && lastConnectionError !== error ? ` (last connection error: ${lastConnectionError.message})` : '';
  return new StoreFailure('connection', `no usable connection to Redis: ${message}${last}`, { cause: error });
}
