import type { Scenario } from './Scenario.js';
import { DEFAULT_RTT_MS, defaultFleet, sonnetSpec } from './models.js';

/**
 * `reset-wave`: for 60 s a third of the connections are reset (`ECONNRESET`) when the
 * request arrives; capacity stays normal.
 */
export const resetWave: Scenario = {
  name: 'reset-wave',
  title: 'Connection-reset wave: 30 % of connections reset for 60 s',
  description:
    '50 open-loop clients send 10 calls/s to Sonnet. From 60 s to 120 s a load balancer resets 30 % of connections as the request arrives (fetch fails with ECONNRESET; the SDK reports an APIConnectionError). Capacity stays normal. Calls arrive for 180 s; each must succeed within 60 s.',
  durationS: 180,
  models: [sonnetSpec],
  overloads: [],
  rateLimitWaves: [],
  resetWaves: [{ startS: 60, endS: 120, probability: 0.3 }],
  networkRttMs: DEFAULT_RTT_MS,
  storm: { startS: 60, endS: 120 },
  fleet: defaultFleet,
};
