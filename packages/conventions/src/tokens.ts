/**
 * What the contract counts as input tokens: `gen_ai.usage.input_tokens`, the input side of
 * `gen_ai.client.token.usage` and of `stormwatch.tokens.wasted` all use this one rule, so
 * that wasted input tokens and used input tokens add up.
 */

/**
 * The prompt's size by Anthropic's rule: `input_tokens` excludes the tokens read from and
 * written to the prompt cache, so all three are added (as the GenAI semantic conventions
 * ask of `gen_ai.usage.input_tokens`).
 */
export function promptTokens(usage: { readonly inputTokens: number; readonly cacheReadInputTokens?: number; readonly cacheCreationInputTokens?: number }): number {
  return usage.inputTokens + (usage.cacheReadInputTokens ?? 0) + (usage.cacheCreationInputTokens ?? 0);
}
