import { ErrorReply } from '@redis/client';
import { RedisQueueError } from '../errors/RedisQueueError.js';
import { redact } from '../options.js';
import { Connection } from './Connection.js';
import type { QueueScript } from './queueScripts.js';

/**
 * Runs the deferrer's scripts on one Redis connection, each within `timeoutMs`: `EVALSHA`,
 * and `EVAL` when Redis answers `NOSCRIPT` (after a restart or a failover). While the
 * connection is down a command fails at once with a `RedisQueueError` (node-redis' offline
 * queue is off: a claim or a completion queued for minutes would run long after its caller
 * gave up); the {@link Connection} reconnects in the background and never keeps the process
 * alive.
 */
export class QueueClient {
  readonly #connection: Connection;

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {
    this.#connection = new Connection(url);
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
    this.#connection.close();
  }

  async #send(script: QueueScript, base: string, args: readonly string[]): Promise<unknown> {
    if (!this.#connection.everReady) await this.#connection.firstReady; // the first connection is worth waiting for, within the deadline
    const client = this.#connection.client;
    try {
      return await client.sendCommand(['EVALSHA', script.sha, '1', base, ...args]);
    } catch (error) {
      if (!(error instanceof ErrorReply) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await client.sendCommand(['EVAL', script.source, '1', base, ...args]);
    }
  }

  #classify(operation: string, error: unknown): RedisQueueError {
    if (error instanceof RedisQueueError && error.problem === 'timeout' && !this.#connection.everReady) {
      const last = this.#connection.lastError ? ` (${this.#connection.lastError.message})` : '';
      return new RedisQueueError('connection', operation, `no connection to Redis at ${redact(this.url)} within ${this.timeoutMs} ms${last}`, { cause: this.#connection.lastError });
    }
    if (error instanceof RedisQueueError) return error;
    if (error instanceof ErrorReply) return new RedisQueueError('error_reply', operation, `Redis answered an error: ${error.message}`, { cause: error });
    const message = error instanceof Error ? error.message : String(error);
    const last = this.#connection.lastError && this.#connection.lastError !== error ? ` (last connection error: ${this.#connection.lastError.message})` : '';
    return new RedisQueueError('connection', operation, `no usable connection to Redis at ${redact(this.url)}: ${message}${last}`, { cause: error });
  }
}
