import { EventEmitter, type Event } from 'cockatiel';

/** Receives what a listener threw, with the name of the event it listened to. */
export type ListenerErrorSink = (event: string, error: unknown) => void;

/**
 * A cockatiel `EventEmitter` whose listeners cannot throw into the code that emits: each
 * listener is wrapped when it subscribes, and what it throws goes to `sink` instead. A
 * listener's exception therefore never changes what a call does or returns.
 */
export class GuardedEmitter<T> {
  readonly #inner = new EventEmitter<T>();

  constructor(
    readonly name: string,
    private readonly sink: ListenerErrorSink,
  ) {}

  /** The `Event<T>` subscribers call: `policy.onCallEnd(listener)`. */
  readonly addListener: Event<T> = (listener) =>
    this.#inner.addListener((value) => {
      try {
        listener(value);
      } catch (error) {
        this.sink(this.name, error);
      }
    });

  /** Number of listeners: emitters skip building an event nobody listens to. */
  get size(): number {
    return this.#inner.size;
  }

  emit(value: T): void {
    this.#inner.emit(value);
  }
}
