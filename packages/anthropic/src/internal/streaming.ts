/**
 * Streams under the policy. An attempt lasts until the first content (`content_block_delta`)
 * arrives: whatever breaks before it is retried, because nothing has reached the caller yet.
 * After it, the caller reads on from the attempt that delivered, and a failure is past
 * retrying: it surfaces as a StreamInterruptedError and counts as billed waste.
 */
import { AnthropicError, APIUserAbortError, type Anthropic } from '@anthropic-ai/sdk';
import { Stream } from '@anthropic-ai/sdk/core/streaming';
import type { RawMessageStreamEvent, Usage as SdkUsage } from '@anthropic-ai/sdk/resources/messages/messages';
import type { AttemptContext, Policy } from '@stormwatch/core';
import type { PriceTable } from '../pricing.js';
import { StreamInterruptedError } from '../StreamInterruptedError.js';
import { billedWaste, describeMessage, promptKnown, toUsage, usefulResult, type Account } from './accounting.js';

/** Tokens a stream has reported so far: `message_start`'s usage, then `message_delta`'s output count. */
export interface StreamUsage {
  input: Partial<SdkUsage> | undefined;
  output: number;
}

/** What an attempt read before the first content: the events to replay, and where to read on. */
export interface StreamHead {
  readonly ctx: AttemptContext;
  readonly account: Account;
  readonly stream: Stream<RawMessageStreamEvent>;
  readonly iterator: AsyncIterator<RawMessageStreamEvent>;
  readonly head: RawMessageStreamEvent[];
  /** The stream ended before any content. */
  readonly finished: boolean;
  readonly usage: StreamUsage;
}

/** Records what an event says about the message (ids, usage, stop reason) as it passes. */
export function track(ctx: AttemptContext, account: Account, event: RawMessageStreamEvent, usage: StreamUsage): void {
  if (event.type === 'message_start') {
    usage.input = event.message.usage;
    usage.output = event.message.usage.output_tokens ?? 0;
    describeMessage(ctx, event.message);
    promptKnown(ctx, account, toUsage(event.message.usage));
  } else if (event.type === 'message_delta') {
    usage.output = event.usage.output_tokens ?? usage.output;
    if (event.delta.stop_reason) ctx.details.finishReasons = [event.delta.stop_reason];
  }
}

/** The tokens of `usage` as core's Usage (input from `message_start`, output as last reported). */
export const streamedUsage = (usage: StreamUsage) => ({ ...toUsage(usage.input), outputTokens: usage.output });

/** Reads an attempt's stream up to its first content. */
export async function readHead(ctx: AttemptContext, account: Account, stream: Stream<RawMessageStreamEvent>, usage: StreamUsage): Promise<StreamHead> {
  const iterator = stream[Symbol.asyncIterator]();
  const head: RawMessageStreamEvent[] = [];
  for (;;) {
    const next = await iterator.next();
    if (next.done) {
      // The SDK ends a stream quietly when its signal aborts; before any content, that is the
      // caller's abort or the deadline, not an answer.
      if (ctx.signal.aborted) throw ctx.signal.reason ?? new APIUserAbortError();
      return { ctx, account, stream, iterator, head, finished: true, usage };
    }
    head.push(next.value);
    track(ctx, account, next.value, usage);
    if (next.value.type === 'content_block_delta') return { ctx, account, stream, iterator, head, finished: false, usage };
  }
}

/**
 * The caller's events: the head read during the attempt, then the rest as it arrives.
 * Stopping early (break, return) lets the SDK's iterator abort the request.
 */
async function* deliver(first: StreamHead, policy: Policy, prices: PriceTable): AsyncGenerator<RawMessageStreamEvent> {
  const { ctx, account, iterator, usage } = first;
  let delivered = 0;
  let done = first.finished;
  try {
    for (const event of first.head) {
      delivered++;
      yield event;
    }
    while (!done) {
      let next: IteratorResult<RawMessageStreamEvent>;
      try {
        next = await iterator.next();
      } catch (error) {
        done = true;
        billedWaste(ctx, streamedUsage(usage), prices);
        policy.reportLateFailure({ call: ctx.call, model: ctx.model, attempt: ctx.attempt, error, details: ctx.details });
        throw new StreamInterruptedError(delivered, ctx.details.billedWaste ?? { inputTokens: 0, outputTokens: 0 }, { cause: error });
      }
      if (next.done) {
        done = true;
        break;
      }
      track(ctx, account, next.value, usage);
      delivered++;
      yield next.value;
    }
    usefulResult(ctx, streamedUsage(usage), prices);
    // The call ended at the first content; its usage and cost are known only now.
    policy.reportLateSuccess({ call: ctx.call, model: ctx.model, attempt: ctx.attempt, details: ctx.details });
  } finally {
    if (!done) await iterator.return?.(undefined);
  }
}

/** The SDK's `Stream` class over {@link deliver}, without re-encoding the events; iterable once, like the SDK's. */
export function toStream(first: StreamHead, policy: Policy, prices: PriceTable, client: Anthropic): Stream<RawMessageStreamEvent> {
  let consumed = false;
  async function* once(): AsyncGenerator<RawMessageStreamEvent> {
    if (consumed) throw new AnthropicError('Cannot iterate over a consumed stream, use `.tee()` to split the stream.');
    consumed = true;
    yield* deliver(first, policy, prices);
  }
  return new Stream<RawMessageStreamEvent>(once, first.stream.controller, client);
}
