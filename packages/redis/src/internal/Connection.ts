import { createClient, type RedisClientType } from '@redis/client';

/** A connection attempt that takes longer is abandoned and tried again. */
const CONNECT_TIMEOUT_MS = 2000;

/** Reconnection: 50 ms doubling to 1 s, with jitter so a fleet does not reconnect in step. Never gives up. */
export function reconnectDelay(failures: number): number {
  return Math.min(50 * 2 ** failures, 1000) + Math.floor(Math.random() * 100);
}

export interface ConnectionOptions {
  /** At most this many commands wait for Redis on one connection; more fail at once. Unbounded when not given. */
  readonly maxInFlight?: number;
  /** Called whenever a connection becomes ready (the first, and every reconnection). */
  readonly onReady?: () => void;
}

/**
 * One connection to Redis through node-redis that never holds the process's event loop open,
 * connected, reconnecting or idle: a library must not keep a service alive by itself, and a
 * script that forgets `close()` must still exit.
 *
 * node-redis' `client.unref()` unrefs the socket (of every reconnection too), but the client
 * waits between its own reconnection attempts on a referenced timer (`setTimeout` of
 * `node:timers/promises`, in `RedisSocket#connect`, @redis/client 6.4), which it offers no way
 * to unref: while Redis is unreachable, that timer alone kept a process alive. So node-redis
 * is told never to reconnect (`reconnectStrategy: false`: a lost or failed connection ends
 * the client with `'terminated'`), and this class makes a new client after a delay on a timer
 * of its own, unref'd. Each client is unref'd before it connects, so its socket never holds
 * the loop either. Commands are never queued while disconnected (the offline queue is off):
 * they fail at once.
 */
export class Connection {
  #client: RedisClientType;
  #closed = false;
  #everReady = false;
  /** Connection attempts that failed since the last ready one. */
  #failures = 0;
  #retry: NodeJS.Timeout | undefined;
  #lastError: Error | undefined;
  #resolveFirstReady!: () => void;
  /** Settles when the first connection is ready, or when this is closed. */
  readonly firstReady = new Promise<void>((resolve) => (this.#resolveFirstReady = resolve));

  constructor(
    private readonly url: string,
    private readonly options: ConnectionOptions = {},
  ) {
    this.#client = this.#connect();
  }

  /** The current client: commands go to it. Another one after a reconnection or {@link replace}. */
  get client(): RedisClientType {
    return this.#client;
  }

  /** Whether a connection was ever ready. */
  get everReady(): boolean {
    return this.#everReady;
  }

  /** The last connection error node-redis reported, for messages. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** Drops the current connection (its waiting commands fail) and connects again at once. */
  replace(): void {
    if (this.#closed) return;
    const stale = this.#client;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#client = this.#connect();
    stale.destroy();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#client.destroy();
    this.#resolveFirstReady();
  }

  #connect(): RedisClientType {
    const client: RedisClientType = createClient({
      url: this.url,
      disableOfflineQueue: true,
      ...(this.options.maxInFlight === undefined ? {} : { commandsQueueMaxLength: this.options.maxInFlight }),
      socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: false },
    });
    // Every failure also reaches the operation that met it; the listener only keeps
    // node-redis' 'error' events from crashing the process.
    client.on('error', (error: unknown) => {
      this.#lastError = error instanceof Error ? error : new Error(String(error));
    });
    let wasReady = false;
    client.on('ready', () => {
      wasReady = true;
      this.#failures = 0;
      this.#everReady = true;
      this.#resolveFirstReady();
      this.options.onReady?.();
    });
    // The connection failed or was lost, and node-redis gave it up (it never reconnects by
    // itself here): a new client, at once after a lost connection, after a growing delay
    // after a failed attempt. The new client is made on the timer, not here: the commands
    // the lost one held fail after this event, and their callers compare clients.
    client.on('terminated', () => {
      if (this.#closed || client !== this.#client) return;
      const delay = wasReady ? 0 : reconnectDelay(this.#failures++);
      this.#retry = setTimeout(() => {
        this.#retry = undefined;
        if (this.#closed || client !== this.#client) return;
        this.#client = this.#connect();
        client.destroy(); // releases what the ended client still holds; idempotent
      }, delay);
      this.#retry.unref();
    });
    client.unref(); // before connect(): every socket of this client is made unref'd
    // Rejects when the attempt fails ('terminated' follows) or the client is closed while
    // connecting; the failure is the operations' to report.
    client.connect().catch(() => {});
    return client;
  }
}
