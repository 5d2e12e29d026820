import type { Scenario } from './Scenario.js';
import { DEFAULT_RTT_MS, defaultFleet, sonnetSpec } from './models.js';

/**
 * `storm-50`: 50 clients; at 60 s the service's capacity falls to 10 % (6 concurrent,
 * 2 requests/s) for 60 s, shedding most in-flight work (non-streaming requests get 529,
 * streams an `overloaded_error` event) and breaking 20 % of the streams it still serves.
 */
export const storm50: Scenario = {
  name: 'storm-50',
  title: 'Storm: capacity falls to 10 % for 60 s',
  description:
    '50 open-loop clients send 10 calls/s to Sonnet (20 req/s, 60 concurrent). From 60 s to 120 s capacity is 10 % (2 req/s, 6 concurrent): requests beyond it get HTTP 529, work in flight above the new limit is shed, and 20 % of the streams served during the storm break with a mid-stream overloaded_error. Calls arrive for 180 s; each must succeed within 60 s.',
  durationS: 180,
  models: [sonnetSpec],
  overloads: [{ startS: 60, endS: 120, factor: 0.1, streamBreakProbability: 0.2 }],
  rateLimitWaves: [],
  resetWaves: [],
  networkRttMs: DEFAULT_RTT_MS,
  storm: { startS: 60, endS: 120 },
  fleet: defaultFleet,
};
