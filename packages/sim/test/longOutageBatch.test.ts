import Anthropic from '@anthropic-ai/sdk';
import { VirtualClock, seededRandom } from '@stormwatch/core';
import { BATCH_DEFAULTS } from '@stormwatch/queue';
import { describe, expect, it } from 'vitest';
import { batchFigures, computeFigures } from '../src/figures.js';
import { stormwatchBatch } from '../src/policies/stormwatchBatch.js';
import { stormwatchDefer } from '../src/policies/stormwatchDefer.js';
import { costUsd, DEFAULT_PRICES } from '../src/pricing.js';
import { runPolicy, type PolicyRun } from '../src/runPolicy.js';
import { longOutage } from '../src/scenarios/longOutage.js';
import { BATCH_POLICY_ID, longOutageBatch } from '../src/scenarios/longOutageBatch.js';
import type { Scenario } from '../src/scenarios/Scenario.js';
import { validateScenario } from '../src/scenarios/validateScenario.js';
import { SIMULATED_BASE_URL, SimulatedService } from '../src/SimulatedService.js';
import { formatSimTag } from '../src/simTag.js';
import { VirtualRuntime } from '../src/VirtualRuntime.js';
import { xStepFor } from '../src/report/svgChart.js';

const MODEL = longOutage.fleet.model;

/** Runs `body` against a fresh service in virtual time through the real SDK. */
async function withService<T>(scenario: Scenario, body: (client: Anthropic, service: SimulatedService, clock: VirtualClock) => Promise<T>) {
  const clock = new VirtualClock();
  const service = new SimulatedService(scenario, clock, seededRandom(1));
  const runtime = new VirtualRuntime(clock, seededRandom(2));
  const client = new Anthropic({ apiKey: 'sk-test', baseURL: SIMULATED_BASE_URL, fetch: service.fetch as typeof fetch, maxRetries: 0 });
  const uninstall = runtime.install();
  try {
    const outcome = body(client, service, clock).then(
      (value) => ({ value, error: undefined }),
      (error: unknown) => ({ value: undefined, error }),
    );
    await runtime.run();
    return { ...(await outcome), service };
  } finally {
    uninstall();
    service.dispose();
  }
}

const params = (callId: number, input = 1200, output = 200) => ({
  model: MODEL,
  max_tokens: output,
  messages: [{ role: 'user' as const, content: 'hi' }],
  metadata: { user_id: formatSimTag(callId, input, output) },
});

/** The id of the service's first batch. */
const created = (service: SimulatedService) => service.batchRecords()[0]!.id;

/** Sonnet at 1 % of its capacity the whole time; batches end 10 minutes after creation. */
const outage: Scenario = { ...longOutage, overloads: [{ startS: 0, endS: 100_000, factor: 0.01 }], storm: { startS: 0, endS: 100_000 }, batch: { processingS: 600 } };

