import type { Usage } from '@stormwatch/core';

/** USD per million tokens for one model. */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
  /** Reading from the prompt cache. */
  readonly cacheRead: number;
  /** Writing to the prompt cache (5-minute TTL). */
  readonly cacheWrite: number;
}

/** A price table: model id (or id prefix) → price. */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** When the built-in table was last checked against the public price list. */
export const PRICE_TABLE_VERSION = '2026-11-22';
/** Where the built-in table comes from. */
export const PRICE_TABLE_SOURCE = 'https://docs.anthropic.com/en/docs/about-claude/pricing';

/** Input, output, cache read, cache write (5-minute TTL): USD per million tokens, as published. */
const price = (input: number, output: number, cacheRead: number, cacheWrite: number): ModelPrice => Object.freeze({ input, output, cacheRead, cacheWrite });

/**
 * Public prices for the models whose price we know (Anthropic's pricing page and model
 * pages, as of {@link PRICE_TABLE_VERSION}). A model missing here has cost "unknown"
 * (`undefined`), never a guess: add it with the `prices` option. Left out on purpose:
 * models whose price depends on the prompt's length (Claude Haiku 5.5) or whose cache
 * prices changed without a settled public figure (Claude Sonnet 5.5), models whose API id
 * we have not confirmed, and the 1-hour cache write (Usage does not split it out).
 * Batch (−50 %), regional and fast-mode multipliers are not applied.
 */
export const DEFAULT_PRICES: PriceTable = Object.freeze({
  'claude-opus-5-5': price(4, 20, 0.2, 5),
  'claude-opus-5': price(5, 25, 0.5, 6.25),
  'claude-opus-4-8': price(5, 25, 0.5, 6.25),
  'claude-opus-4-7': price(5, 25, 0.5, 6.25),
  'claude-opus-4-6': price(5, 25, 0.5, 6.25),
  'claude-opus-4-5': price(5, 25, 0.5, 6.25),
  'claude-opus-4-1': price(15, 75, 1.5, 18.75),
  'claude-opus-4-0': price(15, 75, 1.5, 18.75),
  'claude-opus-4': price(15, 75, 1.5, 18.75),
  'claude-3-opus': price(15, 75, 1.5, 18.75),
  'claude-sonnet-5': price(2, 10, 0.2, 2.5),
  'claude-sonnet-4-6': price(3, 15, 0.3, 3.75),
  'claude-sonnet-4-5': price(3, 15, 0.3, 3.75),
  'claude-sonnet-4-0': price(3, 15, 0.3, 3.75),
  'claude-sonnet-4': price(3, 15, 0.3, 3.75),
  'claude-3-7-sonnet': price(3, 15, 0.3, 3.75),
  'claude-haiku-4-5': price(1, 5, 0.1, 1.25),
  'claude-3-5-haiku': price(0.8, 4, 0.08, 1),
  'claude-3-haiku': price(0.25, 1.25, 0.03, 0.3),
});

/** A snapshot date or alias suffix: `claude-sonnet-4-5-20250929`, `claude-3-7-sonnet-latest`. */
const SNAPSHOT_SUFFIX = /-(\d{8}|latest)$/;

/**
 * Looks a model up: the exact id, or the id without its snapshot suffix (so
 * `claude-sonnet-4-5-20250929` finds `claude-sonnet-4-5`). Nothing looser: `claude-opus-5-5`
 * must not be priced as `claude-opus-5`.
 */
export function priceOf(model: string, table: PriceTable = DEFAULT_PRICES): ModelPrice | undefined {
  if (Object.hasOwn(table, model)) return table[model];
  const base = model.replace(SNAPSHOT_SUFFIX, '');
  return base !== model && Object.hasOwn(table, base) ? table[base] : undefined;
}

/** USD for `usage` at `price`; `undefined` when the price is unknown. */
export function costOf(usage: Usage, price: ModelPrice | undefined): number | undefined {
  if (!price) return undefined;
  return (
    (usage.inputTokens * price.input +
      usage.outputTokens * price.output +
      (usage.cacheReadInputTokens ?? 0) * price.cacheRead +
      (usage.cacheCreationInputTokens ?? 0) * price.cacheWrite) /
    1_000_000
  );
}

/** Checks a user-supplied table: every price a finite number ≥ 0. */
export function validatePrices(table: PriceTable): PriceTable {
  if (typeof table !== 'object' || table === null) throw new TypeError('prices must be an object of model → { input, output, cacheRead, cacheWrite }');
  for (const [model, p] of Object.entries(table)) {
    for (const field of ['input', 'output', 'cacheRead', 'cacheWrite'] as const) {
      const v = (p as unknown as Record<string, unknown>)?.[field];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`prices[${JSON.stringify(model)}].${field} must be a finite number of USD per million tokens >= 0, got ${String(v)}`);
    }
  }
  return table;
}
