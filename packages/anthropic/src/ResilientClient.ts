import type { APIPromise, Anthropic } from '@anthropic-ai/sdk';
import type { Stream } from '@anthropic-ai/sdk/core/streaming';
import type { ExtractParsedContentFromBetaParams } from '@anthropic-ai/sdk/lib/beta-parser';
import type { BetaMessageStream } from '@anthropic-ai/sdk/lib/BetaMessageStream';
import type { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import type { ExtractParsedContentFromParams } from '@anthropic-ai/sdk/lib/parser';
import type {
  BetaMessage,
  BetaMessageStreamParams,
  BetaRawMessageStreamEvent,
  MessageCreateParamsBase as BetaCreateParamsBase,
  MessageCreateParamsNonStreaming as BetaCreateParamsNonStreaming,
  MessageCreateParamsStreaming as BetaCreateParamsStreaming,
} from '@anthropic-ai/sdk/resources/beta/messages/messages';
import type {
  Message,
  MessageCreateParamsBase,
  MessageCreateParamsNonStreaming,
  MessageCreateParamsStreaming,
  MessageStreamParams,
  RawMessageStreamEvent,
} from '@anthropic-ai/sdk/resources/messages/messages';
import type { Policy } from '@stormwatch/core';
import type { ResilientRequestOptions } from './ResilientOptions.js';

/**
 * `client.messages` of a wrapped client: the SDK's `Messages`, with `create`, `stream` and
 * `parse` under the policy (each takes {@link ResilientRequestOptions}). `create()` returns
 * the SDK's own `APIPromise` (`withResponse()`, `asResponse()`). Every other member
 * (`countTokens`, `batches`, …) is the original client's, with the SDK's own retries.
 */
export interface ResilientMessages extends Anthropic.Messages {
  create(body: MessageCreateParamsNonStreaming, options?: ResilientRequestOptions): APIPromise<Message>;
  create(body: MessageCreateParamsStreaming, options?: ResilientRequestOptions): APIPromise<Stream<RawMessageStreamEvent>>;
  create(body: MessageCreateParamsBase, options?: ResilientRequestOptions): APIPromise<Stream<RawMessageStreamEvent> | Message>;
  /** The SDK's `MessageStream` (events, `finalMessage()`, parsed output), fed by `create` under the policy. */
  stream<Params extends MessageStreamParams>(body: Params, options?: ResilientRequestOptions): MessageStream<ExtractParsedContentFromParams<Params>>;
}

/** `client.beta.messages` of a wrapped client: as {@link ResilientMessages}, for the beta API. */
export interface ResilientBetaMessages extends Anthropic.Beta.Messages {
  create(body: BetaCreateParamsNonStreaming, options?: ResilientRequestOptions): APIPromise<BetaMessage>;
  create(body: BetaCreateParamsStreaming, options?: ResilientRequestOptions): APIPromise<Stream<BetaRawMessageStreamEvent>>;
  create(body: BetaCreateParamsBase, options?: ResilientRequestOptions): APIPromise<Stream<BetaRawMessageStreamEvent> | BetaMessage>;
  stream<Params extends BetaMessageStreamParams>(body: Params, options?: ResilientRequestOptions): BetaMessageStream<ExtractParsedContentFromBetaParams<Params>>;
}

/** `client.beta` of a wrapped client: its `messages` under the policy, the rest the SDK's. */
export interface ResilientBeta extends Anthropic.Beta {
  messages: ResilientBetaMessages;
}

/**
 * The wrapped client: an `Anthropic` (assignable wherever one is expected) whose
 * `messages` and `beta.messages` run under the policy; `withOptions()` copies keep the same
 * policy. Every other resource (`models`, `messages.batches`, `messages.countTokens`, …) is
 * the original client's, with the SDK's own retries.
 */
export interface ResilientClient extends Anthropic {
  messages: ResilientMessages;
  beta: ResilientBeta;
  readonly policy: Policy;
  /** The SDK client the policy drives: `maxRetries: 0`, the SDK's own tracing off. */
  readonly sdk: Anthropic;
}
