import type { Anthropic, ClientOptions } from '@anthropic-ai/sdk';
import { createPolicy, type Policy } from '@stormwatch/core';
import { captureMiddleware } from './internal/attemptScope.js';
import { ensureDefaultTelemetry } from './internal/defaultTelemetry.js';
import { environmentStore } from './internal/environmentStore.js';
import { createClassifier } from './internal/errors.js';
import { passThrough } from './internal/passThrough.js';
import { messagesUnderPolicy, type Wrapping } from './internal/underPolicy.js';
import { DEFAULT_PRICES, validatePrices, type PriceTable } from './pricing.js';
import type { ResilientClient } from './ResilientClient.js';
import type { ResilientOptions } from './ResilientOptions.js';

const KNOWN_OPTIONS: ReadonlySet<string> = new Set(['policy', 'fallback', 'store', 'policyOptions', 'classifier', 'prices', 'deadlineMs', 'recordContent']);

/**
 * Wraps an Anthropic client so that every `messages` (and `beta.messages`) call runs under a Stormwatch policy.
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
  let policy: Policy;
  if (options.policy !== undefined && typeof options.policy !== 'string' && !isPolicy(options.policy)) {
    throw new TypeError(`resilient: policy must be a policy name or a Policy from createPolicy(), got ${describe(options.policy)}`);
  }
  if (typeof options.policy === 'object') {
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
  return wrap(client, { policy, prices, defaultDeadlineMs, recordContent });
}

/** True for a Stormwatch policy (from any copy of `@stormwatch/core`): it has a name and runs calls. */
const isPolicy = (value: unknown): value is Policy =>
  typeof value === 'object' && value !== null && typeof (value as Policy).execute === 'function' && typeof (value as Policy).name === 'string';

const describe = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object that is not a policy' : `${typeof value} ${String(value)}`);

/** The wrapped client over `client`; its `withOptions()` copies are wrapped the same way, under the same policy. */
function wrap(client: Anthropic, settings: Omit<Wrapping, 'sdk'>): ResilientClient {
  // withOptions replaces the middleware list: keep the client's own, ours innermost so it sees each HTTP request.
  const sdk = client.withOptions({ maxRetries: 0, openTelemetry: false, middleware: [...(client.middleware ?? []), captureMiddleware] });
  const w: Wrapping = { ...settings, sdk };
  const logger: unknown = client.logger ?? console;
  const messages = passThrough(client.messages, messagesUnderPolicy(w, 'messages', logger), 'proxy');
  const betaMessages = passThrough(client.beta.messages, messagesUnderPolicy(w, 'beta', logger), 'proxy');
  const beta = passThrough(client.beta, { messages: betaMessages }, 'proxy');
  const withOptions = (options: Partial<ClientOptions>): ResilientClient => wrap(client.withOptions(options), settings);
  return passThrough(client, { messages, beta, policy: settings.policy, sdk, withOptions }, 'target') as ResilientClient;
}
