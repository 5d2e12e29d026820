import { describe, expect, it } from 'vitest';
import { computeFigures, deferralFigures, recoveryFigures } from '../src/figures.js';
import type { CallRecord } from '../src/fleet.js';
import { stormwatchDefer, stormwatchDeferShared } from '../src/policies/stormwatchDefer.js';
import { DRAIN_CONCURRENCY } from '../src/policies/deferralRun.js';
import { runPolicy, type PolicyRun } from '../src/runPolicy.js';
import { longOutage } from '../src/scenarios/longOutage.js';
import type { Scenario } from '../src/scenarios/Scenario.js';
import type { AttemptRecord, AttemptResult } from '../src/SimulatedService.js';
import { validateScenario } from '../src/scenarios/validateScenario.js';

/** long-outage as it is (10 minutes near zero, 2 h deadlines) with a fifth of the fleet (2 calls/s), to keep the test short. */
const small: Scenario = { ...longOutage, fleet: { ...longOutage.fleet, clients: 10 } };

const runs = new Map<number, Promise<PolicyRun>>();
/** One run per seed, shared by the tests below. */
function deferRun(seed: number): Promise<PolicyRun> {
  let run = runs.get(seed);
  if (run === undefined) {
    run = runPolicy({ scenario: small, policy: stormwatchDefer, seed });
    runs.set(seed, run);
  }
  return run;
}

describe('long-outage with deferral (stormwatch-defer)', () => {
  it('is a valid scenario: 10 minutes near zero, hours of deadline', () => {
    expect(validateScenario(longOutage)).toBe(longOutage);
    expect(longOutage.storm.endS - longOutage.storm.startS).toBe(600);
    expect(longOutage.fleet.deadlineS).toBeGreaterThanOrEqual(3600);
    expect(longOutage.extraPolicies).toEqual(['stormwatch-defer', 'stormwatch-defer-shared']);
  });

  it('defers calls into the SQLite queue and completes at least 99 % of them, most after recovery', async () => {
    const run = await deferRun(3);
    const f = computeFigures(run);
    const log = run.extras?.deferral;
    expect(log).toBeDefined();
    // Hundreds of calls met the outage and went to the queue; the queue saw each one.
    expect(f.deferral.deferred).toBeGreaterThan(200);
    expect(log!.deferred).toBe(f.deferral.deferred);
    expect(f.deferral.completedShare).toBeGreaterThanOrEqual(0.99);
    // The outage leaves a trickle (1 request/s, 1 at a time) that the drain uses; most wait for recovery.
    expect(f.deferral.completedAfterRecovery / f.deferral.deferred).toBeGreaterThan(0.9);
    // Nothing lost: every task done in the queue file, none dead, none left.
    expect(log!.finalCounts).toEqual({ pending: 0, running: 0, done: f.deferral.deferred, failed: 0, dead: 0 });
    expect(log!.outcomes.dead).toBe(0);
    expect(f.deferral.completedWithinDeadline).toBe(f.deferral.completed);
    // Each deferred call's answer came from a request the drain sent after the deferral (the message id names the attempt).
    const deferred = run.calls.filter((c) => c.deferredAtMs !== undefined);
    for (const c of deferred) {
      const seq = Number(c.messageId?.replace('msg_sim_', ''));
      const answered = run.attempts[seq];
      expect(answered?.callId).toBe(c.id);
      expect(answered!.sentAtMs).toBeGreaterThanOrEqual(c.deferredAtMs!);
      expect(answered!.result).toBe('ok');
    }
  });

  it('runs deterministically for a seed', async () => {
    const a = await deferRun(3);
    const b = await runPolicy({ scenario: small, policy: stormwatchDefer, seed: 3 });
    expect(b.calls).toEqual(a.calls);
    expect(b.attempts).toEqual(a.attempts);
    // Task ids are random UUIDs (node:crypto, as in production); everything else repeats.
    const admissions = (r: PolicyRun) => r.extras!.deferral!.hostAdmissions.map((x) => ({ ...x, taskId: x.taskId !== undefined }));
    expect(admissions(b)).toEqual(admissions(a));
    const c = await deferRun(4);
    expect(c.attempts.map((x) => x.sentAtMs)).not.toEqual(a.attempts.map((x) => x.sentAtMs));
  });

  it('drains through the policy, never faster than the rate it has learned', async () => {
    const run = await deferRun(3);
    const log = run.extras!.deferral!;
    const admissions = log.hostAdmissions;
    const drained = admissions.filter((a) => a.taskId !== undefined);
    // Every request the drain sent (recorded by the service) went through the host policy's admission.
    expect(drained.length).toBe(computeFigures(run).deferral.drainAttempts);
    const paced = drained.filter((a) => Number.isFinite(a.ratePerSecond));
    expect(paced.length).toBeGreaterThan(20); // the check below is not vacuous
    for (let i = 1; i < admissions.length; i++) {
      const { atMs, ratePerSecond } = admissions[i]!;
      if (admissions[i]!.taskId === undefined || !Number.isFinite(ratePerSecond)) continue;
      // Paced: this admission came no sooner than one slot (1 / learned rate) after the policy's previous one.
      expect(atMs - admissions[i - 1]!.atMs).toBeGreaterThanOrEqual(1000 / ratePerSecond - 1e-6);
    }
    // Calm (no pace to keep): the drain holds at most its concurrency.
    expect(log.maxDrainInFlight).toBeLessThanOrEqual(DRAIN_CONCURRENCY);
    // From the service's side: the drain's requests met no burst of 529s when capacity returned.
    const f = computeFigures(run);
    expect(f.deferral.drain529sFirst30s).toBeLessThanOrEqual(f.recovery.calm30s + 0.01 * f.recovery.attemptsFirst30s);
  });
});

