import type { SimCallResult } from './PolicyUnderTest.js';

/** The error a deferred call ends with when its task went to `dead`. */
export class DeferredTaskDeadError extends Error {
  readonly isDeferredTaskDeadError = true;
  constructor(
    readonly taskId: string,
    readonly reason: string,
    readonly deferredAtMs: number,
    options?: ErrorOptions,
  ) {
    super(`deferred task ${taskId} is dead: ${reason}`, options);
    this.name = 'DeferredTaskDeadError';
  }
}

interface Waiter {
  readonly deferredAtMs: number;
  resolve(result: SimCallResult): void;
  reject(error: unknown): void;
  readonly promise: Promise<SimCallResult>;
}

/**
 * The calls a deferral row handed to its queue, each waiting for its task: the call's record
 * stays open until the task is done (answered) or dead (rejected), or the worker that runs
 * the tasks failed (every waiting call rejected).
 */
export class DeferredCalls {
  readonly #waiters = new Map<string, Waiter>();

  /** Calls still waiting for their task. */
  get size(): number {
    return this.#waiters.size;
  }

  /** A task was deferred at `deferredAtMs`: its call waits from now on. */
  add(id: string, deferredAtMs: number): void {
    let resolve!: (r: SimCallResult) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<SimCallResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined); // awaited by the caller; never an unhandled rejection meanwhile
    this.#waiters.set(id, { deferredAtMs, resolve, reject, promise });
  }

  /** Resolves when the deferred task `id` is answered; rejects when it is dead. */
  completion(id: string): Promise<SimCallResult> {
    const waiter = this.#waiters.get(id);
    if (waiter === undefined) return Promise.reject(new Error(`no deferred task ${id} in this run`));
    return waiter.promise;
  }

  /** The task's call got its answer (the task is marked done afterwards: {@link done}). */
  answer(id: string, result: SimCallResult): void {
    this.#waiters.get(id)?.resolve(result);
  }

  /** The task is done: its call no longer waits. */
  done(id: string): void {
    this.#waiters.delete(id);
  }

  /** The task went to `dead`: its call ends with {@link DeferredTaskDeadError}. */
  dead(id: string, reason: string, error: unknown): void {
    const waiter = this.#waiters.get(id);
    if (waiter !== undefined) waiter.reject(new DeferredTaskDeadError(id, reason, waiter.deferredAtMs, { cause: error }));
    this.#waiters.delete(id);
  }

  /** The worker failed: every waiting call ends with its error. */
  failAll(error: unknown): void {
    for (const w of this.#waiters.values()) w.reject(error);
    this.#waiters.clear();
  }
}
