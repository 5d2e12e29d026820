/**
 * Counts events and sends them in as few operations as possible: one operation in flight
 * at a time, carrying every event counted since the last one. A process that makes
 * thousands of calls a second then sends a handful of operations, not one per call, and a
 * store's connection never fills with them.
 */
export class Coalescer {
  #pending = 0;
  #sending = false;

  constructor(private readonly send: (count: number) => Promise<unknown>) {}

  add(): void {
    this.#pending++;
    if (!this.#sending) this.#flush();
  }

  #flush(): void {
    const count = this.#pending;
    this.#pending = 0;
    this.#sending = true;
    void this.send(count).then(() => {
      this.#sending = false;
      if (this.#pending > 0) this.#flush();
    });
  }
}
