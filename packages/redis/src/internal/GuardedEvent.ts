import { LISTENER_ERROR_WARNING, type Event } from '@stormwatch/core';
import { EventEmitter } from 'cockatiel';

/**
 * A cockatiel `EventEmitter` whose listeners cannot throw into the store: what a listener
 * throws becomes a process warning (once per event), and the operation goes on with its
 * answer. A store event is emitted in the middle of a call's admission; a broken listener
 * must not fail that call.
 */
export class GuardedEvent<T> {
  readonly #inner = new EventEmitter<T>();
  #warned = false;

  constructor(private readonly name: string) {}

  /** The `Event<T>` subscribers call: `store.onDegraded(listener)`. */
  readonly addListener: Event<T> = (listener) =>
    this.#inner.addListener((value) => {
      try {
        listener(value);
      } catch (error) {
        this.#warn(error);
      }
    });

  emit(value: T): void {
    this.#inner.emit(value);
  }

  #warn(error: unknown): void {
    if (this.#warned || typeof process?.emitWarning !== 'function') return;
    this.#warned = true;
    const message = error instanceof Error ? error.message : String(error);
    process.emitWarning(`redisStore: an ${this.name} listener threw: ${message} (the store went on)`, { code: LISTENER_ERROR_WARNING });
  }
}
