import { APIUserAbortError, type Anthropic } from '@anthropic-ai/sdk';
import type { Stream } from '@anthropic-ai/sdk/core/streaming';
import { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import type {
  Message,
  MessageCreateParamsBase,
  MessageCreateParamsNonStreaming,
  MessageCreateParamsStreaming,
  MessageStreamParams,
  RawMessageStreamEvent,
} from '@anthropic-ai/sdk/resources/messages/messages';
import type { MessageContent } from '@stormwatch/conventions';
import { createPolicy, type AttemptContext, type CallOptions, type OverloadStore, type Policy, type PolicyOptions } from '@stormwatch/core';
import { beginAttempt, billedWaste, describeMessage, failedAttempt, newAccount, promptKnown, toUsage, usefulResult, type Account } from './internal/accounting.js';
import { readHead, streamedUsage, toStream, type StreamUsage } from './internal/streaming.js';
import { attemptStorage, captureMiddleware, type AttemptScopeState } from './internal/attemptScope.js';
import { inputMessages, outputMessages, systemInstructions } from './internal/content.js';
import { createClassifier, type ClassifierOptions } from './internal/errors.js';
import { environmentStore } from './internal/environmentStore.js';
import { ensureDefaultTelemetry } from './internal/defaultTelemetry.js';
import { DEFAULT_PRICES, validatePrices, type PriceTable } from './pricing.js';

/** The SDK's own per-request options (`signal`, `headers`, `timeout`, …). */
export type SdkRequestOptions = NonNullable<Parameters<Anthropic['messages']['create']>[1]>;

/** Per-request options: the SDK's, plus the policy's per-call settings. */
export interface ResilientRequestOptions extends SdkRequestOptions {
  /** May this call site fall back to another model? Defaults to the policy's `fallback.allow`. */
  allowFallback?: boolean;
  /** This call's deadline in ms from now (covers every attempt and wait). */
  deadlineMs?: number;
  /**
   * Hand the call to the policy's Deferrer when its deadline is far away. `true` defers the
   * request body itself; any other value is passed as the payload. Default: never defer.
   */
  defer?: unknown;
}

/**
 * What `messages.create` returns: a promise of the SDK's result that, like the SDK's
 * `APIPromise`, can also give the HTTP response of the attempt that succeeded.
 */
export interface ResilientPromise<T> extends Promise<T> {
  /**
   * The result with the `Response` of the successful attempt (its body already consumed)
   * and its `request-id`.
   */
  withResponse(): Promise<{ data: T; response: Response; request_id: string | null }>;
}

export interface ResilientOptions {
  /**
   * A policy, or the name of one to create (`stormwatch.policy`). Defaults to `'default'`.
   * A created policy uses this package's classifier and the options below.
   */
  policy?: string | Policy;
  /** Models to fall back to, in order (only when `policy` is a name). */
  fallback?: readonly string[];
  /**
   * Where a created policy keeps its overload state. A shared store — `redisStore({ url })`
   * from `@stormwatch/redis` — makes every process on it admit calls on one schedule, learn
   * one rate, honour one rate-limit pause and spend one retry budget per model. Defaults to
   * the store `STORMWATCH_REDIS_URL` names (one per process, shared by every client; needs
   * `@stormwatch/redis` installed), else this process's own state.
   */
  store?: OverloadStore;
  /** Further options for a created policy (everything but `name`, `classify`). */
  policyOptions?: Omit<PolicyOptions, 'name' | 'classify'>;
  /** Classifier settings for a created policy (e.g. the 5 s wait before retrying a 500). */
  classifier?: ClassifierOptions;
  /** Price table overrides, merged over {@link DEFAULT_PRICES}. */
  prices?: PriceTable;
  /**
   * Default deadline of every call, in ms from its start (covers every attempt and wait; for
   * a stream, until its first content). A call's own `deadlineMs` overrides it. Defaults to
   * the policy's (none unless configured).
   */
  deadlineMs?: number;
  /**
   * Receives each attempt's message content (request messages and system prompt as the
   * attempt starts; the response's content when a non-streamed attempt succeeds). Pass
   * `recordMessageContent` from `@stormwatch/telemetry`, which records it on the attempt's
   * span only when content capture is on. Defaults to none: content is never read.
   */
  recordContent?: (ctx: AttemptContext, content: MessageContent) => void;
}

/**
 * `messages.create` and `messages.stream` under the policy; every other member of the SDK's
 * `messages` (`countTokens`, `batches`, …) is the original client's, with its own retries.
 */
export interface ResilientMessages extends Omit<Anthropic['messages'], 'create' | 'stream'> {
  create(body: MessageCreateParamsNonStreaming, options?: ResilientRequestOptions): ResilientPromise<Message>;
  create(body: MessageCreateParamsStreaming, options?: ResilientRequestOptions): ResilientPromise<Stream<RawMessageStreamEvent>>;
  create(body: MessageCreateParamsBase, options?: ResilientRequestOptions): ResilientPromise<Stream<RawMessageStreamEvent> | Message>;
  /** Like the SDK's `messages.stream()`: a `MessageStream` with its events and `finalMessage()`. */
  stream(body: MessageStreamParams, options?: ResilientRequestOptions): MessageStream;
}

/**
 * The wrapped client: `messages.create` / `messages.stream` under the policy; everything
 * else (`models`, `beta`, `withOptions`…) is the original client's, untouched.
 */
export interface ResilientClient extends Omit<Anthropic, 'messages'> {
  readonly messages: ResilientMessages;
  readonly policy: Policy;
  /** The SDK client the policy drives: `maxRetries: 0`, the SDK's own tracing off. */
  readonly sdk: Anthropic;
}

/** Where an attempt's SDK call leaves the HTTP response it got. */
interface ResponseHolder {
  response?: Response;
}

const NO_RECORDING = (): void => undefined;

const KNOWN_OPTIONS: ReadonlySet<string> = new Set(['policy', 'fallback', 'store', 'policyOptions', 'classifier', 'prices', 'deadlineMs', 'recordContent']);

/**
 * Wraps an Anthropic client so that every `messages` call runs under a Stormwatch policy.
 * The policy owns every retry: the SDK client it drives has `maxRetries: 0` and its own
 * tracing off, so no attempt is retried or traced twice.
 *
 * @example
 * const client = resilient(new Anthropic(), { policy: 'chat', fallback: ['claude-sonnet-4-6'] });
 * const msg = await client.messages.create({ model: 'claude-opus-4-7', max_tokens: 1024, messages });
 */
export function resilient(client: Anthropic, options: ResilientOptions = {}): ResilientClient {
  if (typeof client?.withOptions !== 'function') throw new TypeError('resilient: expected an Anthropic client (new Anthropic())');
  if (typeof options !== 'object' || options === null) throw new TypeError(`resilient: options must be an object, got ${options === null ? 'null' : typeof options}`);
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new TypeError(`resilient: unknown option ${JSON.stringify(key)}; known: ${[...KNOWN_OPTIONS].join(', ')}`);
  }
  if (options.fallback !== undefined && !(Array.isArray(options.fallback) && options.fallback.every((m) => typeof m === 'string' && m.length > 0))) {
    throw new TypeError(`resilient: fallback must be an array of model ids, got ${JSON.stringify(options.fallback)}`);
  }
  const defaultDeadlineMs = options.deadlineMs;
  if (defaultDeadlineMs !== undefined && !(typeof defaultDeadlineMs === 'number' && Number.isFinite(defaultDeadlineMs) && defaultDeadlineMs >= 1)) {
    throw new RangeError(`resilient: deadlineMs must be a finite number of milliseconds >= 1, got ${String(defaultDeadlineMs)}`);
  }
  const prices: PriceTable = { ...DEFAULT_PRICES, ...validatePrices(options.prices ?? {}) };
  ensureDefaultTelemetry();
  const recordContent = options.recordContent;
  if (recordContent !== undefined && typeof recordContent !== 'function') throw new TypeError(`resilient: recordContent must be a function (ctx, content) => void, got ${typeof recordContent}`);
  /** Hands the request's content to the recorder (converted once per call). */
  const contentOf = (body: MessageCreateParamsBase): ((ctx: AttemptContext) => void) => {
    if (!recordContent) return NO_RECORDING;
    let content: MessageContent | undefined;
    return (ctx) => {
      content ??= { input: inputMessages(body), ...(body.system === undefined ? {} : { system: systemInstructions(body) }) };
      recordContent(ctx, content);
    };
  };
  let policy: Policy;
  if (typeof options.policy === 'object' && options.policy !== null) {
    if (options.fallback || options.store || options.policyOptions || options.classifier) {
      throw new TypeError('resilient: fallback, store, policyOptions and classifier configure a created policy; configure the policy you passed instead');
    }
    policy = options.policy;
  } else {
    if (options.store !== undefined && options.policyOptions?.store !== undefined) throw new TypeError('resilient: store is given twice (store and policyOptions.store); give one');
    const fallback = options.fallback ? { fallback: { ...options.policyOptions?.fallback, models: options.fallback } } : {};
    const store = options.store ?? options.policyOptions?.store ?? environmentStore();
    policy = createPolicy({ ...options.policyOptions, ...fallback, ...(store ? { store } : {}), name: options.policy ?? 'default', classify: createClassifier(options.classifier) });
  }
  // withOptions replaces the middleware list: keep the client's own, ours innermost so it sees each HTTP request.
  const sdk = client.withOptions({ maxRetries: 0, openTelemetry: false, middleware: [...(client.middleware ?? []), captureMiddleware] });

  const callOptions = (body: MessageCreateParamsBase, o: ResilientRequestOptions | undefined): { call: CallOptions; request: SdkRequestOptions } => {
    // A per-request `maxRetries` is dropped: SDK retries inside policy attempts would multiply them.
    const { allowFallback, deadlineMs = defaultDeadlineMs, defer, signal, maxRetries: _ignored, ...request } = o ?? {};
    const call: CallOptions = {
      model: body.model,
      ...(signal ? { signal } : {}),
      ...(deadlineMs === undefined ? {} : { deadlineMs }),
      ...(allowFallback === undefined ? {} : { allowFallback }),
      ...(defer === undefined || defer === false ? {} : { deferPayload: defer === true ? body : defer }),
    };
    return { call, request };
  };

  /** Runs one attempt's SDK call with the middleware able to see the attempt. */
  const send = async <T>(ctx: AttemptContext, account: Account, run: () => Promise<T>, holder?: ResponseHolder): Promise<T> => {
    beginAttempt(ctx, account);
    const scope: AttemptScopeState = { ctx, sent: false };
    try {
      const value = await attemptStorage.run(scope, run);
      if (holder) holder.response = scope.response;
      return value;
    } catch (error) {
      failedAttempt(account, scope.sent);
      throw error;
    }
  };

  const createMessage = (body: MessageCreateParamsNonStreaming, o: ResilientRequestOptions | undefined, holder: ResponseHolder): Promise<Message> => {
    const { call, request } = callOptions(body, o);
    const recordRequest = contentOf(body);
    const account = newAccount();
    return policy.execute(async (ctx) => {
      ctx.details.stream = false;
      recordRequest(ctx);
      const message = await send(ctx, account, () => sdk.messages.create({ ...body, model: ctx.model, stream: false }, { ...request, maxRetries: 0, signal: ctx.signal }), holder);
      const usage = toUsage(message.usage);
      promptKnown(ctx, account, usage);
      usefulResult(ctx, usage, prices);
      describeMessage(ctx, message);
      recordContent?.(ctx, { output: outputMessages(message) });
      return message;
    }, call);
  };

  const createStream = async (body: MessageCreateParamsStreaming, o: ResilientRequestOptions | undefined, holder?: ResponseHolder): Promise<Stream<RawMessageStreamEvent>> => {
    const { call, request } = callOptions(body, o);
    const recordRequest = contentOf(body);
    const account = newAccount();
    const first = await policy.execute(async (ctx) => {
      ctx.details.stream = true;
      recordRequest(ctx);
      const usage: StreamUsage = { input: undefined, output: 0 };
      let stream: Stream<RawMessageStreamEvent> | undefined;
      const attemptHolder: ResponseHolder = {};
      try {
        const head = await send(ctx, account, async () => {
          stream = await sdk.messages.create({ ...body, model: ctx.model, stream: true }, { ...request, maxRetries: 0, signal: ctx.signal });
          return readHead(ctx, account, stream, usage);
        }, attemptHolder);
        return { head, response: attemptHolder.response };
      } catch (error) {
        stream?.controller.abort();
        // message_start had come: its prompt was billed for a result nobody will see.
        if (usage.input) billedWaste(ctx, streamedUsage(usage), prices);
        throw error;
      }
    }, call);
    if (holder) holder.response = first.response;
    return toStream(first.head, policy, prices, sdk);
  };

  function create(body: MessageCreateParamsNonStreaming, o?: ResilientRequestOptions): ResilientPromise<Message>;
  function create(body: MessageCreateParamsStreaming, o?: ResilientRequestOptions): ResilientPromise<Stream<RawMessageStreamEvent>>;
  function create(body: MessageCreateParamsBase, o?: ResilientRequestOptions): ResilientPromise<Stream<RawMessageStreamEvent> | Message>;
  function create(body: MessageCreateParamsBase, o?: ResilientRequestOptions): ResilientPromise<Stream<RawMessageStreamEvent> | Message> {
    const holder: ResponseHolder = {};
    const result: Promise<Stream<RawMessageStreamEvent> | Message> = body.stream
      ? createStream(body as MessageCreateParamsStreaming, o, holder)
      : createMessage(body as MessageCreateParamsNonStreaming, o, holder);
    return withResponse(result, holder);
  }

  const stream = (body: MessageStreamParams, o?: ResilientRequestOptions): MessageStream => {
    // MessageStream.abort() only aborts the MessageStream's own controller; link it to the
    // call so that it also ends any wait, retry or HTTP request under the policy.
    const stopped = new AbortController();
    const signal = o?.signal ? AbortSignal.any([o.signal, stopped.signal]) : stopped.signal;
    let source: AsyncIterator<RawMessageStreamEvent> | undefined;
    const encoder = new TextEncoder();
    const readable = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          source ??= (await createStream({ ...body, stream: true } as MessageCreateParamsStreaming, { ...o, signal }))[Symbol.asyncIterator]();
          const next = await source.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(`${JSON.stringify(next.value)}\n`));
        } catch (error) {
          // An abort reads as the SDK's own, so the MessageStream emits 'abort' as it would without us.
          controller.error(signal.aborted ? new APIUserAbortError() : error);
        }
      },
      async cancel() {
        await source?.return?.();
      },
    });
    const messageStream = MessageStream.fromReadableStream(readable);
    const own = messageStream.controller.signal;
    if (own.aborted) stopped.abort(own.reason);
    else own.addEventListener('abort', () => stopped.abort(own.reason), { once: true });
    return messageStream;
  };

  const messages = passThrough(client.messages, { create, stream }) as unknown as ResilientMessages;
  return passThrough(client, { messages, policy, sdk }) as unknown as ResilientClient;
}

/**
 * `target` with `own` members in front: reads of other members go to `target`, methods bound
 * to it (so its private fields work), and writes are refused.
 */
function passThrough<T extends object>(target: T, own: Record<string, unknown>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (typeof prop === 'string' && Object.hasOwn(own, prop)) return own[prop];
      const value: unknown = Reflect.get(t, prop, t);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
    },
    has: (t, prop) => (typeof prop === 'string' && Object.hasOwn(own, prop)) || Reflect.has(t, prop),
    set(_t, prop) {
      throw new TypeError(`resilient: the wrapped client is read-only (tried to set ${String(prop)})`);
    },
  });
}

/** Gives a result promise the SDK's `withResponse()`; the response is there once it resolves. */
function withResponse<T>(result: Promise<T>, holder: ResponseHolder): ResilientPromise<T> {
  const promise = result as ResilientPromise<T>;
  promise.withResponse = async () => {
    const data = await result;
    // Set by the attempt that succeeded; absent only if the SDK never reached the middleware.
    const response = holder.response;
    if (!response) throw new TypeError('withResponse: no HTTP response was recorded for this call');
    return { data, response, request_id: response.headers.get('request-id') };
  };
  return promise;
}

