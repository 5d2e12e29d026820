import { ErrorType } from '@stormwatch/conventions';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPolicy,
  InMemoryOverloadStore,
  isAdmissionRefusedError,
  isCircuitOpenError,
  isRetryBudgetExhaustedError,
  seededRandom,
  STORE_ERROR_WARNING,
  VirtualClock,
  type OverloadStore,
  type Policy,
  type PolicyOptions,
  type StoreErrorEvent,
} from '../src/index.js';
import { brokenStore, classify, connectionReset, overloaded, rateLimited } from './fixtures.js';
import { script, settle } from './harness.js';
import { boundStore } from './storeDoubles.js';

const model = 'claude-sonnet-4-6';

/** The store's rules in these tests: a first cut to 0.5 req/s for the fleet, and no growth or calm within a test. */
const RATE = { calmRate: 1, minRate: 0.01, doublingMs: 1e9, calmAfterMs: 1e9 };

/** `n` processes' policies on one store and one virtual clock, recording when attempts start. */
function fleet(n: number, options: Partial<PolicyOptions> = {}, store?: (clock: VirtualClock) => OverloadStore) {
  const clock = new VirtualClock();
  const shared = store?.(clock) ?? new InMemoryOverloadStore({ rate: RATE }, clock);
  const attempts: Array<{ process: number; at: number }> = [];
  const policies: Policy[] = Array.from({ length: n }, (_, i) => {
    const policy = createPolicy({ name: `p${i}`, classify, clock, random: seededRandom(i + 1), store: shared, admission: { doublingMs: 1e9 }, ...options });
    policy.onAttemptStart(({ startedAt }) => attempts.push({ process: i, at: startedAt }));
    return policy;
  });
  return { clock, store: shared, policies, attempts };
}

/** Runs every call to completion in virtual time. */
async function all(clock: VirtualClock, calls: Array<Promise<unknown>>) {
  return settle(clock, Promise.allSettled(calls)).then((r) => r.value!);
}

