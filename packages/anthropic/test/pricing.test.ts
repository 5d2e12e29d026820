import { describe, expect, it } from 'vitest';
import { costOf, DEFAULT_PRICES, priceOf, validatePrices } from '../src/index.js';

describe('pricing', () => {
  it('finds a model by id or by dated id', () => {
    expect(priceOf('claude-sonnet-4-5')).toEqual({ input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 });
    expect(priceOf('claude-sonnet-4-5-20250929')).toBe(DEFAULT_PRICES['claude-sonnet-4-5']);
    expect(priceOf('claude-3-5-haiku-20241022')).toBe(DEFAULT_PRICES['claude-3-5-haiku']);
    expect(priceOf('claude-3-7-sonnet-latest')).toBe(DEFAULT_PRICES['claude-3-7-sonnet']);
  });

  it('does not price one model as another whose id it starts with', () => {
    expect(priceOf('claude-opus-5-5')).toEqual({ input: 4, output: 20, cacheRead: 0.2, cacheWrite: 5 });
    expect(priceOf('claude-opus-5')).toEqual({ input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 });
    expect(priceOf('claude-sonnet-5-5')).toBeUndefined();
    expect(priceOf('claude-opus-4-9')).toBeUndefined();
  });

  it('looks only at the table’s own keys', () => {
    expect(priceOf('constructor')).toBeUndefined();
    expect(priceOf('toString-latest')).toBeUndefined();
  });

  it('knows no price for a model it has not been told about', () => {
    expect(priceOf('claude-haiku-5-5')).toBeUndefined();
    expect(priceOf('claude-sonnet-4-50')).toBeUndefined();
    expect(priceOf('claude-sonnet-4-5-preview')).toBeUndefined();
    expect(costOf({ inputTokens: 1000, outputTokens: 1000 }, undefined)).toBeUndefined();
  });

  it('prices input, output and the prompt cache', () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 100_000, cacheReadInputTokens: 1_000_000, cacheCreationInputTokens: 100_000 };
    expect(costOf(usage, priceOf('claude-haiku-4-5'))).toBeCloseTo(1 + 0.5 + 0.1 + 0.125, 10);
  });

  it('rejects a bad override with the value named', () => {
    expect(() => validatePrices({ 'my-model': { input: -1, output: 1, cacheRead: 0, cacheWrite: 0 } })).toThrow('prices["my-model"].input must be a finite number of USD per million tokens >= 0, got -1');
  });
});
