import type { DeferReceipt, DeferredTask, Deferrer } from './Deferrer.js';

/**
 * A {@link Deferrer} that keeps tasks in process memory, for tests and for services that
 * drain deferred work themselves. Tasks are lost if the process exits; `maxTasks` bounds
 * memory (a full deferrer rejects, and the policy then retries as if none were configured).
 */
export class InMemoryDeferrer implements Deferrer {
  readonly #tasks = new Map<string, DeferredTask>();
  #next = 1;

  /** @param maxTasks most tasks held at once. Defaults to 10 000. */
  constructor(readonly maxTasks = 10_000) {
    if (!Number.isInteger(maxTasks) || maxTasks < 1) throw new RangeError(`InMemoryDeferrer: maxTasks must be a positive integer, got ${String(maxTasks)}`);
  }

  defer(task: DeferredTask): Promise<DeferReceipt> {
    if (this.#tasks.size >= this.maxTasks) return Promise.reject(new RangeError(`InMemoryDeferrer is full (${this.maxTasks} tasks)`));
    const id = `deferred-${this.#next++}`;
    this.#tasks.set(id, task);
    return Promise.resolve({ id, deferredAt: task.deferredAt });
  }

  /** Tasks waiting, oldest first. */
  get tasks(): ReadonlyMap<string, DeferredTask> {
    return this.#tasks;
  }

  get size(): number {
    return this.#tasks.size;
  }

  /** Removes and returns every waiting task, oldest first. */
  drain(): Array<[string, DeferredTask]> {
    const all = [...this.#tasks];
    this.#tasks.clear();
    return all;
  }
}
