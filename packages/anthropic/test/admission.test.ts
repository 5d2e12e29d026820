import { BreakerState, CallOutcome } from '@stormwatch/conventions';
import { ok, overloaded, rateLimited, withHeaders, type FakeAnthropic } from '@stormwatch/fake-anthropic';
import { afterEach, describe, expect, it } from 'vitest';
import { drive, messages, opus, setup } from './harness.js';

let server: FakeAnthropic | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Admission control on (the default of a created policy; the harness turns it off for the backoff suites). */
const admission = { policyOptions: { admission: {}, breaker: { threshold: 2 } } };
const body = { model: opus, max_tokens: 64, messages };

describe('admission control with the real SDK', () => {
  it('pauses the model on a 429’s retry-after: a call that comes meanwhile waits too, and no breaker opens', async () => {
    const s = await setup([rateLimited(4), rateLimited(4), ok({ text: 'first' }), ok({ text: 'second' })], admission);
    server = s.server;
    const first = drive(s.clock, s.client.messages.create(body));
    const second = drive(s.clock, s.client.messages.create(body));
    const [a, b] = await Promise.all([first, second]);
    expect([a.value?.content, b.value?.content].map((c) => (c?.[0] as { text: string }).text).sort()).toEqual(['first', 'second']);
    // Nothing went out before the pause ended; then the two retries went one slot apart (a 429 slows the pace too).
    const retries = s.events.attempts.filter((a) => a.outcome === 'success').map((a) => a.startedAt as number).sort((x, y) => x - y);
    expect(retries[0]).toBe(4000);
    expect(retries[1]).toBeGreaterThan(4000);
    expect(s.server.requests).toHaveLength(4);
    expect(s.client.policy.breakerState(opus)).toBe(BreakerState.CLOSED);
    expect(s.events.calls.map((c) => c.outcome)).toEqual([CallOutcome.SUCCESS, CallOutcome.SUCCESS]);
  });

  it('pauses the model until anthropic-ratelimit-requests-reset when no request is left', async () => {
    const resetAt = new Date(Date.now() + 3000).toISOString();
    const limited = withHeaders(ok({ text: 'last one' }), { 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': resetAt });
    const s = await setup([limited, ok({ text: 'after the reset' })], admission);
    server = s.server;
    await drive(s.clock, s.client.messages.create(body));
    expect(s.events.attempts[0]!.details).toMatchObject({ rateLimitRemaining: { requests: 0 }, rateLimitResetMs: { requests: expect.any(Number) } });
    const paused = s.client.policy.admissionState(opus)!.pausedUntil;
    expect(paused).toBeGreaterThan(2000);
    expect(paused).toBeLessThanOrEqual(3000);
    const { value } = await drive(s.clock, s.client.messages.create(body));
    expect((value?.content[0] as { text: string }).text).toBe('after the reset');
    expect(s.clock.now()).toBe(paused);
  });

  it('retries 529s at the paced rate until the answer, beyond maxAttempts', async () => {
    const s = await setup([overloaded(), overloaded(), overloaded(), ok({ text: 'at last' })], { policyOptions: { admission: {}, maxAttempts: 2 } });
    server = s.server;
    const { value } = await drive(s.clock, s.client.messages.create(body, { deadlineMs: 120_000 }));
    expect((value?.content[0] as { text: string }).text).toBe('at last');
    expect(s.server.requests).toHaveLength(4);
    expect(s.events.backoffs).toEqual([]);
    expect(s.client.policy.admissionState(opus)!.ratePerSecond).toBeLessThan(1);
  });
});