describe('the simulated service\'s Message Batches endpoints (real SDK)', () => {
  it('processes a batch outside the interactive capacity: in progress until processingS, then each request answered with its tokens', async () => {
    const { value, error, service } = await withService(outage, async (c, _s, clock) => {
      const created = await c.messages.batches.create({ requests: [1, 2, 3].map((id) => ({ custom_id: `task-${id}`, params: params(id, 1000 * id, 100 * id) })) });
      const early = await c.messages.batches.retrieve(created.id);
      await clock.sleep(600_000);
      const ended = await c.messages.batches.retrieve(created.id);
      const results = [];
      for await (const line of await c.messages.batches.results(created.id)) results.push(line);
      return { created, early, ended, results, at: clock.now() };
    });
    expect(error).toBeUndefined();
    expect(value!.created).toMatchObject({ processing_status: 'in_progress', request_counts: { processing: 3, succeeded: 0 } });
    expect(value!.early.processing_status).toBe('in_progress');
    expect(value!.ended).toMatchObject({ processing_status: 'ended', request_counts: { processing: 0, succeeded: 3 } });
    const byId = new Map(value!.results.map((r) => [r.custom_id, r.result]));
    for (const id of [1, 2, 3]) {
      const result = byId.get(`task-${id}`);
      expect(result?.type).toBe('succeeded');
      if (result?.type === 'succeeded') {
        expect(result.message.model).toBe(MODEL);
        expect(result.message.usage).toMatchObject({ input_tokens: 1000 * id, output_tokens: 100 * id });
      }
    }
    // Nothing reached the interactive endpoint: no attempt, no admission, though capacity is at its floor.
    expect(service.attempts).toEqual([]);
    expect(service.admissions).toEqual([]);
    // create, retrieve, retrieve, and the SDK's results(): a retrieve for the results_url, then the file.
    expect(service.batchApiCalls.map((x) => `${x.method} ${x.path.replace(created(service), '<id>')} ${x.status}`)).toEqual([
      'POST /v1/messages/batches 200',
      'GET /v1/messages/batches/<id> 200',
      'GET /v1/messages/batches/<id> 200',
      'GET /v1/messages/batches/<id> 200',
      'GET /v1/messages/batches/<id>/results 200',
    ]);
    const [record] = service.batchRecords();
    // Created when the request arrived (half of the 60 ms RTT); ended at the first look 600 s after that (as the fake does: seen at the next request).
    expect(record).toMatchObject({ createdAtMs: 30, endedAtMs: 60 + 60 + 600_000 + 30 });
    expect(record!.requests.map((r) => [r.callId, r.inputTokens, r.outputTokens, r.result])).toEqual([
      [1, 1000, 100, 'succeeded'],
      [2, 2000, 200, 'succeeded'],
      [3, 3000, 300, 'succeeded'],
    ]);
  });

  it('answers a request that is not a simulated call as errored (invalid_request_error)', async () => {
    const { value, service } = await withService(outage, async (c, _s, clock) => {
      const created = await c.messages.batches.create({ requests: [{ custom_id: 'plain', params: { model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] } }] });
      await clock.sleep(600_000);
      await c.messages.batches.retrieve(created.id);
      const results = [];
      for await (const line of await c.messages.batches.results(created.id)) results.push(line);
      return results;
    });
    expect(value).toEqual([{ custom_id: 'plain', result: { type: 'errored', error: expect.objectContaining({ error: expect.objectContaining({ type: 'invalid_request_error' }) }) } }]);
    expect(service.batchRecords()[0]!.requests[0]).toMatchObject({ callId: -1, result: 'errored' });
  });

  it('answers a batch it does not know with 404 not_found_error', async () => {
    const { error } = await withService(outage, (c) => c.messages.batches.retrieve('msgbatch_nope'));
    expect(error).toMatchObject({ status: 404 });
  });

  it('rejects a batch processing time that is not in (0, 24 h)', () => {
    expect(() => validateScenario({ ...longOutageBatch, batch: { processingS: 0 } })).toThrow(RangeError);
    expect(() => validateScenario({ ...longOutageBatch, batch: { processingS: 24 * 3600 } })).toThrow(/batch\.processingS must be under 24 h/);
  });
});

/** long-outage-batch with a fifth of the fleet, to keep the test short. */
const small: Scenario = { ...longOutageBatch, fleet: { ...longOutageBatch.fleet, clients: 10 } };

const runs = new Map<string, Promise<PolicyRun>>();
function runOf(policy: typeof stormwatchBatch, seed: number): Promise<PolicyRun> {
  const key = `${policy.id}:${seed}`;
  let run = runs.get(key);
  if (run === undefined) {
    run = runPolicy({ scenario: small, policy, seed });
    runs.set(key, run);
  }
  return run;
}

