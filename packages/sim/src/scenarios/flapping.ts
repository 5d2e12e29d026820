import type { Scenario } from './Scenario.js';
import { DEFAULT_RTT_MS, defaultFleet, sonnetSpec } from './models.js';

/**
 * `flapping`: closed-loop workers; capacity drops to 20 % for 10 s out of every 20 s,
 * four times (60-70, 80-90, 100-110, 120-130 s), with 10 % of streams broken in the dips.
 */
export const flapping: Scenario = {
  name: 'flapping',
  title: 'Flapping overload: 10 s at 20 % every 20 s',
  description:
    '50 closed-loop workers (call, wait for the answer, think 4 s on average, call again) use Sonnet. Four times, from 60 s to 130 s, capacity drops to 20 % (4 req/s, 12 concurrent) for 10 s and comes back for 10 s; 10 % of streams served in a dip break with overloaded_error. Calls start for 180 s; each must succeed within 60 s.',
  durationS: 180,
  models: [sonnetSpec],
  overloads: [60, 80, 100, 120].map((startS) => ({ startS, endS: startS + 10, factor: 0.2, streamBreakProbability: 0.1 })),
  rateLimitWaves: [],
  resetWaves: [],
  networkRttMs: DEFAULT_RTT_MS,
  storm: { startS: 60, endS: 130 },
  fleet: { ...defaultFleet, kind: 'closed', thinkTimeS: 4 },
};
