/**
 * Prices for the billed-waste figures: `@stormwatch/anthropic`'s versioned price table
 * (USD per million tokens), the one the library itself reports costs with.
 */
import { DEFAULT_PRICES, costOf, priceOf, type PriceTable } from '@stormwatch/anthropic';

export { DEFAULT_PRICES, type PriceTable };

/** Cost in USD of `input` and `output` tokens of `model`; throws a RangeError for a model without a price. */
export function costUsd(prices: PriceTable, model: string, input: number, output: number): number {
  const cost = costOf({ inputTokens: input, outputTokens: output }, priceOf(model, prices));
  if (cost === undefined) throw new RangeError(`no price for model "${model}"`);
  return cost;
}