describe('a policy on a shared store', () => {
  it('an overload one process sees paces the others, which never saw it', async () => {
    const { clock, policies, attempts } = fleet(2);
    const [a, b] = policies as [Policy, Policy];
    await settle(clock, a.execute(script(clock, ['warm']).fn, { model })); // both models known to both processes
    await settle(clock, b.execute(script(clock, ['warm']).fn, { model }));
    attempts.length = 0;
    const first = await settle(clock, a.execute(script(clock, [overloaded(), 'a answered']).fn, { model }));
    const second = await settle(clock, b.execute(script(clock, ['b answered']).fn, { model }));
    expect([first.value, second.value]).toEqual(['a answered', 'b answered']);
    // A's 529 cut the fleet's rate to 0.5 req/s: A's retry and B's call take slots 2 s apart.
    const [, retry, bCall] = attempts;
    expect(attempts).toHaveLength(3);
    expect(bCall!.process).toBe(1);
    expect(bCall!.at - retry!.at).toBeGreaterThanOrEqual(1999);
    expect(b.admissionState(model)?.ratePerSecond).toBeCloseTo(0.5);
  });

  it('without a store each process paces only itself (the contrast)', async () => {
    const clock = new VirtualClock();
    const make = (i: number) => createPolicy({ name: `p${i}`, classify, clock, random: seededRandom(i + 1), admission: { ...RATE } });
    const [a, b] = [make(0), make(1)];
    const starts: number[] = [];
    for (const p of [a, b]) p.onAttemptStart(({ startedAt }) => starts.push(startedAt));
    await all(clock, [a.execute(script(clock, [overloaded(), 'a']).fn, { model }), b.execute(script(clock, ['b']).fn, { model })]);
    expect(starts.filter((t) => t === 0)).toHaveLength(2); // B went at once, knowing nothing of A's overload
  });

  it('a paced fleet sends one call per slot of the shared rate, whichever process it comes from', async () => {
    const { clock, policies, attempts, store } = fleet(4);
    await store.reportOverload(model); // the fleet is paced at 0.5 req/s
    const calls = policies.flatMap((p) => [0, 1, 2].map((i) => p.execute(script(clock, [`answer ${i}`]).fn, { model })));
    const results = await all(clock, calls);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const at = attempts.map((x) => x.at).sort((x, y) => x - y);
    expect(at).toHaveLength(12);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(1999);
    expect(new Set(attempts.map((x) => x.process)).size).toBe(4); // every process got its slots
  });

  it("a rate limit's pause that one process hears holds the whole fleet until its reset", async () => {
    const { clock, policies, attempts } = fleet(2);
    const [a, b] = policies as [Policy, Policy];
    await settle(clock, b.execute(script(clock, ['warm']).fn, { model }));
    attempts.length = 0;
    const start = clock.now();
    await settle(clock, a.execute(script(clock, [rateLimited(5000), 'a answered']).fn, { model }));
    const { value, error } = await settle(clock, b.execute(script(clock, ['b answered']).fn, { model }));
    expect(error).toBeUndefined();
    expect(value).toBe('b answered');
    expect(attempts.filter((x) => x.process === 1)[0]!.at - start).toBeGreaterThanOrEqual(5000);
  });

  it("spends one pool of retries for the fleet's share of calls", async () => {
    // No reserve in the processes, one retry per 10 s in the pool, and nothing from calls.
    const { clock, policies } = fleet(2, { admission: false, budget: { minRetriesPerSecond: 0 } }, (clock) => new InMemoryOverloadStore({ budget: { ratio: 0, minRetriesPerSecond: 0.1 } }, clock));
    const [a, b] = policies as [Policy, Policy];
    const first = await settle(clock, a.execute(script(clock, [connectionReset(), 'a answered']).fn, { model }));
    const second = await settle(clock, b.execute(script(clock, [connectionReset(), 'b answered']).fn, { model }));
    expect(first.value).toBe('a answered');
    expect(isRetryBudgetExhaustedError(second.error)).toBe(true);
  });

  it('keeps each process its own reserve, spent before the pool', async () => {
    // Each process may retry once per 10 s on its own; the pool has nothing.
    const { clock, policies } = fleet(2, { admission: false, budget: { minRetriesPerSecond: 0.1 } }, (clock) => new InMemoryOverloadStore({ budget: { ratio: 0, minRetriesPerSecond: 0 } }, clock));
    const [a, b] = policies as [Policy, Policy];
    const results = [
      await settle(clock, a.execute(script(clock, [connectionReset(), 'a answered']).fn, { model })),
      await settle(clock, b.execute(script(clock, [connectionReset(), 'b answered']).fn, { model })),
      await settle(clock, a.execute(script(clock, [connectionReset(), 'never']).fn, { model })),
    ];
    expect(results.map((r) => r.value)).toEqual(['a answered', 'b answered', undefined]);
    expect(isRetryBudgetExhaustedError(results[2]!.error)).toBe(true);
  });

  it("refuses a call whose deadline its process's share of the fleet's slots cannot meet", async () => {
    const { clock, policies, store } = fleet(1);
    await store.reportOverload(model);
    const p = policies[0]!;
    const calls = [0, 1, 2, 3].map((i) => p.execute(script(clock, [`answer ${i}`]).fn, { model, deadlineMs: 3000 }));
    const results = await all(clock, calls);
    const refused = results.filter((r) => r.status === 'rejected' && isAdmissionRefusedError(r.reason));
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(2); // slots at 0 and 2 s
    expect(refused).toHaveLength(2);
  });

  it('a calm model never waits for the store after its first pace read; every call is counted in the store', async () => {
    let reserved = 0;
    let operations = 0;
    let counting: OverloadStore | undefined;
    const { clock, policies, attempts } = fleet(1, { admission: {} }, (clock) => {
      const inner = new InMemoryOverloadStore({}, clock);
      counting = { ...boundStore(inner), recordCalls: (key, calls) => ((reserved += calls), operations++, inner.recordCalls(key, calls)) };
      return counting;
    });
    const p = policies[0]!;
    await all(clock, [0, 1, 2, 3, 4].map((i) => p.execute(script(clock, [`a${i}`]).fn, { model })));
    expect(attempts.map((x) => x.at)).toEqual([0, 0, 0, 0, 0]);
    expect(reserved).toBe(5);
    expect(operations).toBe(2); // the first call, then the four admitted meanwhile in one operation
    expect(p.store).toBe(counting);
  });

  it('a store that rejects never fails a call: the call goes on, the error is reported', async () => {
    const { clock, policies } = fleet(1, {}, brokenStore);
    const errors: StoreErrorEvent[] = [];
    policies[0]!.onStoreError((e) => errors.push(e));
    const { value } = await settle(clock, policies[0]!.execute(script(clock, [overloaded(), 'answered']).fn, { model }));
    expect(value).toBe('answered');
    expect(new Set(errors.map((e) => e.operation))).toEqual(new Set(['pace', 'recordCalls', 'reportOverload', 'deposit'])); // the retry came from the process's own reserve
    expect(errors.every((e) => e.model === model && e.policy === 'p0' && (e.error as Error).message === 'store is broken')).toBe(true);
  });

  describe('with nobody listening for store errors', () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    afterEach(() => void process.off('warning', onWarning));

    it('the first becomes one process warning', async () => {
      process.on('warning', onWarning);
      const { clock, policies } = fleet(1, {}, brokenStore);
      await settle(clock, policies[0]!.execute(script(clock, ['a']).fn, { model }));
      await settle(clock, policies[0]!.execute(script(clock, ['b']).fn, { model }));
      await new Promise((resolve) => setImmediate(resolve));
      const ours = warnings.filter((w) => (w as Error & { code?: string }).code === STORE_ERROR_WARNING);
      expect(ours).toHaveLength(1);
      expect(ours[0]!.message).toMatch(/policy "p0": the overload store's \w+ failed: store is broken/);
    });
  });

  it('a fleet cut to its floor serves calls again as soon as the rate grows back (no slot kept from the low rate)', async () => {
    const { clock, policies, store } = fleet(10, { admission: {} }, (clock) => new InMemoryOverloadStore({}, clock)); // the store's own rate rules (no policy doubling that disagrees)
    for (let i = 0; i < 7; i++) {
      await store.reportOverload(model);
      await clock.advance(1000);
    }
    expect((await store.pace(model)).ratePerSecond).toBeLessThan(0.05); // the floor: one call per 50 s
    const early = policies.map((p, i) => p.execute(script(clock, [`early ${i}`]).fn, { model, deadlineMs: 60_000 }));
    await clock.advance(100_000);
    expect((await store.pace(model)).ratePerSecond).toBe(Infinity); // calm again
    const late = policies.map((p, i) => p.execute(script(clock, [`late ${i}`]).fn, { model, deadlineMs: 60_000 }));
    const results = await all(clock, [...early, ...late]);
    expect(results.slice(10).map((r) => r.status)).toEqual(Array(10).fill('fulfilled'));
  });

  it('queued calls all go at once when the fleet is calm again', async () => {
    const { clock, policies, attempts, store } = fleet(1, { admission: { doublingMs: 1000 } }, (clock) => new InMemoryOverloadStore({ rate: { ...RATE, calmAfterMs: 10_000, doublingMs: 1000 } }, clock));
    await store.reportOverload(model);
    await clock.advance(10_000); // no overload for 10 s, the rate grown far past demand: calm
    const p = policies[0]!;
    await all(clock, [0, 1, 2].map((i) => p.execute(script(clock, [`a${i}`]).fn, { model })));
    expect(attempts.map((x) => x.at)).toEqual([10_000, 10_000, 10_000]);
  });

  it.each([
    [{}, /store must be an OverloadStore .* it has no reserveSlot, recordCalls, reportOverload, pause, setCircuit, pace, deposit, tryWithdraw, close/],
    [{ ...boundStore(new InMemoryOverloadStore()), pace: 1 }, /it has no pace$/],
    ['redis://localhost', /store must be an OverloadStore/],
  ])('rejects a store that is not one, naming what it lacks (%#)', (store, message) => {
    expect(() => createPolicy({ classify, store: store as unknown as OverloadStore })).toThrow(message);
  });

  it("a breaker that opens in one process holds the fleet until its probe closes it", async () => {
    const { clock, policies, attempts } = fleet(2, { breaker: { threshold: 2, shared: true }, maxAttempts: 2 });
    const [a, b] = policies as [Policy, Policy];
    const down = await settle(clock, a.execute(script(clock, [connectionReset(), connectionReset()]).fn, { model }));
    expect(down.error).toBeDefined();
    expect(a.breakerState(model)).toBe('open');
    attempts.length = 0;
    // B never saw the model fail: the fleet's verdict refuses its call without sending it.
    const refused = await settle(clock, b.execute(script(clock, ['never sent']).fn, { model }));
    expect(isCircuitOpenError(refused.error)).toBe(true);
    expect(b.breakerState(model)).toBe('closed'); // B's own breaker has nothing against the model
    // With a fallback, B's call goes to the next model instead.
    const fellBack = await settle(clock, b.execute(script(clock, ['from haiku']).fn, { model, allowFallback: true }));
    expect(fellBack.error).toBeDefined(); // no chain configured in this fleet: still refused
    expect(attempts).toEqual([]);
    // A's breaker half-opens after 5 s; its probe succeeds and closes the circuit for everyone.
    await clock.advance(5000);
    expect((await settle(clock, a.execute(script(clock, ['probe answered']).fn, { model }))).value).toBe('probe answered');
    await clock.advance(1000); // B's view is stale: it reads the fleet's verdict again
    expect((await settle(clock, b.execute(script(clock, ['b answered']).fn, { model }))).value).toBe('b answered');
  });

  it("by default a process's breaker is its own: the fleet neither hears it nor holds the others' calls", async () => {
    const { clock, policies, store } = fleet(2, { breaker: { threshold: 2 }, maxAttempts: 2 });
    const [a, b] = policies as [Policy, Policy];
    await settle(clock, a.execute(script(clock, [connectionReset(), connectionReset()]).fn, { model }));
    expect(a.breakerState(model)).toBe('open');
    expect((await store.pace(model)).circuitOpenForMs).toBe(0);
    expect((await settle(clock, b.execute(script(clock, ['b answered']).fn, { model }))).value).toBe('b answered');
    expect(() => createPolicy({ classify, breaker: { shared: 'yes' as unknown as boolean } })).toThrow(/breaker.shared must be a boolean/);
  });

  it('a process without a breaker ignores the fleet verdict (it has no circuit to hold)', async () => {
    const clock = new VirtualClock();
    const store = new InMemoryOverloadStore({}, clock);
    const withBreaker = createPolicy({ classify, clock, store, breaker: { threshold: 1, shared: true }, maxAttempts: 1 });
    const without = createPolicy({ classify, clock, store, breaker: false });
    await settle(clock, withBreaker.execute(script(clock, [connectionReset()]).fn, { model }));
    expect((await store.pace(model)).circuitOpenForMs).toBeGreaterThan(0);
    expect((await settle(clock, without.execute(script(clock, ['answered']).fn, { model }))).value).toBe('answered');
  });

  it('a call refused by the fleet verdict falls back along its chain', async () => {
    const { clock, policies, attempts } = fleet(2, { breaker: { threshold: 1, shared: true }, maxAttempts: 1, fallback: { models: ['claude-haiku-4-5'] } });
    const [a, b] = policies as [Policy, Policy];
    await settle(clock, a.execute(script(clock, [connectionReset()]).fn, { model, allowFallback: false }));
    attempts.length = 0;
    const { value } = await settle(clock, b.execute(script(clock, ['from haiku']).fn, { model }));
    expect(value).toBe('from haiku');
    expect(attempts).toHaveLength(1);
  });

  it('a breaker still counts only what is not overload, with the store too', async () => {
    const { clock, policies } = fleet(1, { breaker: { threshold: 2 } });
    const { error } = await settle(clock, policies[0]!.execute(script(clock, [overloaded(), overloaded(), overloaded(), 'ok']).fn, { model }));
    expect(error).toBeUndefined();
    expect(ErrorType.OVERLOADED).toBeDefined();
    expect(policies[0]!.breakerState(model)).toBe('closed');
  });
});
