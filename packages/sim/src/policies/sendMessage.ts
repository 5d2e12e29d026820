/**
 * One Messages call through the real SDK, as an application makes it: non-streaming
 * (`messages.create`) or streaming (`messages.create({ stream: true })`, iterated to
 * the end). An `error` event inside the stream surfaces as the SDK's `APIError` while
 * iterating, exactly as it does against the real API.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { ClientEnv, SimCall, SimCallResult } from './PolicyUnderTest.js';
import { formatSimTag } from '../simTag.js';

/** An SDK client pointed at the simulated service. `maxRetries` undefined keeps the SDK's default (2). */
export function createSdkClient(env: ClientEnv, maxRetries: number | undefined): Anthropic {
  return new Anthropic({
    apiKey: 'sk-ant-sim-0000',
    baseURL: env.baseURL,
    fetch: env.fetch,
    ...(maxRetries === undefined ? {} : { maxRetries }),
  });
}

/** The request body of a simulated call. */
export function messageParams(call: SimCall, model: string): Anthropic.MessageCreateParamsNonStreaming {
  return {
    model,
    max_tokens: call.outputTokens,
    messages: [{ role: 'user', content: `simulated call ${call.callId}` }],
    metadata: { user_id: formatSimTag(call.callId, call.inputTokens, call.outputTokens) },
  };
}

/** Sends one call through `client` (one SDK request; the SDK may retry it itself). */
export async function sendMessage(
  client: Anthropic,
  call: SimCall,
  model: string = call.model,
  options: Anthropic.RequestOptions = {},
): Promise<SimCallResult> {
  if (!call.stream) {
    const message = await client.messages.create(messageParams(call, model), options);
    return { messageId: message.id, model: message.model };
  }
  const stream = await client.messages.create({ ...messageParams(call, model), stream: true }, options);
  let result: SimCallResult | undefined;
  for await (const event of stream) {
    if (event.type === 'message_start') result = { messageId: event.message.id, model: event.message.model };
  }
  if (result === undefined) throw new Error('stream ended without message_start');
  return result;
}

/** Errors a generic retry loop treats as transient: 408, 409, 429, 5xx, 529, stream errors, connection errors. */
export function isTransient(error: unknown): boolean {
  if (error instanceof Anthropic.APIUserAbortError) return false;
  if (error instanceof Anthropic.APIConnectionError) return true;
  if (error instanceof Anthropic.APIError) {
    const status = (error as InstanceType<typeof Anthropic.APIError>).status as number | undefined;
    // An `error` event inside a 200 stream has no status.
    return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
  }
  return false;
}
