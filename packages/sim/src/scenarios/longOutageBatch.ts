import type { Scenario } from './Scenario.js';
import { DEFER_POLICY_ID, longOutage } from './longOutage.js';

/** The id of the row that defers to the Message Batches API, which this scenario adds. */
export const BATCH_POLICY_ID = 'stormwatch-batch';

/** The calls' deadline in `long-outage-batch`: 26 h, beyond the batch window of 24 h. */
export const BATCH_DEADLINE_S = 26 * 3600;

/**
 * `long-outage-batch`: `long-outage` (the same outage, clients and calls) with 26-hour
 * deadlines — beyond the Message Batches API's 24-hour window, so a deferred call may go to a
 * batch (`routeForBatch` sends a task to a batch only when more than 24 h of its deadline
 * remain). Runs the interactive drain row (`stormwatch-defer`) and the batch row
 * (`stormwatch-batch`) on the same calls, so the cost saved is read between the two. A
 * separate scenario, so the `long-outage` rows' figures do not change. The service ends a
 * batch 1 hour after its creation (`batch.processingS`), outside the interactive capacity.
 */
export const longOutageBatch: Scenario = {
  ...longOutage,
  name: 'long-outage-batch',
  title: 'Long outage, calls with 26 h of deadline: deferral to the Message Batches API',
  description:
    "long-outage's outage and calls (50 open-loop clients, 10 calls/s to Sonnet for 900 s, Sonnet at 1 % from 60 s to 660 s) with a 26-hour deadline per call: beyond the Message Batches API's 24-hour window, so deferred calls can go to a batch at half the price. The service processes a batch outside the interactive capacity and ends it 1 hour after its creation. Compares the interactive drain (stormwatch-defer) with deferral to batches (stormwatch-batch) on the same calls.",
  fleet: { ...longOutage.fleet, deadlineS: BATCH_DEADLINE_S },
  extraPolicies: [DEFER_POLICY_ID, BATCH_POLICY_ID],
  batch: { processingS: 3600 },
};
