/**
 * The targets of issue 11 on `storm-50`, checked against a comparison: for Stormwatch's
 * default policy with per-process state (answer at least 90 % within the deadline, with at
 * most 15 % of the SDK default's 529s and a storm amplification of at most 1.1), and, when
 * the comparison has its row, for the default with the whole fleet on one shared store
 * (at least 97 % within the deadline, at most 5 % of the SDK default's 529s).
 * {@link TARGET_SCENARIO} is the scenario they are set for; the checks can be computed for
 * any scenario, but the reports show them only for that one.
 */
import type { Comparison } from '../compare.js';
import { ORACLE_ID } from '../policies/index.js';
import { stormwatchShared } from '../policies/stormwatchShared.js';
import { DEFER_POLICY_ID, DEFER_SHARED_POLICY_ID } from '../scenarios/longOutage.js';
import { BATCH_POLICY_ID } from '../scenarios/longOutageBatch.js';

/** The scenario the targets are set for. */
export const TARGET_SCENARIO = 'storm-50';

export interface TargetCheck {
  readonly name: string;
  readonly target: string;
  readonly value: string;
  readonly met: boolean;
}

/** Names of the shared-store checks start with this. */
const SHARED_STORE_PREFIX = 'shared store: ';

/**
 * The per-process targets of `policyId` (Stormwatch's default unless told), then — when the
 * comparison has the `stormwatch-shared` row — the shared store's, named
 * `shared store: …`. The best peer is the best row that is neither `policyId`, the oracle
 * nor the shared store (a configuration of the same policy, not a peer).
 */
export function checkTargets(c: Comparison, policyId = 'stormwatch'): TargetCheck[] {
  return [...checkPerProcessTargets(c, policyId), ...checkSharedStoreTargets(c)];
}

/** The shared store's targets: success within deadline ≥ 97 %, 529s ≤ 5 % of the SDK default's; none without its row. */
export function checkSharedStoreTargets(c: Comparison, policyId = stormwatchShared.id): TargetCheck[] {
  const byId = new Map(c.results.map((r) => [r.policyId, r.figures]));
  const shared = byId.get(policyId);
  const sdk = byId.get('sdk-default');
  if (shared === undefined) return [];
  const checks: TargetCheck[] = [
    {
      name: `${SHARED_STORE_PREFIX}success within deadline`,
      target: '≥ 97.0 %',
      value: `${(shared.successWithinDeadline * 100).toFixed(1)} %`,
      met: shared.successWithinDeadline >= 0.97,
    },
  ];
  if (sdk !== undefined) {
    const share = sdk.http529 === 0 ? 0 : shared.http529 / sdk.http529;
    checks.push({
      name: `${SHARED_STORE_PREFIX}529s received vs SDK default`,
      target: '≤ 5 %',
      value: `${(share * 100).toFixed(1)} % (${shared.http529} / ${sdk.http529})`,
      met: share <= 0.05,
    });
  }
  return checks;
}

function checkPerProcessTargets(c: Comparison, policyId: string): TargetCheck[] {
  const byId = new Map(c.results.map((r) => [r.policyId, r.figures]));
  const sw = byId.get(policyId);
  const sdk = byId.get('sdk-default');
  const oracle = byId.get(ORACLE_ID);
  if (sw === undefined) return [];
  const peers = c.results.filter((r) => r.policyId !== policyId && r.policyId !== ORACLE_ID && r.policyId !== stormwatchShared.id).map((r) => r.figures);
  const bestPeer = Math.max(...peers.map((f) => f.successWithinDeadline));
  const checks: TargetCheck[] = [
    {
      name: 'retry amplification during the storm',
      target: '≤ 1.10',
      value: sw.stormAmplification.toFixed(2),
      met: sw.stormAmplification <= 1.1,
    },
    { name: 'retry amplification overall', target: '≤ 1.20', value: sw.amplification.toFixed(2), met: sw.amplification <= 1.2 },
  ];
  if (sdk !== undefined) {
    const share = sdk.http529 === 0 ? 0 : sw.http529 / sdk.http529;
    checks.push({
      name: '529s received vs SDK default',
      target: '≤ 15 %',
      value: `${(share * 100).toFixed(1)} % (${sw.http529} / ${sdk.http529})`,
      met: share <= 0.15,
    });
  }
  checks.push({
    name: 'success within deadline',
    target: '≥ 90.0 %',
    value: `${(sw.successWithinDeadline * 100).toFixed(1)} %`,
    met: sw.successWithinDeadline >= 0.9,
  });
  if (peers.length > 0) {
    checks.push({
      name: 'success within deadline vs best peer',
      target: `≥ ${(bestPeer * 100).toFixed(1)} %`,
      value: `${(sw.successWithinDeadline * 100).toFixed(1)} %`,
      met: sw.successWithinDeadline >= bestPeer,
    });
  }
  if (oracle !== undefined && oracle.drainMs !== undefined && sw.drainMs !== undefined) {
    const ratio = oracle.drainMs === 0 ? (sw.drainMs === 0 ? 1 : Infinity) : sw.drainMs / oracle.drainMs;
    checks.push({
      name: 'drain time vs oracle',
      target: '≤ 1.25×',
      value: `${Number.isFinite(ratio) ? ratio.toFixed(2) : '∞'}× (${(sw.drainMs / 1000).toFixed(0)} s / ${(oracle.drainMs / 1000).toFixed(0)} s)`,
      met: ratio <= 1.25,
    });
  }
  return checks;
}

