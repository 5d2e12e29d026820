import { countOf, type AdaptiveRateOptions, type Event, type OverloadStore, type SharedPace, type StoreHealth } from '@stormwatch/core';
import type { DegradationReason, StoreDegradedEvent, StoreOperation, StoreRecoveredEvent } from './events.js';
import { GuardedEvent } from './internal/GuardedEvent.js';
import { LocalFallback } from './internal/LocalFallback.js';
import { parseOk, parsePace, parseTaken, parseWait } from './internal/replies.js';
import { ScriptClient, StoreFailure } from './internal/ScriptClient.js';
import { ruleArguments, SCRIPTS } from './internal/scripts.js';
import { resolveOptions, type RedisStoreOptions, type ResolvedRedisStoreOptions } from './options.js';

/** While degraded, at most one operation per this many ms asks Redis whether it is back; the others answer locally at once. */
const PROBE_INTERVAL_MS = 500;

/**
 * The overload state of a fleet, shared through Redis: every process that uses the same
 * Redis and prefix admits calls on one schedule (one slot per `1 / rate` for the whole
 * fleet), learns one rate, honours one pause and spends one retry budget. Each operation
 * is one atomic Lua script; the semantics are exactly those of `InMemoryOverloadStore`.
 *
 * Redis trouble never fails or slows a call beyond `timeoutMs`: an operation that Redis does
 * not answer in time (down, slow, hung) or answers with an error or garbage is answered
 * from this process's local state, and the store reports {@link onDegraded}. While
 * degraded, operations answer locally at once, one every 500 ms asks Redis again, and the
 * first that Redis answers makes the store share again ({@link onRecovered}).
 */
export class RedisOverloadStore implements OverloadStore {
  readonly #options: ResolvedRedisStoreOptions;
  readonly #rules: readonly string[];
  readonly #client: ScriptClient;
  readonly #local: LocalFallback;
  readonly #degraded = new GuardedEvent<StoreDegradedEvent>('onDegraded');
  readonly #recovered = new GuardedEvent<StoreRecoveredEvent>('onRecovered');
  #closed = false;
  /** Set while the store answers locally: why, and since when (real time). */
  #degradation: { readonly reason: DegradationReason; readonly since: number } | undefined;
  #nextProbeAt = 0;
  #probing = false;
  readonly #localAnswers: Record<string, number> = {};
  /** The rate rules every process on this store applies (its `rate` options with the defaults filled in). */
  readonly rateOptions: Readonly<Required<AdaptiveRateOptions>>;

  /** The store stopped sharing (Redis down, slow or answering garbage); it answers locally until {@link onRecovered}. */
  readonly onDegraded: Event<StoreDegradedEvent> = this.#degraded.addListener;
  /** The store shares through Redis again. */
  readonly onRecovered: Event<StoreRecoveredEvent> = this.#recovered.addListener;

