import type { Scenario } from './Scenario.js';
import { DEFAULT_RTT_MS, defaultFleet, sonnetSpec } from './models.js';

/**
 * `429-wave`: the service has room, but for 60 s the organization's rate limit is 4
 * requests/s; the rest get HTTP 429 with `retry-after` (whole seconds until a token).
 */
export const rateLimitWave: Scenario = {
  name: '429-wave',
  title: '429 wave: rate limit of 4 req/s for 60 s, with retry-after',
  description:
    '50 open-loop clients send 10 calls/s to Sonnet. From 60 s to 120 s an organization rate limit of 4 requests/s (a token bucket holding one second) is in force: requests above it get HTTP 429 rate_limit_error with retry-after in whole seconds and anthropic-ratelimit-requests-remaining: 0. Capacity itself stays normal. Calls arrive for 180 s; each must succeed within 60 s.',
  durationS: 180,
  models: [sonnetSpec],
  overloads: [],
  rateLimitWaves: [{ startS: 60, endS: 120, requestsPerSecond: 4 }],
  resetWaves: [],
  networkRttMs: DEFAULT_RTT_MS,
  storm: { startS: 60, endS: 120 },
  fleet: defaultFleet,
};
