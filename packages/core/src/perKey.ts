/**
 * State kept per key (a model), created on first use: one map for everything a policy
 * keeps per model (breaker, retry budget, limiter), instead of one map per part.
 */
export class PerKey<T> {
  readonly #entries = new Map<string, T>();

  constructor(private readonly create: (key: string) => T) {}

  /** The key's state, created now if the key is new. */
  get(key: string): T {
    let entry = this.#entries.get(key);
    if (entry === undefined) this.#entries.set(key, (entry = this.create(key)));
    return entry;
  }

  /** The key's state if it exists; never creates it. */
  peek(key: string): T | undefined {
    return this.#entries.get(key);
  }

  entries(): IterableIterator<[string, T]> {
    return this.#entries.entries();
  }
}
