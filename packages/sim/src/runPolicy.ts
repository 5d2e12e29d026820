/**
 * One run: one policy (or the oracle) against one scenario with one seed, in virtual
 * time. Builds a fresh virtual clock, simulated service and fleet, installs the
 * {@link VirtualRuntime} (so the SDK and cockatiel sleep in virtual time and draw from
 * the seeded source) and drives the clock until the last call has ended.
 */
import { VirtualClock, seededRandom } from '@stormwatch/core';
import type { CallRecord } from './fleet.js';
import { startFleet } from './fleet.js';
import type { PolicyRunExtras, PolicyUnderTest } from './policies/PolicyUnderTest.js';
import { OracleScheduler } from './policies/oracle.js';
import { deriveSeed } from './rng.js';
import type { Scenario } from './scenarios/Scenario.js';
import { validateScenario } from './scenarios/validateScenario.js';
import type { AdmissionSample, AttemptRecord, BatchRecord } from './SimulatedService.js';
import { SIMULATED_BASE_URL, SimulatedService } from './SimulatedService.js';
import { VirtualRuntime } from './VirtualRuntime.js';

/** Everything one run produced: the ground truth the figures are computed from. */
export interface PolicyRun {
  readonly policyId: string;
  readonly label: string;
  readonly description: string;
  readonly scenario: Scenario;
  readonly seed: number;
  readonly calls: readonly CallRecord[];
  readonly attempts: readonly AttemptRecord[];
  readonly admissions: readonly AdmissionSample[];
  /** Message Batches the service received (the `stormwatch-batch` row's); absent or empty for the others. */
  readonly batches?: readonly BatchRecord[];
  /** Virtual ms at which the last event happened. */
  readonly endMs: number;
  /** What the policy reported after the run (the `stormwatch-defer` row: its queue and drain). */
  readonly extras?: PolicyRunExtras;
}

export interface RunPolicyOptions {
  readonly scenario: Scenario;
  /** A policy, or `'oracle'`. */
  readonly policy: PolicyUnderTest | 'oracle';
  readonly seed: number;
  /** Progress in [0, 1] of virtual time over the scenario's duration. */
  readonly onProgress?: (fraction: number) => void;
}

/**
 * Virtual time allowed after the scenario's duration for the last calls to end (a safety
 * net): 30 minutes, or the calls' deadline when that is longer (deferred calls may take it).
 */
const GRACE_MS = 30 * 60 * 1000;

/** Runs patch process globals (see {@link VirtualRuntime}), so they take turns. */
let turn: Promise<unknown> = Promise.resolve();

/**
 * Runs one policy against one scenario in virtual time and resolves with the records.
 * Runs started while another is in progress wait for it (they share the patched globals).
 */
export function runPolicy(options: RunPolicyOptions): Promise<PolicyRun> {
  const run = turn.then(() => runPolicyNow(options));
  turn = run.catch(() => undefined);
  return run;
}

async function runPolicyNow(options: RunPolicyOptions): Promise<PolicyRun> {
  const { scenario, seed } = options;
  validateScenario(scenario);
  if (!Number.isInteger(seed)) throw new TypeError(`runPolicy: seed must be an integer, got ${String(seed)}`);
  const clock = new VirtualClock(0);
  const runtime = new VirtualRuntime(clock, seededRandom(deriveSeed(seed, 'global-random')));
  const service = new SimulatedService(scenario, clock, seededRandom(deriveSeed(seed, 'service')));
  const policy = options.policy === 'oracle' ? new OracleScheduler(scenario, service, clock).policy() : options.policy;
  const fetch = service.fetch as typeof globalThis.fetch;
  const uninstall = runtime.install();
  let calls: CallRecord[];
  let extras: PolicyRunExtras | undefined;
  let finished = false;
  const finishRun = async () => {
    if (finished || policy === undefined || typeof policy.finishRun !== 'function') return;
    finished = true;
    extras = await policy.finishRun(clock);
  };
  try {
    calls = startFleet({
      scenario,
      seed,
      clock,
      createCaller: (clientIndex) =>
        policy.createCaller({
          clock,
          random: seededRandom(deriveSeed(seed, `policy:${policy.seedName ?? policy.id}:${clientIndex}`)),
          fetch,
          baseURL: SIMULATED_BASE_URL,
          clientIndex,
          fallbackModels: scenario.fleet.fallbackModels,
        }),
    });
    const durationMs = scenario.durationS * 1000;
    await runtime.run({
      stopAtMs: durationMs + Math.max(GRACE_MS, scenario.fleet.deadlineS * 1000),
      onProgress: (now) => options.onProgress?.(Math.min(1, now / durationMs)),
    });
    await finishRun();
  } finally {
    uninstall();
    service.dispose();
    await finishRun().catch(() => undefined); // after a failed run: only the clean-up matters
  }
  const unfinished = calls.filter((c) => c.endMs === undefined).length;
  if (unfinished > 0) throw new Error(`${policy.id}: ${unfinished} calls had not ended when the run stopped`);
  return {
    policyId: policy.id,
    label: policy.label,
    description: policy.description,
    scenario,
    seed,
    calls,
    attempts: service.attempts,
    admissions: service.admissions,
    ...(service.batchApiCalls.length === 0 ? {} : { batches: service.batchRecords() }),
    endMs: clock.now(),
    ...(extras === undefined ? {} : { extras }),
  };
}
