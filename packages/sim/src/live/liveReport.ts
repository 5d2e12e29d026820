/** What both live modes print while a storm runs and the run they hand back at its end. */
import type { CallRecord } from '../fleet.js';
import type { PolicyUnderTest } from '../policies/PolicyUnderTest.js';
import type { PolicyRun } from '../runPolicy.js';
import type { Scenario } from '../scenarios/Scenario.js';
import type { SimulatedService } from '../SimulatedService.js';

/** The line of counters printed every second: time, calls started and open, attempts and 529s the service saw. */
export function tickLine(nowMs: number, calls: number, open: number, service: SimulatedService): string {
  const r529 = service.attempts.filter((a) => a.result === 'overloaded' || a.result === 'shed').length;
  return `t=${(nowMs / 1000).toFixed(0).padStart(4)} s  calls ${calls}  open ${open}  attempts ${service.attempts.length}  529s ${r529}\n`;
}

/** The run's records: the calls that ended and every attempt the service saw. */
export function liveRun(of: {
  readonly policy: PolicyUnderTest;
  /** The table's label; defaults to the policy's. */
  readonly label?: string;
  readonly scenario: Scenario;
  readonly seed: number;
  readonly calls: readonly CallRecord[];
  readonly service: SimulatedService;
  readonly endMs: number;
}): PolicyRun {
  return {
    policyId: of.policy.id,
    label: of.label ?? of.policy.label,
    description: of.policy.description,
    scenario: of.scenario,
    seed: of.seed,
    calls: of.calls.filter((c) => c.endMs !== undefined),
    attempts: of.service.attempts,
    admissions: of.service.admissions,
    endMs: of.endMs,
  };
}