  /** @throws TypeError or RangeError for a bad option, naming it (a malformed `url` included). */
  constructor(options: RedisStoreOptions) {
    this.#options = resolveOptions(options);
    this.#rules = ruleArguments(this.#options);
    this.rateOptions = Object.freeze({ ...this.#options.rate });
    this.#local = new LocalFallback(this.#options.overload, this.#options.clock);
    // A reconnection is worth a probe at once: sharing resumes with the next operation.
    this.#client = new ScriptClient(this.#options.url, this.#options.timeoutMs, () => (this.#nextProbeAt = 0));
  }


  /** True while operations are shared through Redis; false while they are answered locally, and once the store is closed. */
  get sharing(): boolean {
    return !this.#closed && this.#degradation === undefined;
  }

  /**
   * Whether the store shares now, how many operations it answered locally since it was made,
   * by reason, and whether it is closed (then it shares nothing, and the counts are final).
   */
  health(): StoreHealth {
    const health = { sharing: this.sharing, localAnswers: { ...this.#localAnswers } };
    // `closed` only once closed: the shape of an open store's health is what it always was.
    return this.#closed ? { ...health, closed: true } : health;
  }

  async reserveSlot(key: string): Promise<number> {
    return (await this.#run('reserveSlot', key, [], parseWait, () => this.#local.store.reserveSlot(key))).value;
  }

  async recordCalls(key: string, calls: number): Promise<number> {
    const count = countOf(calls);
    return (await this.#run('recordCalls', key, [String(count)], parseWait, () => this.#local.store.recordCalls(key, count))).value;
  }

  async reportOverload(key: string, sentAgoMs = 0): Promise<void> {
    const ago = Number.isFinite(sentAgoMs) && sentAgoMs > 0 ? sentAgoMs : 0;
    await this.#run('reportOverload', key, [String(ago)], parseOk, () => this.#local.store.reportOverload(key, ago));
  }

  async pause(key: string, ms: number): Promise<void> {
    if (!(Number.isFinite(ms) && ms > 0)) return this.#local.store.pause(key, ms); // no pause: nothing to share
    const { shared } = await this.#run('pause', key, [String(ms)], parseOk, () => this.#local.store.pause(key, ms));
    if (shared) this.#local.sharedPause(key, ms);
  }

  async setCircuit(key: string, openForMs: number): Promise<void> {
    if (!(openForMs >= 0) || !Number.isFinite(openForMs)) return this.#local.store.setCircuit(key, openForMs); // no verdict: nothing to share
    await this.#run('setCircuit', key, [String(openForMs)], parseOk, () => this.#local.store.setCircuit(key, openForMs));
  }

  async pace(key: string): Promise<SharedPace> {
    const { value, shared } = await this.#run('pace', key, [], parsePace, () => this.#local.store.pace(key));
    if (shared) this.#local.sharedPace(key, value);
    return value;
  }

  async deposit(key: string, calls = 1): Promise<void> {
    const count = countOf(calls);
    const { shared } = await this.#run('deposit', key, [String(count)], parseOk, () => this.#local.store.deposit(key, count));
    if (shared) this.#local.sharedDeposit(key, count);
  }

  async tryWithdraw(key: string): Promise<boolean> {
    const { value, shared } = await this.#run('tryWithdraw', key, [], parseTaken, () => this.#local.store.tryWithdraw(key));
    if (shared && value) this.#local.sharedWithdrawal(key);
    return value;
  }

  /**
   * Closes the connection; the store answers nothing after it (operations reject, as
   * `InMemoryOverloadStore`'s do). An operation already under way still gets its answer,
   * from the local state if Redis' answer is cut off.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.close();
  }

  /**
   * One operation: shared through its script when Redis may be asked, else (and whenever
   * Redis fails it) answered by `local`. Never rejects for Redis' sake.
   */
  async #run<S, L>(
    operation: StoreOperation,
    key: string,
    extra: readonly string[],
    parse: (reply: unknown) => S | undefined,
    local: () => Promise<L>,
  ): Promise<{ readonly value: S | L; readonly shared: boolean }> {
    if (this.#closed) throw new Error('RedisOverloadStore: the store is closed');
    const probe = this.#degradation !== undefined;
    if (probe && (this.#probing || performance.now() < this.#nextProbeAt)) return { value: await this.#answerLocally(this.#degradation!.reason, local), shared: false };
    if (probe) this.#probing = true;
    try {
      const now = this.#options.clock === undefined ? '' : String(this.#options.clock.now());
      const reply = await this.#client.run(SCRIPTS[operation], this.#options.prefix + 'overload:' + key, [now, ...this.#rules, ...extra], this.#options.timeoutMs);
      const answer = parse(reply);
      if (answer === undefined) throw new StoreFailure('malformed_reply', `Redis answered ${operation} with ${describe(reply)}, which the script never returns`);
      if (probe) this.#recover();
      return { value: answer, shared: true };
    } catch (error) {
      const failure = error instanceof StoreFailure ? error : new StoreFailure('connection', String(error), { cause: error });
      this.#degrade(operation, key, failure);
      return { value: await this.#answerLocally(failure.reason, local), shared: false };
    } finally {
      if (probe) this.#probing = false;
    }
  }

  #answerLocally<L>(reason: DegradationReason, local: () => Promise<L>): Promise<L> {
    this.#localAnswers[reason] = (this.#localAnswers[reason] ?? 0) + 1;
    return local();
  }

  #degrade(operation: StoreOperation, key: string, failure: StoreFailure): void {
    this.#nextProbeAt = performance.now() + PROBE_INTERVAL_MS;
    if (this.#degradation !== undefined || this.#closed) return;
    this.#degradation = { reason: failure.reason, since: performance.now() };
    this.#degraded.emit({ reason: failure.reason, operation, key, error: failure });
  }

  #recover(): void {
    const degradation = this.#degradation;
    if (degradation === undefined) return;
    this.#degradation = undefined;
    this.#recovered.emit({ degradedForMs: performance.now() - degradation.since, reason: degradation.reason });
  }
}

/**
 * A store whose state the fleet shares through Redis. Construction does not wait for Redis:
 * the first operations wait at most `timeoutMs` for the connection, then answer locally.
 *
 * @example
 * const store = redisStore({ url: 'redis://redis.internal:6379' });
 * store.onDegraded(({ reason }) => console.warn(`overload state is local for now: ${reason}`));
 */
export function redisStore(options: RedisStoreOptions): RedisOverloadStore {
  return new RedisOverloadStore(options);
}

function describe(reply: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(reply) ?? String(reply);
  } catch {
    text = String(reply);
  }
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
