import Anthropic from '@anthropic-ai/sdk';
import { resilient } from '@stormwatch/anthropic';
import { ok, overloaded, startFakeAnthropic } from '@stormwatch/fake-anthropic';

// A local server that speaks the Anthropic wire format: one 529, then an answer.
// With the real API, drop the server and write `new Anthropic()`.
const server = await startFakeAnthropic({ script: [overloaded(), ok({ text: 'Hello through the storm' })] });

const client = resilient(new Anthropic({ baseURL: server.url, apiKey: 'test-key' }), {
  policy: 'chat',
  fallback: ['claude-sonnet-4-6'],
  policyOptions: { backoff: { baseMs: 50 } }, // short waits for the demo; the default base is 1 s
});
client.policy.onAttemptEnd(({ attempt, model, outcome, classification, delay }) => {
  console.log(`attempt ${attempt} on ${model}: ${outcome}`, classification?.errorType ?? '', delay?.source ?? '');
});

const msg = await client.messages.create({
  model: 'claude-opus-4-6',
  max_tokens: 1024,
  messages: [{ role: 'user', content: 'Hello' }],
});
console.log(msg.content); // [ { type: 'text', text: 'Hello through the storm' } ]
await server.close();
