import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_POLICY,
  ATTR_PROBE_OUTCOME,
  METRIC_PROBE_DURATION,
  METRIC_PROBE_REQUESTS,
  METRIC_PROBE_SINCE_LAST_SUCCESS,
} from '@stormwatch/conventions';
import { apiError, ok } from '@stormwatch/fake-anthropic';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isProbeKeyError, nextDelay, PROBE_PROMPT, startProbe } from '../src/index.js';
import { HAIKU, probeRig, SONNET, until } from './support/probeRig.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
  vi.unstubAllEnvs();
});

async function rig(...args: Parameters<typeof probeRig>) {
  const r = await probeRig(...args);
  close = r.close;
  return r;
}

const base = (model: string) => ({ [ATTR_GEN_AI_REQUEST_MODEL]: model, [ATTR_POLICY]: 'probe' });

describe('nextDelay', () => {
  it.each([
    // interval, jitter, elapsed, random → delay
    [20_000, 0.2, 0, 0.5, 20_000],
    [20_000, 0.2, 0, 0, 16_000],
    [20_000, 0.2, 0, 1, 24_000],
    [20_000, 0, 0, 0.9, 20_000],
    [20_000, 0.2, 5_000, 0.5, 15_000],
    [20_000, 0.2, 45_000, 0.5, 0],
  ])('waits interval %i ±%f after %i ms spent (random %f): %i ms', (interval, jitter, elapsed, r, expected) => {
    expect(nextDelay(interval, jitter, elapsed, () => r)).toBeCloseTo(expected, 6);
  });
});

