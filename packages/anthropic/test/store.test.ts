import Anthropic from '@anthropic-ai/sdk';
import { InMemoryOverloadStore, VirtualClock, createPolicy, type OverloadStore } from '@stormwatch/core';
import { FakeAnthropic, ok, overloaded } from '@stormwatch/fake-anthropic';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resilient } from '../src/index.js';
import { drive, messages, opus, record } from './harness.js';

let server: FakeAnthropic | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await server?.close();
  server = undefined;
});

const body = { model: opus, max_tokens: 64, messages };

describe('resilient() on a shared store', () => {
  it("two clients on one store: the 529 one of them gets paces the other's calls", async () => {
    server = await FakeAnthropic.start({ script: [overloaded(), ok({ text: 'a' }), ok({ text: 'b' })] });
    const clock = new VirtualClock();
    const store = new InMemoryOverloadStore({}, clock);
    const make = (name: string) => resilient(new Anthropic({ baseURL: server!.url, apiKey: 'test-key' }), { policy: name, store, policyOptions: { clock, random: () => 0.5 } });
    const [a, b] = [make('a'), make('b')];
    expect(a.policy.store).toBe(store);
    const [eventsA, eventsB] = [record(a.policy), record(b.policy)];
    expect((await drive(clock, a.messages.create(body))).value).toBeDefined();
    expect((await drive(clock, b.messages.create(body))).value).toBeDefined();
    const retryOfA = eventsA.attempts[1]!.startedAt as number;
    const callOfB = eventsB.attempts[0]!.startedAt as number;
    // A's 529 cut the fleet's rate to 1 req/s (growing from there, doubling every 2.5 s): B,
    // which never saw a 529, waits for the next slot, most of a second after A's retry.
    expect(callOfB - retryOfA).toBeGreaterThan(700);
    expect(b.policy.admissionState(opus)!.ratePerSecond).toBeLessThan(Infinity);
  });

  it('takes the store from policyOptions.store too, but not from both', () => {
    const sdk = new Anthropic({ apiKey: 'test-key' });
    const store = new InMemoryOverloadStore();
    expect(resilient(sdk, { policyOptions: { store } }).policy.store).toBe(store);
    expect(() => resilient(sdk, { store, policyOptions: { store } })).toThrow(/store is given twice/);
    expect(() => resilient(sdk, { store: {} as OverloadStore })).toThrow(/store must be an OverloadStore .* it has no reserveSlot/);
    const policy = createPolicy({ classify: () => ({ errorType: 'other' as never, retryable: false, overload: false, slowDown: false }) });
    expect(() => resilient(sdk, { policy, store })).toThrow(/configure the policy you passed instead/);
  });

  it('an explicit store wins over STORMWATCH_REDIS_URL', () => {
    vi.stubEnv('STORMWATCH_REDIS_URL', 'redis://127.0.0.1:1/8');
    const store = new InMemoryOverloadStore();
    expect(resilient(new Anthropic({ apiKey: 'test-key' }), { store }).policy.store).toBe(store);
  });

  it('ignores a blank STORMWATCH_REDIS_URL', () => {
    vi.stubEnv('STORMWATCH_REDIS_URL', '  ');
    expect(resilient(new Anthropic({ apiKey: 'test-key' })).policy.store).toBeUndefined();
  });
});
