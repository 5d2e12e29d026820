import { InMemoryOverloadStore, VirtualClock, type OverloadStore } from '@stormwatch/core';
import { describe, expect, it } from 'vitest';
import { computeFigures } from '../src/figures.js';
import { stormwatchDefault, stormwatchShared } from '../src/policies/index.js';
import { STORE_RTT_MS, withRoundTrip } from '../src/policies/modelledRoundTrip.js';
import { runStore } from '../src/policies/stormwatchShared.js';
import { runPolicy } from '../src/runPolicy.js';
import type { Scenario } from '../src/scenarios/Scenario.js';
import { storm50 } from '../src/scenarios/storm50.js';

/** storm-50 in small: 10 clients, capacity at 10 % from 30 to 60 s. */
const small: Scenario = {
  ...storm50,
  durationS: 90,
  overloads: [{ startS: 30, endS: 60, factor: 0.1, streamBreakProbability: 0.2 }],
  storm: { startS: 30, endS: 60 },
  fleet: { ...storm50.fleet, clients: 10 },
};

const OPERATIONS = ['reserveSlot', 'reportOverload', 'pause', 'pace', 'deposit', 'tryWithdraw', 'close'] as const;

/** An in-memory store that records the clock time each operation reached it. */
function recordingStore(clock: VirtualClock): { store: OverloadStore; reached: Array<{ op: string; at: number }> } {
  const inner = new InMemoryOverloadStore({}, clock);
  const reached: Array<{ op: string; at: number }> = [];
  const store = Object.fromEntries(
    OPERATIONS.map((op) => [
      op,
      (...args: unknown[]) => {
        reached.push({ op, at: clock.now() });
        return (inner[op] as (...a: unknown[]) => Promise<unknown>).apply(inner, args);
      },
    ]),
  ) as unknown as OverloadStore;
  return { store, reached };
}

describe('the modelled round trip to a shared store', () => {
  it.each(OPERATIONS)('%s reaches the store half a round trip after it is asked and answers half a round trip later', async (op) => {
    const clock = new VirtualClock(1000);
    const { store, reached } = recordingStore(clock);
    const remote = withRoundTrip(store, clock, 1);
    let answeredAt: number | undefined;
    const args: Record<(typeof OPERATIONS)[number], unknown[]> = { reserveSlot: ['m'], reportOverload: ['m'], pause: ['m', 5000], pace: ['m'], deposit: ['m'], tryWithdraw: ['m'], close: [] };
    void (remote[op] as (...a: unknown[]) => Promise<unknown>).apply(remote, args[op]).then(() => (answeredAt = clock.now()));
    await clock.advance(0.4);
    expect(reached).toEqual([]);
    await clock.advance(0.1);
    expect(reached).toEqual([{ op, at: 1000.5 }]);
    expect(answeredAt).toBeUndefined();
    await clock.advance(0.4);
    expect(answeredAt).toBeUndefined();
    await clock.advance(0.1);
    expect(answeredAt).toBe(1001);
  });

  it("passes the store's answers through, and its errors after the same round trip", async () => {
    const clock = new VirtualClock();
    const remote = withRoundTrip(new InMemoryOverloadStore({}, clock), clock, 2);
    const pace = remote.pace('m');
    await clock.advance(2);
    await expect(pace).resolves.toMatchObject({ ratePerSecond: Number.POSITIVE_INFINITY, pausedForMs: 0 });
    const failing = withRoundTrip({ reserveSlot: () => Promise.reject(new Error('down')) } as unknown as OverloadStore, clock, 2);
    let failedAt: number | undefined;
    failing.reserveSlot('m').catch(() => (failedAt = clock.now()));
    await clock.advance(1.5);
    expect(failedAt).toBeUndefined();
    await clock.advance(0.5);
    expect(failedAt).toBe(4);
  });

  it('operations asked together reach the store in the order they were asked', async () => {
    const clock = new VirtualClock();
    const { store, reached } = recordingStore(clock);
    const remote = withRoundTrip(store, clock);
    void remote.reportOverload('m');
    void remote.pace('m');
    void remote.reserveSlot('m');
    await clock.advance(STORE_RTT_MS);
    expect(reached.map((r) => r.op)).toEqual(['reportOverload', 'pace', 'reserveSlot']);
  });

  it("models a LAN round trip of 1 ms by default, answers health() locally, and rejects a bad round trip", async () => {
    expect(STORE_RTT_MS).toBe(1);
    const clock = new VirtualClock();
    const health = { sharing: true, localAnswers: {} };
    const remote = withRoundTrip({ ...recordingStore(clock).store, health: () => health }, clock);
    expect(remote.health?.()).toBe(health);
    let answered = false;
    void remote.deposit('m').then(() => (answered = true));
    await clock.advance(0.999);
    expect(answered).toBe(false);
    await clock.advance(0.001);
    expect(answered).toBe(true);
    expect(() => withRoundTrip(new InMemoryOverloadStore({}, clock), clock, -1)).toThrow(/rttMs/);
    expect(() => withRoundTrip(new InMemoryOverloadStore({}, clock), clock, Number.NaN)).toThrow(/rttMs/);
  });
});

describe('Stormwatch, shared store', () => {
  it('gives every client of a run the same store, reached through the round trip, and another run another store', async () => {
    const run = new VirtualClock();
    const store = runStore(run);
    expect(runStore(run)).toBe(store);
    expect(runStore(new VirtualClock())).not.toBe(store);
    let answeredAt: number | undefined;
    void store.pace('m').then(() => (answeredAt = run.now()));
    await run.advance(10);
    expect(answeredAt).toBe(STORE_RTT_MS);
  });

  it('shares what the fleet learns: far fewer 529s than the same clients each learning alone', async () => {
    const perProcess = computeFigures(await runPolicy({ scenario: small, policy: stormwatchDefault, seed: 3 }));
    const shared = computeFigures(await runPolicy({ scenario: small, policy: stormwatchShared, seed: 3 }));
    expect(shared.calls).toBe(perProcess.calls); // the same offered calls (open loop)
    expect(perProcess.http529).toBeGreaterThan(10);
    // Each client on a store of its own would learn alone, as the per-process row does.
    expect(shared.http529 * 2).toBeLessThan(perProcess.http529);
    expect(shared.successWithinDeadline).toBeGreaterThanOrEqual(0.95);
  });

  it('starts every run with a fresh store: the same seed gives the same records run after run', async () => {
    const first = await runPolicy({ scenario: small, policy: stormwatchShared, seed: 5 });
    const second = await runPolicy({ scenario: small, policy: stormwatchShared, seed: 5 });
    expect(first.attempts.filter((a) => a.result === 'overloaded').length).toBeGreaterThan(0); // something the store learns: the storm's 529s
    expect(second.attempts).toEqual(first.attempts);
    expect(second.calls).toEqual(first.calls);
  });
});
