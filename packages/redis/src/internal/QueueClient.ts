import { createClient, ErrorReply, type RedisClientType } from '@redis/client';
import { RedisQueueError } from '../errors/RedisQueueError.js';
import { redact } from '../options.js';
import type { QueueScript } from './queueScripts.js';

/** A connection attempt that takes longer is abandoned and tried again. */
const CONNECT_TIMEOUT_MS = 2000;

/** Reconnection: 50 ms doubling to 1 s, with jitter so a fleet does not reconnect in step. Never gives up. */
function reconnectDelay(retries: number): number {
  return Math.min(50 * 2 ** retries, 1000) + Math.floor(Math.random() * 100);
}

/**
 * Runs the deferrer's scripts on one Redis connection, each within `timeoutMs`: `EVALSHA`,
 * and `EVAL` when Redis answers `NOSCRIPT` (after a restart or a failover). While the
 * connection is down a command fails at once with a `RedisQueueError` (node-redis' offline
 * queue is off: a claim or a completion queued for minutes would run long after its caller
 * gave up); the client reconnects in the background.
 */
export class QueueClient {
  readonly #client: RedisClientType;
  readonly #firstReady: Promise<void>;
  #lastConnectionError: Error | undefined;
  #everReady = false;

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {
    this.#client = createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: reconnectDelay } });
    // Every failure also reaches the operation that met it; the listener keeps node-redis'
    // 'error' events from crashing the process.
    this.#client.on('error', (error: unknown) => void (this.#lastConnectionError = error instanceof Error ? error : new Error(String(error))));
    this.#client.on('ready', () => void (this.#everReady = true));
    this.#firstReady = new Promise((resolve) => {
      this.#client.once('ready', () => resolve());
      this.#client.once('end', () => resolve());
    });
    this.#client.unref();
    this.#client.connect().catch(() => {}); // the failure is the operations' to report
  }

  /** Runs `script` with the queue's base key; rejects with a `RedisQueueError` within `timeoutMs`. */
  async run(script: QueueScript, base: string, args: readonly string[]): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisQueueError('timeout', script.name, `Redis at ${redact(this.url)} did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      return await Promise.race([this.#send(script, base, args), timeout]);
    } catch (error) {
      throw this.#classify(script.name, error);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  async #send(script: QueueScript, base: string, args: readonly string[]): Promise<unknown> {
    if (!this.#everReady) await this.#firstReady; // the first connection is worth waiting for, within the deadline
    try {
      return await this.#client.sendCommand(['EVALSHA', script.sha, '1', base, ...args]);
    } catch (error) {
      if (!(error instanceof ErrorReply) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await this.#client.sendCommand(['EVAL', script.source, '1', base, ...args]);
    }
  }

  #classify(operation: string, error: unknown): RedisQueueError {
    if (error instanceof RedisQueueError && error.problem === 'timeout' && !this.#everReady) {
      const last = this.#lastConnectionError ? ` (${this.#lastConnectionError.message})` : '';
      return new RedisQueueError('connection', operation, `no connection to Redis at ${redact(this.url)} within ${this.timeoutMs} ms${last}`, { cause: this.#lastConnectionError });
    }
    if (error instanceof RedisQueueError) return error;
    if (error instanceof ErrorReply) return new RedisQueueError('error_reply', operation, `Redis answered an error: ${error.message}`, { cause: error });
    const message = error instanceof Error ? error.message : String(error);
    const last = this.#lastConnectionError && this.#lastConnectionError !== error ? ` (last connection error: ${this.#lastConnectionError.message})` : '';
    return new RedisQueueError('connection', operation, `no usable connection to Redis at ${redact(this.url)}: ${message}${last}`, { cause: error });
  }
}
