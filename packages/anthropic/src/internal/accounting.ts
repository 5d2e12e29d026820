import type { Message, MessageDeltaUsage, Usage as SdkUsage } from '@anthropic-ai/sdk/resources/messages/messages';
import { promptTokens } from '@stormwatch/conventions';
import type { AttemptContext, Usage } from '@stormwatch/core';
import { costOf, priceOf, type PriceTable } from '../pricing.js';

/**
 * What the adapter keeps about one call while its attempts run. One per `messages.create`
 * (or stream), held by that call's closure: it dies with the call, with no per-call map.
 */
export interface Account {
  /** Whether the call's cost was set to zero yet (at its first attempt). */
  opened: boolean;
  /** Failed attempts whose request reached the wire and whose prompt size is not yet counted. */
  unsentCountedFailures: number;
}

export const newAccount = (): Account => ({ opened: false, unsentCountedFailures: 0 });

export function toUsage(u: Partial<SdkUsage> | Partial<MessageDeltaUsage> | undefined | null): Usage {
  return {
    inputTokens: u?.input_tokens ?? 0,
    outputTokens: u?.output_tokens ?? 0,
    ...(u?.cache_read_input_tokens ? { cacheReadInputTokens: u.cache_read_input_tokens } : {}),
    ...(u?.cache_creation_input_tokens ? { cacheCreationInputTokens: u.cache_creation_input_tokens } : {}),
  };
}

const addCost = (current: number | undefined, cost: number | undefined) => (current === undefined || cost === undefined ? undefined : current + cost);

/** Opens the call's account at its first attempt. */
export function beginAttempt(ctx: AttemptContext, account: Account): void {
  if (account.opened) return;
  account.opened = true;
  // Nothing billed yet: zero, not unknown.
  ctx.call.details.costUsd = 0;
  ctx.call.details.wastedCostUsd = 0;
}

/** A failed attempt whose request was sent: its prompt was load for nothing. */
export function failedAttempt(account: Account, sent: boolean): void {
  if (sent) account.unsentCountedFailures++;
}

/**
 * The prompt's size is now known (a success's `usage`, or a stream's `message_start`):
 * every earlier failed attempt resent that many input tokens. Exact for the same model;
 * after a fallback, the tokenizer of the new model counts them.
 */
export function promptKnown(ctx: AttemptContext, account: Account, usage: Usage): void {
  ctx.details.inputTokens = promptTokens(usage);
  ctx.call.details.wastedInputTokens.resent += account.unsentCountedFailures * promptTokens(usage);
  account.unsentCountedFailures = 0;
}

/** A useful, delivered result: its cost is useful cost. */
export function usefulResult(ctx: AttemptContext, usage: Usage, prices: PriceTable): void {
  ctx.details.usage = usage;
  ctx.call.details.costUsd = addCost(ctx.call.details.costUsd, costOf(usage, priceOf(ctx.model, prices)));
}

/** A result that was billed and thrown away (a stream broken after `message_start`). */
export function billedWaste(ctx: AttemptContext, usage: Usage, prices: PriceTable): void {
  const billed = { inputTokens: promptTokens(usage), outputTokens: usage.outputTokens };
  ctx.details.billedWaste = billed;
  ctx.call.details.wastedInputTokens.billed += billed.inputTokens;
  ctx.call.details.wastedOutputTokens.billed += billed.outputTokens;
  ctx.call.details.wastedCostUsd = addCost(ctx.call.details.wastedCostUsd, costOf(usage, priceOf(ctx.model, prices)));
}

/** Copies what a finished message says about itself into the attempt's details. */
export function describeMessage(ctx: AttemptContext, message: Pick<Message, 'id' | 'model' | 'stop_reason'>): void {
  ctx.details.responseId = message.id;
  ctx.details.responseModel = message.model;
  if (message.stop_reason) ctx.details.finishReasons = [message.stop_reason];
}
