import type { Scenario } from './Scenario.js';
import { DEFAULT_RTT_MS, OPUS, SONNET, defaultFleet, opusSpec, sonnetSpec } from './models.js';

/**
 * `opus-overloaded`: the application asks for Opus and accepts Sonnet as a fallback;
 * Opus falls to 5 % of its capacity for 120 s while Sonnet is fine.
 */
export const opusOverloaded: Scenario = {
  name: 'opus-overloaded',
  title: 'Opus overloaded, Sonnet fine: capacity of Opus at 5 % for 120 s',
  description:
    '25 open-loop clients send 5 calls/s to Opus (12 req/s, 50 concurrent, 50 tokens/s; about 30 slots busy) and declare Sonnet an acceptable fallback. From 60 s to 180 s Opus is at 5 % (1 req/s, 2 concurrent) and breaks 20 % of its streams; Sonnet (20 req/s, 60 concurrent) is unaffected. Only policies with a fallback chain (Stormwatch, the oracle) use Sonnet. Calls arrive for 240 s; each must succeed within 60 s.',
  durationS: 240,
  models: [opusSpec, sonnetSpec],
  overloads: [{ startS: 60, endS: 180, factor: 0.05, models: [OPUS], streamBreakProbability: 0.2 }],
  rateLimitWaves: [],
  resetWaves: [],
  networkRttMs: DEFAULT_RTT_MS,
  storm: { startS: 60, endS: 180 },
  fleet: { ...defaultFleet, clients: 25, model: OPUS, fallbackModels: [SONNET] },
};
