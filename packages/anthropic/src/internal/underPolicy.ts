/**
 * `messages.create` and `messages.stream` under the policy, for the SDK's `messages` and its
 * `beta.messages` alike: every attempt is one SDK request (`maxRetries: 0`), accounted,
 * classified and retried by the policy; the caller gets the SDK's own `APIPromise` and
 * `MessageStream`.
 */
import { APIUserAbortError, type Anthropic } from '@anthropic-ai/sdk';
import type { Stream } from '@anthropic-ai/sdk/core/streaming';
import { BetaMessageStream } from '@anthropic-ai/sdk/lib/BetaMessageStream';
import { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import type { Message, MessageCreateParamsBase, MessageCreateParamsNonStreaming, MessageCreateParamsStreaming, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages/messages';
import type { MessageContent } from '@stormwatch/conventions';
import type { AttemptContext, CallOptions, Policy } from '@stormwatch/core';
import { callerError } from '../callerError.js';
import type { PriceTable } from '../pricing.js';
import type { ResilientRequestOptions, SdkRequestOptions } from '../ResilientOptions.js';
import { beginAttempt, billedWaste, describeMessage, failedAttempt, newAccount, promptKnown, toUsage, usefulResult, type Account } from './accounting.js';
import { jsonBody, responseProps, sseBody, toApiPromise, type ResponseHolder, type ResponseProps } from './apiPromise.js';
import { attemptStorage, type AttemptScopeState } from './attemptScope.js';
import { inputMessages, outputMessages, systemInstructions } from './content.js';
import { readHead, streamedUsage, toStream, type StreamHead, type StreamUsage } from './streaming.js';

/** Which of the SDK's message APIs a wrapped resource drives. */
export type MessagesApi = 'messages' | 'beta';

/** What every wrapped resource of one `resilient()` client shares. */
export interface Wrapping {
  readonly policy: Policy;
  /** The SDK client the policy drives: `maxRetries: 0`, the SDK's tracing off, the capture middleware last. */
  readonly sdk: Anthropic;
  readonly prices: PriceTable;
  readonly defaultDeadlineMs: number | undefined;
  readonly recordContent: ((ctx: AttemptContext, content: MessageContent) => void) | undefined;
}

type AnyStream = Stream<RawMessageStreamEvent>;
/** A `create` as `MessageStream.createMessage` calls it. */
type Creator = { create(body: MessageCreateParamsBase, options?: ResilientRequestOptions): { withResponse(): Promise<unknown> } };

const NO_RECORDING = (): void => undefined;

/** The SDK's `create` of the message API, on the client the policy drives. */
function sdkCreate(w: Wrapping, api: MessagesApi): Anthropic['messages']['create'] {
  // The beta API takes the same bodies plus its own fields (`betas`, …); at run time the two `create`s are called alike.
  return (api === 'beta' ? w.sdk.beta.messages.create.bind(w.sdk.beta.messages) : w.sdk.messages.create.bind(w.sdk.messages)) as Anthropic['messages']['create'];
}

/** Splits a request's options into the policy's per-call options and the SDK's. */
function callOptions(w: Wrapping, body: MessageCreateParamsBase, o: ResilientRequestOptions | undefined): { call: CallOptions; request: SdkRequestOptions } {
  // A per-request `maxRetries` is dropped (SDK retries inside policy attempts would multiply
  // them), and so is `__span`, the SDK's own tracing that `MessageStream` may pass.
  const { allowFallback, deadlineMs = w.defaultDeadlineMs, defer, signal, maxRetries: _retries, __span: _span, ...request } = (o ?? {}) as ResilientRequestOptions & { __span?: unknown };
  const call: CallOptions = {
    model: body.model,
    ...(signal ? { signal } : {}),
    ...(deadlineMs === undefined ? {} : { deadlineMs }),
    ...(allowFallback === undefined ? {} : { allowFallback }),
    ...(defer === undefined || defer === false ? {} : { deferPayload: defer === true ? body : defer }),
  };
  return { call, request };
}

/** Hands the request's content to the recorder (converted once per call). */
function contentOf(w: Wrapping, body: MessageCreateParamsBase): (ctx: AttemptContext) => void {
  const record = w.recordContent;
  if (!record) return NO_RECORDING;
  let content: MessageContent | undefined;
  return (ctx) => {
    content ??= { input: inputMessages(body), ...(body.system === undefined ? {} : { system: systemInstructions(body) }) };
    record(ctx, content);
  };
}

/** Runs one attempt's SDK call with the middleware able to see the attempt. */
async function send<T>(ctx: AttemptContext, account: Account, run: () => Promise<T>, holder: ResponseHolder): Promise<T> {
  beginAttempt(ctx, account);
  const scope: AttemptScopeState = { ctx, sent: false };
  try {
    const value = await attemptStorage.run(scope, run);
    holder.response = scope.response;
    return value;
  } catch (error) {
    failedAttempt(account, scope.sent);
    throw error;
  }
}

/** Maps the error a call under the policy rejects with to the caller's. */
type ErrorMap = (error: unknown, o: ResilientRequestOptions | undefined) => unknown;

const MESSAGES_PATH = '/v1/messages';

async function createMessage(w: Wrapping, api: MessagesApi, body: MessageCreateParamsNonStreaming, o: ResilientRequestOptions | undefined, mapError: ErrorMap): Promise<ResponseProps<Message>> {
  const startTime = Date.now();
  const { call, request } = callOptions(w, body, o);
  const create = sdkCreate(w, api);
  const recordRequest = contentOf(w, body);
  const account = newAccount();
  const holder: ResponseHolder = {};
  let data: Message;
  try {
    data = await w.policy.execute(async (ctx) => {
      ctx.details.stream = false;
      recordRequest(ctx);
      const message = await send(ctx, account, () => create({ ...body, model: ctx.model, stream: false }, { ...request, maxRetries: 0, signal: ctx.signal }), holder);
      const usage = toUsage(message.usage);
      promptKnown(ctx, account, usage);
      usefulResult(ctx, usage, w.prices);
      describeMessage(ctx, message);
      w.recordContent?.(ctx, { output: outputMessages(message) });
      return message;
    }, call);
  } catch (error) {
    throw mapError(callerError(error), o);
  }
  return responseProps(data, holder.response, jsonBody, MESSAGES_PATH, startTime);
}

async function createStream(w: Wrapping, api: MessagesApi, body: MessageCreateParamsStreaming, o: ResilientRequestOptions | undefined, mapError: ErrorMap): Promise<ResponseProps<AnyStream>> {
  const startTime = Date.now();
  const { call, request } = callOptions(w, body, o);
  const create = sdkCreate(w, api);
  const recordRequest = contentOf(w, body);
  const account = newAccount();
  let first: { head: StreamHead; response: Response | undefined };
  try {
    first = await w.policy.execute(async (ctx) => {
      ctx.details.stream = true;
      recordRequest(ctx);
      const usage: StreamUsage = { input: undefined, output: 0 };
      let stream: AnyStream | undefined;
      const holder: ResponseHolder = {};
      try {
        const head = await send(ctx, account, async () => {
          stream = await create({ ...body, model: ctx.model, stream: true }, { ...request, maxRetries: 0, signal: ctx.signal });
          return readHead(ctx, account, stream, usage);
        }, holder);
        return { head, response: holder.response };
      } catch (error) {
        stream?.controller.abort();
        // message_start had come: its prompt was billed for a result nobody will see.
        if (usage.input) billedWaste(ctx, streamedUsage(usage), w.prices);
        throw error;
      }
    }, call);
  } catch (error) {
    throw mapError(callerError(error), o);
  }
  return responseProps(toStream(first.head, w.policy, w.prices, w.sdk), first.response, sseBody, MESSAGES_PATH, startTime);
}

const asIs: ErrorMap = (error) => error;

/**
 * `create` under the policy, returning the SDK's `APIPromise`. A failed call rejects with the
 * SDK's own error after the last retry ({@link callerError}), then `mapError`'s.
 */
function createUnderPolicy(w: Wrapping, api: MessagesApi, mapError: ErrorMap = asIs) {
  return (body: MessageCreateParamsBase, o?: ResilientRequestOptions) =>
    body.stream
      ? toApiPromise(w.sdk, createStream(w, api, body as MessageCreateParamsStreaming, o, mapError))
      : toApiPromise(w.sdk, createMessage(w, api, body as MessageCreateParamsNonStreaming, o, mapError));
}

/** A failure after the stream's own abort reads as the SDK's abort, so the `MessageStream` emits `abort` as it would without us. */
const abortAsSdk: ErrorMap = (error, o) => (o?.signal?.aborted ? new APIUserAbortError() : error);

/**
 * `stream` under the policy: the SDK's own `MessageStream` (or `BetaMessageStream`), fed by
 * `create` under the policy; its `abort()` ends any wait, retry or request of the call.
 */
function streamUnderPolicy(w: Wrapping, api: MessagesApi, logger: unknown) {
  const creator: Creator = { create: createUnderPolicy(w, api, abortAsSdk) };
  // No `client` is given to the stream: the SDK's own tracing stays off, the policy traces every attempt.
  return (body: MessageCreateParamsBase, o?: ResilientRequestOptions) =>
    api === 'beta'
      ? BetaMessageStream.createMessage(creator as never, body as never, o as never, { logger: logger as never })
      : MessageStream.createMessage(creator as never, body, o as never, { logger: logger as never });
}

/** The members of a wrapped `messages` (or `beta.messages`) that run under the policy. */
export function messagesUnderPolicy(w: Wrapping, api: MessagesApi, logger: unknown): { create: ReturnType<typeof createUnderPolicy>; stream: ReturnType<typeof streamUnderPolicy> } {
  return { create: createUnderPolicy(w, api), stream: streamUnderPolicy(w, api, logger) };
}
