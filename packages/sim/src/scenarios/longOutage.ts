import type { Scenario } from './Scenario.js';
import { DEFAULT_RTT_MS, defaultFleet, sonnetSpec } from './models.js';

/** The id of the policy row with deferral on, which this scenario adds to the default rows. */
export const DEFER_POLICY_ID = 'stormwatch-defer';
/** The same with the fleet on one shared overload store. */
export const DEFER_SHARED_POLICY_ID = 'stormwatch-defer-shared';

/**
 * `long-outage`: capacity near zero for 10 minutes, calls with hours of deadline — the case
 * hedged abandonment's deferral is for. At 60 s Sonnet falls to 1 % of its capacity (the
 * service's floor: 1 request/s and 1 at a time, against 20 and 60) until 660 s, then comes
 * back whole. 50 open-loop clients send 10 calls/s for 900 s; each call has 2 hours. The
 * storm window is the outage: "after recovery" is from 660 s.
 */
export const longOutage: Scenario = {
  name: 'long-outage',
  title: 'Long outage: capacity near zero for 10 minutes, calls with 2 h of deadline',
  description:
    '50 open-loop clients send 10 calls/s to Sonnet (20 req/s, 60 concurrent) for 900 s; every call has a 2-hour deadline (a batch of summaries, not a user waiting). From 60 s to 660 s Sonnet is at 1 % of its capacity (1 request/s, 1 at a time: the service\'s floor), then back to normal. With deferral on, calls that meet the overload go to a durable queue (SQLite) and a drain runs them through the same policy after recovery, at the rate the policy has learned.',
  durationS: 900,
  models: [sonnetSpec],
  overloads: [{ startS: 60, endS: 660, factor: 0.01 }],
  rateLimitWaves: [],
  resetWaves: [],
  networkRttMs: DEFAULT_RTT_MS,
  storm: { startS: 60, endS: 660 },
  fleet: { ...defaultFleet, deadlineS: 2 * 60 * 60 },
  extraPolicies: [DEFER_POLICY_ID, DEFER_SHARED_POLICY_ID],
};