/** The scenario the deferral targets are set for. */
export const DEFERRAL_TARGET_SCENARIO = 'long-outage';

/**
 * The targets of issue 13 on `long-outage`, for the `stormwatch-defer` row (none without it):
 * at least 99 % of the deferred calls completed by the drain (after recovery, or earlier
 * through the trickle of capacity the outage leaves: none lost, none dead); no 529 burst in the first
 * 30 s after capacity returns (burst as `RecoveryFigures` defines it), for the row as a whole
 * and for the drain's own requests; 529s in those 30 s no more than Stormwatch's without
 * deferral (and shown against the SDK default's); and as many calls answered within their
 * deadline as Stormwatch without deferral answers.
 */
export function checkDeferralTargets(c: Comparison, policyId = DEFER_POLICY_ID, withoutDeferralId = 'stormwatch'): TargetCheck[] {
  const byId = new Map(c.results.map((r) => [r.policyId, r.figures]));
  const d = byId.get(policyId);
  if (d === undefined) return [];
  const sw = byId.get(withoutDeferralId);
  const without = withoutDeferralId === 'stormwatch' ? 'Stormwatch without deferral' : `${sw?.label ?? withoutDeferralId} (no deferral)`;
  const sdk = byId.get('sdk-default');
  const r = d.recovery;
  const share = d.deferral.completedShare ?? 0;
  const duringOutage = d.deferral.completed - d.deferral.completedAfterRecovery;
  const tolerance = r.calm30s + 0.01 * r.attemptsFirst30s;
  const checks: TargetCheck[] = [
    {
      name: 'deferred calls completed (none lost or dead)',
      target: '≥ 99.0 %',
      value: `${(share * 100).toFixed(2)} % (${d.deferral.completed} / ${d.deferral.deferred}; ${d.deferral.completedAfterRecovery} after recovery, ${duringOutage} during the outage)`,
      met: d.deferral.deferred > 0 && share >= 0.99,
    },
    {
      name: 'no 529 burst in the first 30 s after recovery (all requests)',
      target: `≤ ${tolerance.toFixed(1)} (calm ${r.calm30s} + 1 % of ${r.attemptsFirst30s} attempts)`,
      value: String(r.first30s),
      met: !r.burst,
    },
    {
      name: "no 529 burst in the first 30 s after recovery (the drain's requests)",
      target: `≤ ${tolerance.toFixed(1)}`,
      value: String(d.deferral.drain529sFirst30s),
      met: d.deferral.drain529sFirst30s <= tolerance,
    },
  ];
  if (sw !== undefined) {
    checks.push({
      name: `529s in the first 30 s after recovery vs ${without}`,
      target: `≤ ${sw.recovery.first30s}`,
      value: `${r.first30s}${sdk === undefined ? '' : ` (SDK default: ${sdk.recovery.first30s})`}`,
      met: r.first30s <= sw.recovery.first30s,
    });
    checks.push({
      name: `calls answered within deadline vs ${without}`,
      target: `≥ ${(sw.successWithinDeadline * 100).toFixed(1)} %`,
      value: `${(d.successWithinDeadline * 100).toFixed(1)} %`,
      met: d.successWithinDeadline >= sw.successWithinDeadline,
    });
  }
  return checks;
}

/** The scenario the Message Batches targets are set for. */
export const BATCH_TARGET_SCENARIO = 'long-outage-batch';

