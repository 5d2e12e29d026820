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
