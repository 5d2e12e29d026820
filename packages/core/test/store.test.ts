import { expect, it } from 'vitest';
import { InMemoryOverloadStore, VirtualClock } from '../src/index.js';
import { overloadStoreConformance } from './storeConformance.js';

overloadStoreConformance('InMemoryOverloadStore', async (options) => {
  const clock = new VirtualClock();
  return { store: new InMemoryOverloadStore(options, clock), advance: (ms) => clock.advance(ms) };
});

it('InMemoryOverloadStore rejects bad options at construction, naming them', () => {
  expect(() => new InMemoryOverloadStore({ rate: { minRate: 0 } })).toThrow(/admission.minRate/);
  expect(() => new InMemoryOverloadStore({ budget: { ratio: -1 } })).toThrow(/budget.ratio/);
});

it('InMemoryOverloadStore answers nothing once closed', async () => {
  const store = new InMemoryOverloadStore();
  await store.close();
  await expect(store.reserveSlot('m')).rejects.toThrow('closed');
});

it("adopts a shared pace (a shared store's local fallback): paced at the fleet's rate, paused, the circuit as read", async () => {
  const clock = new VirtualClock();
  const store = new InMemoryOverloadStore({ rate: { doublingMs: 1e9, calmAfterMs: 1e9 } }, clock);
  store.adoptPace('m', { ratePerSecond: 0.5, pausedForMs: 1000, circuitOpenForMs: 3000 });
  expect(await store.pace('m')).toEqual({ ratePerSecond: expect.closeTo(0.5, 6), pausedForMs: 1000, circuitOpenForMs: 3000 });
  expect(await store.reserveSlot('m')).toBe(1000); // the pause first
  await clock.advance(1000);
  expect(await store.reserveSlot('m')).toBe(0);
  expect(await store.reserveSlot('m')).toBeCloseTo(2000, 1); // then the fleet's pace
  store.adoptPace('m', { ratePerSecond: Infinity, pausedForMs: 0, circuitOpenForMs: 0 });
  expect(await store.pace('m')).toMatchObject({ ratePerSecond: Infinity, circuitOpenForMs: 0 });
});
