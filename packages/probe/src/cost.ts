import { DEFAULT_PRICES, priceOf, type PriceTable } from '@stormwatch/anthropic';

/**
 * A bound on the input tokens of one probe request (the one-word prompt and the message
 * framing; current models count about 8). The cost guard assumes this many, so real
 * figures are lower.
 */
export const PROBE_INPUT_TOKENS_BOUND = 16;
/** Output tokens of one probe request: `max_tokens` is 1. */
export const PROBE_OUTPUT_TOKENS = 1;

const DAY_MS = 86_400_000;

/** The worst case of one model's probe per day. */
export interface DailyCost {
  readonly model: string;
  /** Probes started per day at the shortest jittered interval. */
  readonly requests: number;
  /** Billed tokens: every probe answered, at {@link PROBE_INPUT_TOKENS_BOUND} + 1 tokens. */
  readonly tokens: number;
  /** USD per day at the price table's prices; `undefined` when the model's price is unknown. */
  readonly usd: number | undefined;
}

/**
 * The cost guard: the most a probe can spend per day and model. Every interval at its
 * shortest (`intervalMs × (1 − jitter)`), every probe answered and billed. The policy's
 * retries do not add to the bill — a rejected attempt is not billed and at most one attempt
 * of a probe succeeds — though they add requests (up to the policy's `maxAttempts` per probe).
 */
export function worstCaseDailyCost(model: string, intervalMs: number, jitter: number, prices: PriceTable = DEFAULT_PRICES): DailyCost {
  const requests = Math.ceil(DAY_MS / (intervalMs * (1 - jitter)));
  const price = priceOf(model, prices);
  const usd = price ? (requests * (PROBE_INPUT_TOKENS_BOUND * price.input + PROBE_OUTPUT_TOKENS * price.output)) / 1_000_000 : undefined;
  return { model, requests, tokens: requests * (PROBE_INPUT_TOKENS_BOUND + PROBE_OUTPUT_TOKENS), usd };
}
