/**
 * The simulated models and the default workload the scenarios share. Sizes and speeds
 * are round numbers of the order the Messages API shows (TTFT under a second, tens of
 * output tokens per second); the capacity is set so that the normal load uses about
 * 60 % of it, as a provisioned service does.
 */
import type { FleetSpec, ModelSpec } from './Scenario.js';

export const SONNET = 'claude-sonnet-4-6';
export const OPUS = 'claude-opus-4-6';
export const HAIKU = 'claude-haiku-4-5';

/** Sonnet: 20 requests/s, 60 at once, TTFT 600 ms, 80 tokens/s. */
export const sonnetSpec: ModelSpec = {
  id: SONNET,
  requestsPerSecond: 20,
  maxConcurrent: 60,
  timeToFirstTokenMs: 600,
  outputTokensPerSecond: 80,
};

/** Opus: 12 requests/s, 50 at once, TTFT 900 ms, 50 tokens/s. */
export const opusSpec: ModelSpec = {
  id: OPUS,
  requestsPerSecond: 12,
  maxConcurrent: 50,
  timeToFirstTokenMs: 900,
  outputTokensPerSecond: 50,
};

/**
 * 50 open-loop clients, 0.2 calls/s each (10 calls/s in all); 1 000-8 000 input and
 * 100-400 output tokens per call (mean service time 3.7 s on Sonnet, so about 37 of the
 * 60 slots busy); half the calls stream; a call must succeed within 60 s.
 */
export const defaultFleet: FleetSpec = {
  kind: 'open',
  clients: 50,
  callsPerSecond: 0.2,
  model: SONNET,
  fallbackModels: [],
  inputTokens: { min: 1000, max: 8000 },
  outputTokens: { min: 100, max: 400 },
  streamShare: 0.5,
  deadlineS: 60,
};

/** Round-trip time of one HTTP attempt, in ms. */
export const DEFAULT_RTT_MS = 60;
