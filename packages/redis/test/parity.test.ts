import { randomUUID } from 'node:crypto';
import { InMemoryOverloadStore, seededRandom, VirtualClock, type OverloadStore, type OverloadStoreOptions, type Random } from '@stormwatch/core';
import { describe, expect, it } from 'vitest';
import { redisStore, type StoreDegradedEvent } from '../src/index.js';
import { redisTestsRun } from './support/redisServer.js';
import { useSharedRedis } from './support/sharedRedis.js';

type Step =
  | { readonly op: 'reserveSlot' | 'reportOverload' | 'pace' | 'deposit' | 'tryWithdraw'; readonly key: string }
  | { readonly op: 'pause' | 'setCircuit'; readonly key: string; readonly ms: number }
  | { readonly op: 'recordCalls' | 'deposits'; readonly key: string; readonly calls: number }
  | { readonly op: 'reportOldOverload'; readonly key: string; readonly ago: number }
  | { readonly op: 'advance'; readonly ms: number }
  | { readonly op: 'expire' };

/**
 * A random run in phases: storms (bursts of slots, overloads and retries a few ms apart),
 * quiet spells (seconds apart, deposits and pace reads), pauses, on two keys; now and then
 * an idle gap longer than a key's retention, after which the Redis keys are deleted (as
 * their TTL would) and both stores must still agree.
 */
function randomRun(random: Random, phases: number, retentionGapMs: number): Step[] {
  const steps: Step[] = [];
  for (let phase = 0; phase < phases; phase++) {
    const storm = random() < 0.5;
    for (let i = 0; i < 40; i++) {
      const key = random() < 0.7 ? 'm' : 'n';
      const r = random();
      if (r < (storm ? 0.3 : 0.1)) steps.push(random() < 0.8 ? { op: 'reserveSlot', key } : { op: 'recordCalls', key, calls: 1 + Math.floor(random() * 5) });
      else if (r < (storm ? 0.45 : 0.12)) steps.push(random() < 0.7 ? { op: 'reportOverload', key } : { op: 'reportOldOverload', key, ago: random() * 3000 });
      else if (r < (storm ? 0.47 : 0.15)) steps.push({ op: 'pause', key, ms: random() < 0.1 ? -1 : Math.floor(random() * 5000) + random() });
      else if (r < (storm ? 0.5 : 0.17)) steps.push({ op: 'setCircuit', key, ms: random() < 0.3 ? 0 : Math.floor(random() * 20_000) + random() });
      else if (r < (storm ? 0.55 : 0.3)) steps.push({ op: 'pace', key });
      else if (r < (storm ? 0.65 : 0.5)) steps.push(random() < 0.8 ? { op: 'deposit', key } : { op: 'deposits', key, calls: 1 + Math.floor(random() * 5) });
      else if (r < (storm ? 0.85 : 0.55)) steps.push({ op: 'tryWithdraw', key });
      else steps.push({ op: 'advance', ms: storm ? random() * 60 : random() * 8_000 });
    }
    if (random() < 0.1) steps.push({ op: 'advance', ms: retentionGapMs }, { op: 'expire' });
  }
  return steps;
}

async function apply(store: OverloadStore, step: Step): Promise<unknown> {
  switch (step.op) {
    case 'reserveSlot':
      return store.reserveSlot(step.key);
    case 'recordCalls':
      return store.recordCalls(step.key, step.calls);
    case 'reportOldOverload':
      return store.reportOverload(step.key, step.ago);
    case 'deposits':
      return store.deposit(step.key, step.calls);
    case 'reportOverload':
      return store.reportOverload(step.key);
    case 'pause':
      return store.pause(step.key, step.ms);
    case 'setCircuit':
      return store.setCircuit(step.key, step.ms);
    case 'pace':
      return store.pace(step.key);
    case 'deposit':
      return store.deposit(step.key);
    case 'tryWithdraw':
      return store.tryWithdraw(step.key);
    default:
      return undefined;
  }
}

/** Equal, numbers within float tolerance (pow differs between V8 and libm in the last bit). */
function expectSame(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (expected === actual) return;
    expect(Math.abs(actual - expected), where).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    for (const [field, value] of Object.entries(expected)) expectSame((actual as Record<string, unknown>)[field], value, `${where}.${field}`);
    return;
  }
  expect(actual, where).toBe(expected);
}