describe('long-outage-batch: deferral to the Message Batches API (stormwatch-batch)', () => {
  it('is long-outage with deadlines beyond the batch window, and leaves long-outage as it was', () => {
    expect(validateScenario(longOutageBatch)).toBe(longOutageBatch);
    expect(longOutageBatch.fleet.deadlineS * 1000).toBeGreaterThan(BATCH_DEFAULTS.windowMs);
    expect({ ...longOutageBatch, name: '', title: '', description: '', fleet: { ...longOutageBatch.fleet, deadlineS: 0 }, extraPolicies: [], batch: undefined }).toEqual({
      ...longOutage, name: '', title: '', description: '', fleet: { ...longOutage.fleet, deadlineS: 0 }, extraPolicies: [], batch: undefined,
    });
    expect(longOutageBatch.extraPolicies).toEqual(['stormwatch-defer', BATCH_POLICY_ID]);
    expect(longOutage.fleet.deadlineS).toBe(2 * 3600);
    expect(longOutage.extraPolicies).toEqual(['stormwatch-defer', 'stormwatch-defer-shared']);
    expect(longOutage.batch).toBeUndefined();
  });

  it('sends the deferred calls in batches and completes at least 99 % of them, none through the interactive endpoint', async () => {
    const run = await runOf(stormwatchBatch, 3);
    const f = computeFigures(run);
    const log = run.extras?.batch;
    expect(f.deferral.deferred).toBeGreaterThan(200);
    expect(log!.deferred).toBe(f.deferral.deferred);
    expect(f.deferral.completedShare).toBeGreaterThanOrEqual(0.99);
    expect(f.deferral.completedWithinDeadline).toBe(f.deferral.completed);
    // Every task went to a batch (none given back for an interactive drain), every one done.
    expect(log!.interactive).toBe(0);
    expect(log!.submitted).toBe(f.deferral.deferred);
    expect(log!.finalCounts).toEqual({ pending: 0, running: 0, done: f.deferral.deferred, failed: 0, dead: 0 });
    expect(f.batch).toMatchObject({ requests: f.deferral.deferred, succeeded: f.deferral.deferred, callsAnswered: f.deferral.completed });
    expect(f.batch.batches).toBe(log!.batchesSubmitted);
    // Each deferred call's answer is its batch request's: the service recorded the call in a batch, and never again at the interactive endpoint.
    const inBatches = new Map(run.batches!.flatMap((b) => b.requests.map((r) => [r.callId, r])));
    for (const c of run.calls.filter((x) => x.deferredAtMs !== undefined)) {
      expect(c.messageId).toMatch(/^msg_fake_msgbatch_/);
      expect(inBatches.get(c.id)).toMatchObject({ result: 'succeeded', inputTokens: c.inputTokens, outputTokens: c.outputTokens });
      expect(run.attempts.filter((a) => a.callId === c.id && a.sentAtMs >= c.deferredAtMs!)).toEqual([]);
    }
    expect(f.deferral.drainAttempts).toBe(0);
    // Capacity returns to the calls not deferred only: no 529 burst.
    expect(f.recovery.burst).toBe(false);
    expect(f.recovery.first30s).toBeLessThanOrEqual(f.recovery.calm30s + 0.01 * f.recovery.attemptsFirst30s);
    // Batches end an hour after their creation: the deferred calls are answered after recovery, within their 26 h.
    expect(f.deferral.completedAfterRecovery).toBe(f.deferral.completed);
  });

  it('bills the batched calls half of what the interactive drain bills for the same calls', async () => {
    const batch = await runOf(stormwatchBatch, 3);
    const drain = await runOf(stormwatchDefer, 3);
    const fb = computeFigures(batch);
    const fd = computeFigures(drain);
    const batched = batch.calls.filter((c) => c.deferredAtMs !== undefined);
    // At list price, from the calls' own sizes.
    const list = batched.reduce((sum, c) => sum + costUsd(DEFAULT_PRICES, MODEL, c.inputTokens, c.outputTokens), 0);
    expect(fb.batch.listUsd).toBeCloseTo(list, 9);
    expect(fb.batch.billedUsd).toBeCloseTo(list / 2, 9);
    // The library's own summary (resumeBatches with costOf) says the same.
    expect(batch.extras!.batch!.interactiveCostUsd).toBeCloseTo(list, 9);
    expect(batch.extras!.batch!.batchCostUsd).toBeCloseTo(list / 2, 9);
    // The same calls in the interactive drain's run: each answered by one interactive attempt, billed at list price.
    const ids = new Set(batched.map((c) => c.id));
    const interactive = drain.attempts.filter((a) => ids.has(a.callId) && a.result === 'ok');
    expect(interactive.length).toBe(ids.size);
    const interactiveUsd = interactive.reduce((sum, a) => sum + costUsd(DEFAULT_PRICES, a.model, a.billedInputTokens, a.billedOutputTokens), 0);
    expect(fb.batch.billedUsd / interactiveUsd).toBeCloseTo(0.5, 9);
    // And the whole run's bill is lower by about that much.
    expect(fb.billedUsd).toBeLessThan(fd.billedUsd);
    expect(fd.billedUsd - fb.billedUsd).toBeGreaterThan(0.4 * interactiveUsd);
  });

  it('runs deterministically for a seed', async () => {
    const a = await runOf(stormwatchBatch, 3);
    const b = await runPolicy({ scenario: small, policy: stormwatchBatch, seed: 3 });
    expect(b.calls).toEqual(a.calls);
    expect(b.attempts).toEqual(a.attempts);
    // Task ids (custom_id) are random UUIDs (node:crypto, as in production); everything else repeats.
    const batches = (r: PolicyRun) => r.batches!.map((x) => ({ ...x, requests: x.requests.map((q) => ({ ...q, customId: '' })) }));
    expect(batches(b)).toEqual(batches(a));
    expect(batchFigures(b)).toEqual(batchFigures(a));
    const c = await runOf(stormwatchBatch, 4);
    expect(c.attempts.map((x) => x.sentAtMs)).not.toEqual(a.attempts.map((x) => x.sentAtMs));
  });
});

describe('the report of an hour-long run', () => {
  it('spaces the x ticks so that at most 16 show (30 s and 60 s below 960 points, as before)', () => {
    expect([60, 240, 241, 900, 960, 961, 1500, 4480, 20_000, 90_000].map(xStepFor)).toEqual([30, 30, 60, 60, 60, 120, 120, 300, 1800, 3600]);
  });
});
