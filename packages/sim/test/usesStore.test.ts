import { InMemoryOverloadStore, seededRandom, systemClock, type OverloadStore } from '@stormwatch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOperations } from '../src/live/countOperations.js';
import { LiveServer } from '../src/live/LiveServer.js';
import { relativeClock } from '../src/live/relativeClock.js';
import { ALL_POLICIES, storeUserIds } from '../src/policies/index.js';
import type { SimCall } from '../src/policies/PolicyUnderTest.js';
import type { Scenario } from '../src/scenarios/Scenario.js';
import { storm50 } from '../src/scenarios/storm50.js';
import { SimulatedService } from '../src/SimulatedService.js';

/** A calm service in real time that answers at once: no overload, a fast model. */
const calm: Scenario = {
  ...storm50,
  name: 'calm',
  durationS: 60,
  models: [{ ...storm50.models[0]!, timeToFirstTokenMs: 20, outputTokensPerSecond: 5000 }],
  overloads: [],
  storm: { startS: 0, endS: 0 },
};

/**
 * `usesStore` is what the live fleet's `--redis` check trusts: it must say what a policy's
 * callers do with `ClientEnv.store`. Each policy makes one call over real HTTP to the
 * simulated service with a counting store in its environment; the store is asked something
 * exactly when the policy says it uses one.
 */
describe('PolicyUnderTest.usesStore', () => {
  const clock = relativeClock(systemClock, systemClock.now());
  let service: SimulatedService;
  let server: LiveServer;
  let baseURL: string;
  beforeAll(async () => {
    service = new SimulatedService(calm, clock, seededRandom(1));
    server = new LiveServer(service);
    baseURL = await server.listen(0);
  });
  afterAll(async () => {
    service?.dispose();
    await server?.close();
  });

  it.each(ALL_POLICIES.map((p) => [p.id, p] as const))('%s: the store is asked something exactly when usesStore says so', async (_id, policy) => {
    const counted = countOperations<OverloadStore>(new InMemoryOverloadStore({}, clock));
    // A clock of its own: a run of its own (the rows' per-run state is keyed by the run's clock).
    const runClock = relativeClock(systemClock, systemClock.now());
    const caller = policy.createCaller({ clock: runClock, random: seededRandom(2), fetch: globalThis.fetch, baseURL, clientIndex: 0, fallbackModels: [], store: counted.store });
    const call: SimCall = { callId: 1, client: 0, model: calm.fleet.model, fallbackModels: [], inputTokens: 200, outputTokens: 20, stream: false, deadlineMs: 30_000 };
    const result = await caller(call);
    await policy.finishRun?.(runClock);
    expect(result.messageId).toMatch(/^msg_sim_/);
    expect(counted.count() > 0).toBe(policy.usesStore === true);
  }, 20_000);

  it('names the policies that use a store, the Stormwatch rows', () => {
    expect(storeUserIds()).toBe('stormwatch-0.1, stormwatch, stormwatch-shared, stormwatch-defer, stormwatch-defer-shared, stormwatch-batch');
  });
});