describe.skipIf(!redisTestsRun)('redisStore parity with InMemoryOverloadStore', () => {
  const redis = useSharedRedis();

  const cases: { name: string; options: OverloadStoreOptions; start: number }[] = [
    { name: 'default options, virtual time from 0', options: {}, start: 0 },
    {
      name: 'the conformance rules, at an epoch timestamp',
      options: { rate: { minRate: 0.1, decreaseFactor: 0.5, decreaseCooldownMs: 1000, doublingMs: 10_000, calmAfterMs: 30_000, calmRate: 2 } },
      start: 1_765_000_000_123.456,
    },
    {
      name: 'quick rules: short windows, deep cuts, a fractional ratio',
      options: {
        rate: { minRate: 0.5, decreaseFactor: 0.3, decreaseCooldownMs: 200, doublingMs: 2_000, calmAfterMs: 5_000, observeWindowMs: 3_000, calmRate: 7 },
        budget: { ratio: 0.37, minRetriesPerSecond: 0.25, windowMs: 4_000 },
      },
      start: 12_345.678,
    },
  ];

  /** Runs `steps` on both stores at the same virtual times; returns the answers. */
  async function runBoth(options: OverloadStoreOptions, start: number, steps: readonly Step[]): Promise<unknown[]> {
    const clock = new VirtualClock(start);
    const prefix = `parity:${randomUUID()}:`;
    const reference = new InMemoryOverloadStore(options, clock);
    const store = redisStore({ ...options, url: redis.server.url, prefix, clock, timeoutMs: 5000 });
    const degraded: StoreDegradedEvent[] = [];
    store.onDegraded((event) => degraded.push(event));
    const answers: unknown[] = [];
    try {
      for (const [i, step] of steps.entries()) {
        if (step.op === 'advance') await clock.advance(step.ms);
        else if (step.op === 'expire') await redis.admin.del([`${prefix}overload:m`, `${prefix}overload:n`]);
        else {
          const [expected, actual] = [await apply(reference, step), await apply(store, step)];
          expectSame(actual, expected, `step ${i} ${JSON.stringify(step)} at ${clock.now()}`);
          answers.push(expected);
        }
      }
    } finally {
      await store.close();
    }
    expect(degraded).toEqual([]);
    return answers;
  }

  for (const { name, options, start } of cases) {
    for (const seed of [1, 2, 3]) {
      it(`answers what the in-memory store answers: ${name}, seed ${seed}`, async () => {
        const steps = randomRun(seededRandom(seed), 40, 24 * 3600_000);
        const answers = await runBoth(options, start, steps);
        const kinds = new Set(steps.filter((step) => step.op !== 'advance' && step.op !== 'expire').map((step, i) => `${step.op}:${JSON.stringify(answers[i])}`.replace(/[\d.]+/g, 'n')));
        // The run went through paced slots, cuts, spent budgets and pauses, not only calm answers.
        expect(kinds).toContain('tryWithdraw:false');
        expect(kinds).toContain('tryWithdraw:true');
        expect([...kinds].some((k) => k.startsWith('pace:{"ratePerSecond":n'))).toBe(true);
        expect([...kinds].some((k) => k.startsWith('pace:{"ratePerSecond":null'))).toBe(true); // Infinity, calm
      });
    }
  }

  const m = 'm';
  const at = (ms: number): Step => ({ op: 'advance', ms });
  const times = (n: number, step: Step): Step[] => Array.from({ length: n }, () => step);
  const boundaries: { name: string; steps: Step[]; expected: unknown[] }[] = [
    {
      name: 'calm again exactly calmAfterMs after the cut',
      steps: [{ op: 'reportOverload', key: m }, at(29_999), { op: 'pace', key: m }, at(1), { op: 'pace', key: m }],
      expected: [undefined, { ratePerSecond: 2 ** 2.9999, pausedForMs: 0 }, { ratePerSecond: Infinity, pausedForMs: 0 }],
    },
    {
      name: 'a model found calm stays calm however much is admitted after',
      steps: [{ op: 'reportOverload', key: m }, at(30_000), { op: 'pace', key: m }, ...times(60, { op: 'reserveSlot', key: m }), { op: 'pace', key: m }],
      expected: [undefined, { ratePerSecond: Infinity, pausedForMs: 0 }, ...Array<number>(60).fill(0), { ratePerSecond: Infinity, pausedForMs: 0 }],
    },
    {
      name: 'one cut per cooldown, to the millisecond',
      steps: [{ op: 'reportOverload', key: m }, at(999), { op: 'reportOverload', key: m }, { op: 'pace', key: m }, at(1), { op: 'reportOverload', key: m }, { op: 'pace', key: m }],
      expected: [undefined, undefined, { ratePerSecond: 2 ** (0.999 / 10), pausedForMs: 0 }, undefined, { ratePerSecond: 0.02, pausedForMs: 0 }],
    },
    {
      name: 'retries come back when their slice leaves the window',
      steps: [...times(11, { op: 'tryWithdraw', key: m }), at(9_999), { op: 'tryWithdraw', key: m }, at(1), ...times(11, { op: 'tryWithdraw', key: m })],
      expected: [...Array<boolean>(10).fill(true), false, false, ...Array<boolean>(10).fill(true), false],
    },
    {
      name: 'no slot is due before a pause ends, and none is booked meanwhile',
      steps: [{ op: 'reportOverload', key: m }, { op: 'pause', key: m, ms: 2500 }, { op: 'reserveSlot', key: m }, { op: 'reserveSlot', key: m }, at(3000), { op: 'reserveSlot', key: m }, { op: 'reserveSlot', key: m }],
      expected: [undefined, undefined, 2500, 2500, 0, 1000 * 2 ** -0.3],
    },
  ];
  for (const { name, steps, expected } of boundaries) {
    it(`agrees at a boundary: ${name}`, async () => {
      const answers = await runBoth({ rate: { doublingMs: 10_000 } }, 0, steps); // the figures below are for a 10 s doubling
      expect(answers.length).toBe(expected.length);
      answers.forEach((answer, i) => expectSame(answer, expected[i], `answer ${i}`));
    });
  }
});
