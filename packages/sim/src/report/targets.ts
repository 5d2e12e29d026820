/**
 * The targets for Stormwatch's default policy on `storm-50` with per-process state (issue
 * 11: answer at least 90 % within the deadline, with at most 15 % of the SDK default's
 * 529s and a storm amplification of at most 1.1), checked against a
 * comparison. {@link TARGET_SCENARIO} is the scenario they are set for; the checks can be
 * computed for any scenario, but the reports show them only for that one.
 */
import type { Comparison } from '../compare.js';
import { ORACLE_ID } from '../policies/index.js';

/** The scenario the targets are set for. */
export const TARGET_SCENARIO = 'storm-50';

export interface TargetCheck {
  readonly name: string;
  readonly target: string;
  readonly value: string;
  readonly met: boolean;
}

export function checkTargets(c: Comparison, policyId = 'stormwatch'): TargetCheck[] {
  const byId = new Map(c.results.map((r) => [r.policyId, r.figures]));
  const sw = byId.get(policyId);
  const sdk = byId.get('sdk-default');
  const oracle = byId.get(ORACLE_ID);
  if (sw === undefined) return [];
  const peers = c.results.filter((r) => r.policyId !== policyId && r.policyId !== ORACLE_ID).map((r) => r.figures);
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
