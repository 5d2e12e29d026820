/**
 * Prices in USD per million tokens, for the billed-waste figures. The list prices of the
 * simulated models as published by Anthropic (versioned here with the storm lab; pass
 * your own table to {@link computeFigures} to override).
 */
export interface ModelPrice {
  /** USD per million input tokens. */
  readonly inputPerMTok: number;
  /** USD per million output tokens. */
  readonly outputPerMTok: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** Opus 4.x $5/$25, Sonnet 4.x $3/$15, Haiku 4.5 $1/$5 per million input/output tokens. */
export const DEFAULT_PRICES: PriceTable = Object.freeze({
  'claude-opus-4-7': { inputPerMTok: 5, outputPerMTok: 25 },
  'claude-sonnet-4-6': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5 },
});

/** Cost in USD of `input` and `output` tokens of `model`; throws a RangeError for a model without a price. */
export function costUsd(prices: PriceTable, model: string, input: number, output: number): number {
  const price = prices[model];
  if (price === undefined) throw new RangeError(`no price for model "${model}"`);
  return (input * price.inputPerMTok + output * price.outputPerMTok) / 1_000_000;
}