/**
 * The targets of issue 13's batch deferral on `long-outage-batch`, for the `stormwatch-batch`
 * row (none without it): at least 99 % of the deferred calls completed; every batch request
 * billed at half the list price of its tokens; a lower bill than the interactive drain row
 * (`stormwatch-defer`) on the same calls, the difference shown; no 529 burst in the first 30 s
 * after capacity returns; no request of a deferred call sent to the interactive endpoint
 * after its deferral (batch processing uses none of the interactive capacity); and as many
 * calls answered within their deadline as the interactive drain row.
 */
export function checkBatchTargets(c: Comparison): TargetCheck[] {
  const byId = new Map(c.results.map((r) => [r.policyId, r.figures]));
  const b = byId.get(BATCH_POLICY_ID);
  if (b === undefined) return [];
  const d = byId.get(DEFER_POLICY_ID);
  const sdk = byId.get('sdk-default');
  const share = b.deferral.completedShare ?? 0;
  const r = b.recovery;
  const tolerance = r.calm30s + 0.01 * r.attemptsFirst30s;
  const checks: TargetCheck[] = [
    {
      name: 'deferred calls completed (none lost or dead)',
      target: '≥ 99.0 %',
      value: `${(share * 100).toFixed(2)} % (${b.deferral.completed} / ${b.deferral.deferred}; ${b.batch.callsAnswered} answered by a batch)`,
      met: b.deferral.deferred > 0 && share >= 0.99,
    },
    {
      name: 'batch requests billed at half the list price',
      target: '0.50× list',
      value: `$${b.batch.billedUsd.toFixed(2)} for ${b.batch.succeeded} requests listed at $${b.batch.listUsd.toFixed(2)} (${b.batch.listUsd === 0 ? '—' : (b.batch.billedUsd / b.batch.listUsd).toFixed(2)}×)`,
      met: b.batch.succeeded > 0 && Math.abs(b.batch.billedUsd * 2 - b.batch.listUsd) <= 1e-9 * b.batch.listUsd,
    },
    {
      name: "no 529 burst in the first 30 s after recovery (all requests)",
      target: `≤ ${tolerance.toFixed(1)} (calm ${r.calm30s} + 1 % of ${r.attemptsFirst30s} attempts)`,
      value: `${r.first30s}${sdk === undefined ? '' : ` (SDK default: ${sdk.recovery.first30s})`}`,
      met: !r.burst,
    },
    {
      name: 'requests of deferred calls sent to the interactive endpoint after their deferral',
      target: '0',
      value: String(b.deferral.drainAttempts),
      met: b.deferral.drainAttempts === 0,
    },
  ];
  if (d !== undefined) {
    const saved = d.billedUsd - b.billedUsd;
    checks.push({
      name: `cost saved vs ${d.label} (interactive drain)`,
      target: '> $0',
      value: `$${saved.toFixed(2)} ($${b.billedUsd.toFixed(2)} vs $${d.billedUsd.toFixed(2)}, ${((saved / d.billedUsd) * 100).toFixed(1)} % less)`,
      met: saved > 0,
    });
    checks.push({
      name: `calls answered within deadline vs ${d.label}`,
      target: `≥ ${(d.successWithinDeadline * 100).toFixed(1)} %`,
      value: `${(b.successWithinDeadline * 100).toFixed(1)} %`,
      met: b.successWithinDeadline >= d.successWithinDeadline,
    });
  }
  return checks;
}

/** The heading the targets of a scenario are shown under (the command line's and the HTML report's). */
export function targetsHeading(scenarioName: string): string {
  if (scenarioName === DEFERRAL_TARGET_SCENARIO) return 'Targets for Stormwatch with deferral';
  if (scenarioName === BATCH_TARGET_SCENARIO) return 'Targets for Stormwatch with deferral to Message Batches';
  return "Targets for Stormwatch's default policy";
}

/** The targets a comparison is checked against: storm-50's, long-outage's or long-outage-batch's; none for the other scenarios. */
export function targetsFor(c: Comparison): TargetCheck[] {
  if (c.scenario.name === TARGET_SCENARIO) return checkTargets(c);
  if (c.scenario.name === BATCH_TARGET_SCENARIO) return checkBatchTargets(c);
  if (c.scenario.name === DEFERRAL_TARGET_SCENARIO) {
    // The shared-store variant, named as such, against the shared store without deferral.
    const shared = checkDeferralTargets(c, DEFER_SHARED_POLICY_ID, stormwatchShared.id).map((t) => ({ ...t, name: `${SHARED_STORE_PREFIX}${t.name}` }));
    return [...checkDeferralTargets(c), ...shared];
  }
  return [];
}
