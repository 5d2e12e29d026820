import type { Anthropic } from '@anthropic-ai/sdk';
import type { MessageContent } from '@stormwatch/conventions';
import type { AttemptContext, OverloadStore, Policy, PolicyOptions } from '@stormwatch/core';
import type { ClassifierOptions } from './internal/errors.js';
import type { PriceTable } from './pricing.js';

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
