import { describe, expect, it } from 'vitest';
import type { OverloadStore, OverloadStoreOptions } from '../src/index.js';

/** A store under test, with control over the clock it reads. */
export interface StoreUnderTest {
  readonly store: OverloadStore;
  /** Moves the store's clock forward by `ms`. */
  advance(ms: number): Promise<void>;
}

/**
 * What every `OverloadStore` must answer: `InMemoryOverloadStore` defines it, a shared store
 * (Redis) runs the same table. `make` builds a fresh store (fresh keys) with the options.
 */
export function overloadStoreConformance(name: string, make: (options: OverloadStoreOptions) => Promise<StoreUnderTest>): void {
  const rate = { minRate: 0.1, decreaseFactor: 0.5, decreaseCooldownMs: 1000, doublingMs: 10_000, calmAfterMs: 30_000, calmRate: 2 };

  describe(`${name}: the OverloadStore contract`, () => {
    it('gives every call a slot at once while the model is calm', async () => {
      const { store } = await make({ rate });
      expect(await Promise.all([1, 2, 3].map(() => store.reserveSlot('m')))).toEqual([0, 0, 0]);
      expect(await store.pace('m')).toEqual({ ratePerSecond: Infinity, pausedForMs: 0, circuitOpenForMs: 0 });
      await store.close();
    });

    it('after an overload, gives one slot per 1 / rate to whoever asks when it is due, booking none ahead', async () => {
      const sut = await make({ rate });
      const { store } = sut;
      await store.reserveSlot('m'); // taken at 0
      await store.reportOverload('m'); // from calm: max(observed, calmRate 2) × 0.5 = 1 req/s
      expect((await store.pace('m')).ratePerSecond).toBeCloseTo(1, 5);
      // Not due yet: every asker hears the same wait and nothing is taken.
      expect(await Promise.all([1, 2, 3].map(() => store.reserveSlot('m')))).toEqual([expect.closeTo(1000, -1), expect.closeTo(1000, -1), expect.closeTo(1000, -1)]);
      await sut.advance(1000);
      const [first, second] = [await store.reserveSlot('m'), await store.reserveSlot('m')];
      expect(first).toBe(0); // the first to ask when it is due takes it
      expect(second).toBeCloseTo(1000 / 2 ** 0.1, -1); // the next is 1 / rate after the one taken (the rate grew for 1 s)
      await store.close();
    });

    it('shortens every wait at once when the rate grows back (no slot was booked at the low rate)', async () => {
      const sut = await make({ rate: { ...rate, minRate: 0.02 } });
      const { store } = sut;
      for (let i = 0; i < 7; i++) {
        await store.reportOverload('m');
        await sut.advance(1000);
      }
      await store.reserveSlot('m');
      const low = (await store.pace('m')).ratePerSecond;
      expect(await store.reserveSlot('m')).toBeCloseTo(1000 / low, -2);
      expect(1000 / low).toBeGreaterThan(40_000); // a slot booked at this rate would come in 40 s or more
      await sut.advance(20_000); // two doublings: a slot is now 1 / (4 × low) apart, less than the 20 s gone by
      expect(await store.reserveSlot('m')).toBe(0);
      await store.close();
    });

    it('records calls that went without a slot: they count for the cut, and say whether the fleet is paced', async () => {
      const sut = await make({ rate: { ...rate, calmRate: 0 } });
      const { store } = sut;
      expect(await store.recordCalls('m', 40)).toBe(0); // calm: 40 calls in the 10 s window, 4 req/s observed
      await store.reportOverload('m'); // 4 × 0.5 = 2 req/s
      expect((await store.pace('m')).ratePerSecond).toBeCloseTo(2, 5);
      expect(await store.recordCalls('m', 1)).toBeCloseTo(500, -1); // paced: the next slot is 1 / rate away
      expect(await store.reserveSlot('m')).toBeCloseTo(500, -1);
      await store.close();
    });

    it('cuts only for news: an overload met by a request sent before the last cut cuts nothing', async () => {
      const sut = await make({ rate });
      const { store } = sut;
      await store.reportOverload('m'); // 1 req/s
      await sut.advance(2000);
      await store.reportOverload('m', 3000); // sent 3 s ago, before the cut: old news
      expect((await store.pace('m')).ratePerSecond).toBeCloseTo(2 ** 0.2, 5);
      await store.reportOverload('m', 1000); // sent after the cut: news
      expect((await store.pace('m')).ratePerSecond).toBeLessThan(1);
      await store.close();
    });

    it('cuts once per cooldown, and the rate doubles every doublingMs without overload', async () => {
      const sut = await make({ rate });
      const { store } = sut;
      await store.reportOverload('m'); // 1 req/s
      await store.reportOverload('m'); // within the cooldown: no cut
      expect((await store.pace('m')).ratePerSecond).toBeCloseTo(1, 5);
      await sut.advance(10_000);
      expect((await store.pace('m')).ratePerSecond).toBeCloseTo(2, 5);
      await store.reportOverload('m'); // min(2, observed 0) × 0.5 → the floor, 0.1
      expect((await store.pace('m')).ratePerSecond).toBeCloseTo(0.1, 5);
      await store.close();
    });

    it('holds every slot until a pause ends; a shorter pause does not shorten it', async () => {
      const sut = await make({ rate });
      const { store } = sut;
      await store.pause('m', 5000);
      await store.pause('m', 1000);
      expect(await store.pace('m')).toEqual({ ratePerSecond: Infinity, pausedForMs: 5000, circuitOpenForMs: 0 });
      expect(await store.reserveSlot('m')).toBe(5000);
      await sut.advance(5000);
      expect(await store.reserveSlot('m')).toBe(0);
      await store.close();
    });

    it('keeps the retry budget: the reserve, plus ratio per call, over the window', async () => {
      const sut = await make({ rate, budget: { ratio: 0.5, minRetriesPerSecond: 0.1, windowMs: 10_000 } });
      const { store } = sut;
      expect(await store.tryWithdraw('m')).toBe(true); // the reserve: 1 retry per 10 s
      expect(await store.tryWithdraw('m')).toBe(false);
      await store.deposit('m');
      await store.deposit('m'); // 2 × 0.5 = one more
      expect(await store.tryWithdraw('m')).toBe(true);
      expect(await store.tryWithdraw('m')).toBe(false);
      await sut.advance(10_000);
      expect(await store.tryWithdraw('m')).toBe(true);
      await store.close();
    });

    it("keeps a breaker's verdict for everyone: open for a while, or closed again; the latest wins", async () => {
      const sut = await make({ rate });
      const { store } = sut;
      await store.setCircuit('m', 5000);
      expect(await store.pace('m')).toEqual({ ratePerSecond: Infinity, pausedForMs: 0, circuitOpenForMs: 5000 });
      expect(await store.reserveSlot('m')).toBe(0); // slots are admission's; the circuit is the breaker's
      await sut.advance(2000);
      expect((await store.pace('m')).circuitOpenForMs).toBe(3000);
      await store.setCircuit('m', 1000); // a later verdict, even a shorter one, wins
      expect((await store.pace('m')).circuitOpenForMs).toBe(1000);
      await store.setCircuit('m', 0); // a probe succeeded somewhere: closed
      expect((await store.pace('m')).circuitOpenForMs).toBe(0);
      await store.setCircuit('m', 4000);
      await sut.advance(4000);
      expect((await store.pace('m')).circuitOpenForMs).toBe(0);
      await store.close();
    });

    it('deposits several calls in one operation', async () => {
      const sut = await make({ rate, budget: { ratio: 0.5, minRetriesPerSecond: 0.1, windowMs: 10_000 } });
      const { store } = sut;
      expect(await store.tryWithdraw('m')).toBe(true); // the reserve
      expect(await store.tryWithdraw('m')).toBe(false);
      await store.deposit('m', 4); // 4 × 0.5 = two more
      expect(await store.tryWithdraw('m')).toBe(true);
      expect(await store.tryWithdraw('m')).toBe(true);
      expect(await store.tryWithdraw('m')).toBe(false);
      for (const bad of [0, -2, 1.5, Number.NaN]) await store.deposit('n', bad); // each counted as one call: 4 × 0.5
      expect(await Promise.all([1, 2, 3, 4].map(() => store.tryWithdraw('n')))).toEqual([true, true, true, false]); // the reserve and two
      await store.close();
    });

    it('keeps keys apart', async () => {
      const { store } = await make({ rate });
      await store.reportOverload('a');
      expect((await store.pace('a')).ratePerSecond).toBeLessThan(Infinity);
      expect((await store.pace('b')).ratePerSecond).toBe(Infinity);
      await store.close();
    });
  });
}