describe('long-outage with deferral on a shared store (stormwatch-defer-shared)', () => {
  it('defers, completes every deferred call and drains through the host policy at the fleet\'s learned rate', async () => {
    const run = await runPolicy({ scenario: small, policy: stormwatchDeferShared, seed: 3 });
    const f = computeFigures(run);
    const log = run.extras!.deferral!;
    expect(f.deferral.deferred).toBeGreaterThan(0);
    expect(f.deferral.completedShare).toBeGreaterThanOrEqual(0.99);
    expect(log.finalCounts).toEqual({ pending: 0, running: 0, done: f.deferral.deferred, failed: 0, dead: 0 });
    const admissions = log.hostAdmissions;
    expect(admissions.filter((a) => a.taskId !== undefined).length).toBe(f.deferral.drainAttempts);
    expect(admissions.filter((a) => a.taskId !== undefined && Number.isFinite(a.ratePerSecond)).length).toBeGreaterThan(5);
    for (let i = 1; i < admissions.length; i++) {
      const { atMs, ratePerSecond, taskId } = admissions[i]!;
      if (taskId === undefined || !Number.isFinite(ratePerSecond)) continue;
      // The fleet's slots are one per 1 / rate: the host's own admissions are at least that far apart.
      expect(atMs - admissions[i - 1]!.atMs).toBeGreaterThanOrEqual(1000 / ratePerSecond - 1e-6);
    }
  });
});

describe('recovery and deferral figures', () => {
  const MODEL = longOutage.fleet.model;
  const scenario: Scenario = { ...longOutage, storm: { startS: 60, endS: 120 } };
  const call = (id: number, startMs: number, endMs: number, ok: boolean, deferredAtMs?: number): CallRecord => ({
    id, client: 0, startMs, endMs, deadlineMs: 3_600_000, inputTokens: 1000, outputTokens: 100, stream: false, ok,
    messageId: undefined, model: ok ? MODEL : undefined, error: ok ? undefined : 'X', ...(deferredAtMs === undefined ? {} : { deferredAtMs }),
  });
  const attempt = (seq: number, callId: number, sentAtMs: number, result: AttemptResult): AttemptRecord => ({
    seq, callId, model: MODEL, stream: false, sentAtMs, inputTokens: 1000, outputTokens: 100, arrivedAtMs: sentAtMs + 30,
    admittedAtMs: undefined, endedAtMs: sentAtMs + 30, result, billedInputTokens: 0, billedOutputTokens: 0, retryAfterS: undefined,
  });
  const base = { policyId: 'p', label: 'P', description: 't', scenario, seed: 1, admissions: [], endMs: 300_000 };

  it('counts 529s after capacity returns against the calm 30 s before the storm, and calls a burst what exceeds it by 1 % of the attempts', () => {
    // 1 calm 529 at 40 s; at 120-150 s: 3 529s among 100 attempts (tolerance 1 + 1); one more at 170 s.
    const attempts = [attempt(0, 0, 40_000, 'overloaded')];
    for (let i = 0; i < 100; i++) attempts.push(attempt(attempts.length, 1 + i, 120_000 + i * 100, i < 3 ? 'overloaded' : 'ok'));
    attempts.push(attempt(attempts.length, 200, 170_000, 'shed'));
    const r = recoveryFigures({ ...base, calls: [], attempts });
    expect(r).toEqual({ first30s: 3, first60s: 4, after: 4, calm30s: 1, attemptsFirst30s: 100, burst: true, heldInMemory: 0, inQueue: 0 });
    // One 529 among 98 attempts is within the tolerance (1 + 0.98).
    expect(recoveryFigures({ ...base, calls: [], attempts: attempts.filter((a) => a.seq !== 1 && a.seq !== 2) }).burst).toBe(false);
  });

  it('follows deferred calls: completed after recovery, in the queue or in memory when capacity returned, the drain\'s 529s', () => {
    const calls = [
      call(0, 70_000, 200_000, true, 75_000), // deferred, done after recovery
      call(1, 80_000, 110_000, true, 90_000), // deferred, done during the outage
      call(2, 90_000, 300_000, false, 95_000), // deferred, dead
      call(3, 100_000, 130_000, true), // waited in memory
    ];
    const attempts = [attempt(0, 0, 74_000, 'overloaded'), attempt(1, 0, 121_000, 'overloaded'), attempt(2, 0, 199_000, 'ok'), attempt(3, 3, 60_000, 'overloaded')];
    const run = { ...base, calls, attempts };
    expect(deferralFigures(run)).toEqual({
      deferred: 3,
      completed: 2,
      completedShare: 2 / 3,
      completedAfterRecovery: 1,
      completedWithinDeadline: 2,
      drainAttempts: 2,
      drain529s: 1,
      drain529sFirst30s: 1,
    });
    expect(recoveryFigures(run)).toMatchObject({ heldInMemory: 1, inQueue: 2 });
  });
});
