import { expect, it } from 'vitest';
import { Coalescer } from '../src/store/Coalescer.js';

it('sends one operation at a time, carrying every event counted while the previous one was in flight', async () => {
  const sent: number[] = [];
  const pending: Array<() => void> = [];
  const coalescer = new Coalescer((count) => {
    sent.push(count);
    return new Promise<void>((resolve) => pending.push(resolve));
  });
  coalescer.add(); // goes at once
  for (let i = 0; i < 5; i++) coalescer.add(); // wait for the first
  expect(sent).toEqual([1]);
  pending.shift()!();
  await Promise.resolve();
  await Promise.resolve();
  expect(sent).toEqual([1, 5]);
  pending.shift()!();
  await Promise.resolve();
  await Promise.resolve();
  expect(sent).toEqual([1, 5]); // nothing counted meanwhile: nothing sent
  coalescer.add();
  expect(sent).toEqual([1, 5, 1]);
});
