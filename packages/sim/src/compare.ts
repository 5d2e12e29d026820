/**
 * A comparison: every policy (and the oracle) against one scenario with one seed, run one
 * after another in virtual time, with figures and timelines for the report.
 */
import { computeFigures, type Figures } from './figures.js';
import { ORACLE_ID, policiesFor } from './policies/index.js';
import type { PolicyUnderTest } from './policies/PolicyUnderTest.js';
import { runPolicy, type PolicyRun } from './runPolicy.js';
import type { Scenario } from './scenarios/Scenario.js';
import { computeTimeline, type Timeline } from './timeline.js';

export interface PolicyResult {
  readonly policyId: string;
  readonly label: string;
  readonly description: string;
  readonly figures: Figures;
  readonly timeline: Timeline;
}

export interface Comparison {
  readonly scenario: Scenario;
  readonly seed: number;
  /** The policies in the order given, the oracle last. */
  readonly results: readonly PolicyResult[];
  /** Real time the runs took, ms. */
  readonly elapsedMs: number;
}

export interface CompareOptions {
  readonly scenario: Scenario;
  readonly seed: number;
  /** Defaults to every common policy plus the scenario's extra ones (`policiesFor`). */
  readonly policies?: readonly PolicyUnderTest[];
  /** Progress over all runs: `done` runs finished plus the fraction of the current one. */
  readonly onProgress?: (progress: { run: number; runs: number; policyId: string; fraction: number }) => void;
}

export async function compare(options: CompareOptions): Promise<Comparison> {
  const started = performance.now();
  const policies = options.policies ?? policiesFor(options.scenario);
  const entries: (PolicyUnderTest | 'oracle')[] = [...policies, 'oracle'];
  const runs: PolicyRun[] = [];
  for (const [i, policy] of entries.entries()) {
    const policyId = policy === 'oracle' ? ORACLE_ID : policy.id;
    options.onProgress?.({ run: i, runs: entries.length, policyId, fraction: 0 });
    runs.push(
      await runPolicy({
        scenario: options.scenario,
        policy,
        seed: options.seed,
        onProgress: (fraction) => options.onProgress?.({ run: i, runs: entries.length, policyId, fraction }),
      }),
    );
    options.onProgress?.({ run: i, runs: entries.length, policyId, fraction: 1 });
  }
  const seconds = Math.ceil(Math.max(...runs.map((r) => r.endMs)) / 1000);
  const oracle = runs[runs.length - 1]!;
  const oracleFigures = computeFigures(oracle);
  const results = runs.map((run) => ({
    policyId: run.policyId,
    label: run.label,
    description: run.description,
    figures: run === oracle ? oracleFigures : computeFigures(run, oracleFigures.drainMs),
    timeline: computeTimeline(run, seconds),
  }));
  return { scenario: options.scenario, seed: options.seed, results, elapsedMs: performance.now() - started };
}