describe('startProbe', () => {
  it('sends one tiny request per model at a steady pace from the previous start', async () => {
    const { clock, server } = await rig({ otherwise: ok({ text: 'p' }) }, { models: [HAIKU, SONNET], intervalMs: 20_000 });
    const sentAt = () => server.requests.map((r) => [(r.body as { model: string }).model, clock.now()]);
    await until(() => server.requests.length === 2 && clock.pendingTimers === 2, 'the first probes');
    expect(server.requests.map((r) => r.body)).toEqual(
      [HAIKU, SONNET].map((model) => ({ model, max_tokens: 1, messages: [{ role: 'user', content: PROBE_PROMPT }], stream: false })),
    );
    expect(sentAt()).toHaveLength(2);
    await clock.advance(19_999);
    expect(server.requests).toHaveLength(2);
    await clock.advance(1);
    await until(() => server.requests.length === 4 && clock.pendingTimers === 2, 'the second probes');
    expect(clock.nextDueAt).toBe(40_000);
    for (let i = 0; i < 10; i++) {
      await clock.advance(20_000);
      await until(() => server.requests.length === 6 + 2 * i && clock.pendingTimers === 2, `probe round ${i + 3}`);
    }
    expect(server.requests).toHaveLength(24);
  });

  it('spreads the intervals over ±jitter', async () => {
    const draws = [0, 1, 0.25];
    const { clock, server } = await rig({ otherwise: ok() }, { intervalMs: 20_000, jitter: 0.2, random: () => draws.shift() ?? 0.5 });
    const at: number[] = [];
    const wait = async (n: number) => {
      await until(() => server.requests.length === n && clock.pendingTimers === 1, `probe ${n}`);
      at.push(clock.now());
    };
    await wait(1);
    for (const n of [2, 3, 4]) {
      await clock.runNext();
      await wait(n);
    }
    expect(at).toEqual([0, 16_000, 40_000, 58_000]);
  });

  it('never has two requests of a model in flight: a slow answer delays the next probe, with no burst after', async () => {
    const { clock, server, points } = await rig({ script: [ok({ delayMs: 400 })], otherwise: ok() }, { intervalMs: 20_000, timeoutMs: 3_600_000 });
    await until(() => server.requests.length === 1, 'the first probe');
    // Five intervals go by while the first probe waits for its answer.
    await clock.advance(100_000);
    expect(server.requests).toHaveLength(1);
    expect(await points(METRIC_PROBE_REQUESTS)).toEqual([]);
    await until(() => server.requests.length === 2 && clock.pendingTimers === 1, 'the answer, then one probe at once').catch((e: unknown) => {
      throw new Error(`${String(e)} requests=${server.requests.length} timers=${clock.pendingTimers} now=${clock.now()} next=${clock.nextDueAt}`);
    });
    expect(clock.nextDueAt).toBe(120_000);
    expect(server.requests).toHaveLength(2);
    expect((await points(METRIC_PROBE_REQUESTS))[0]!.value).toBe(2);
  });

  it('counts successes and failures, times them, and measures the time since the last success', async () => {
    const { clock, server, points } = await rig({ script: [ok(), apiError(404, 'not_found_error')], otherwise: ok() }, { intervalMs: 20_000 });
    await until(() => server.requests.length === 1 && clock.pendingTimers === 1, 'the first probe');
    await clock.advance(20_000);
    await until(() => server.requests.length === 2 && clock.pendingTimers === 1, 'the failing probe');
    await clock.advance(10_000);
    expect(await points(METRIC_PROBE_REQUESTS)).toEqual([
      { attributes: { ...base(HAIKU), [ATTR_PROBE_OUTCOME]: 'success' }, value: 1 },
      { attributes: { ...base(HAIKU), [ATTR_PROBE_OUTCOME]: 'failure', [ATTR_ERROR_TYPE]: 'not_found_error' }, value: 1 },
    ]);
    const durations = await points(METRIC_PROBE_DURATION);
    expect(durations.map((p) => [p.attributes, (p.value as { count: number }).count])).toEqual([
      [{ ...base(HAIKU), [ATTR_PROBE_OUTCOME]: 'success' }, 1],
      [{ ...base(HAIKU), [ATTR_PROBE_OUTCOME]: 'failure' }, 1],
    ]);
    expect(await points(METRIC_PROBE_SINCE_LAST_SUCCESS)).toEqual([{ attributes: base(HAIKU), value: 30 }]);
    // The next probe succeeds: back to 0.
    await clock.advance(10_000);
    await until(() => server.requests.length === 3 && clock.pendingTimers === 1, 'the third probe');
    expect(await points(METRIC_PROBE_SINCE_LAST_SUCCESS)).toEqual([{ attributes: base(HAIKU), value: 0 }]);
  });

  it('measures the time since the start while a model never succeeded', async () => {
    const { clock, server, points } = await rig({ otherwise: apiError(404, 'not_found_error') }, { intervalMs: 20_000 });
    await until(() => server.requests.length === 1 && clock.pendingTimers === 1, 'the first probe');
    await clock.advance(15_000);
    expect(await points(METRIC_PROBE_SINCE_LAST_SUCCESS)).toEqual([{ attributes: base(HAIKU), value: 15 }]);
  });

  it.each([
    [401, 'authentication_error', /rejected the key \(HTTP 401/],
    [403, 'permission_error', /rejected the key \(HTTP 403/],
  ])('stops with a clear error when the API answers %i, counting no failure and sending nothing more', async (status, type, message) => {
    const { clock, server, probe, points } = await rig({ otherwise: apiError(status, type) }, { models: [HAIKU, SONNET] });
    const error = await probe.done.catch((e: unknown) => e);
    expect(isProbeKeyError(error)).toBe(true);
    expect(error).toMatchObject({ problem: 'rejected', status, message: expect.stringMatching(message) });
    await clock.advance(600_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests.length).toBeLessThanOrEqual(2);
    expect(clock.pendingTimers).toBe(0);
    expect(await points(METRIC_PROBE_REQUESTS)).toEqual([]);
  });

  it('refuses to start without a key', () => {
    vi.stubEnv('ANTHROPIC_API_KEY', '');
    expect(() => startProbe({ statusPage: false })).toThrow(/no Anthropic API key: set ANTHROPIC_API_KEY/);
  });

  it('does not count a request aborted by stop()', async () => {
    const { server, probe, points } = await rig({ otherwise: ok({ delayMs: 2_000 }) });
    await until(() => server.requests.length === 1, 'the first probe');
    await probe.stop();
    await expect(probe.done).resolves.toBeUndefined();
    expect(await points(METRIC_PROBE_REQUESTS)).toEqual([]);
    expect(await points(METRIC_PROBE_SINCE_LAST_SUCCESS)).toEqual([]);
  });

  it('sends through the probe policy', async () => {
    const { probe } = await rig({ otherwise: ok() });
    expect(probe.client.policy.name).toBe('probe');
  });

  it.each([
    [{ models: [] }, /models must be a non-empty array/],
    [{ models: [HAIKU, HAIKU] }, /distinct/],
    [{ intervalMs: 10 }, /intervalMs must be a finite number of milliseconds >= 1000, got 10/],
    [{ jitter: 1 }, /jitter must be a fraction in \[0, 1\), got 1/],
    [{ timeoutMs: 0 }, /timeoutMs/],
    [{ interval: 5 }, /unknown option "interval"/],
  ])('rejects the bad option %j', (options, message) => {
    expect(() => startProbe({ apiKey: 'k', statusPage: false, ...(options as object) })).toThrow(message);
  });
});
