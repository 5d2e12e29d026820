import Anthropic from '@anthropic-ai/sdk';
import { resilient } from '@stormwatch/anthropic';
import { ok, overloaded, startFakeAnthropic } from '@stormwatch/fake-anthropic';

// A local server that speaks the Anthropic wire format: one 529, then an answer.
// With the real API, drop the server and write `new Anthropic()`.
const server = await startFakeAnthropic({ script: [overloaded(), ok({ text: 'Hello through the storm' })] });

const client = resilient(new Anthropic({ baseURL: server.url, apiKey: 'test-key' }), { policy: 'chat', fallback: ['claude-sonnet-4-6'] });
client.policy.onAttemptEnd(({ attempt, model, outcome, classification }) => {
  console.log(`attempt ${attempt} on ${model}: ${outcome}`, classification?.errorType ?? '');
});
// After a 529 the model is paced: the retry waits for its turn (about a second here).
client.policy.onAdmission(({ model, outcome, waitedMs }) => console.log(`${outcome} to ${model} after about ${Math.round(waitedMs / 1000)} s`));

const msg = await client.messages.create({
  model: 'claude-opus-4-6',
  max_tokens: 1024,
  messages: [{ role: 'user', content: 'Hello' }],
});
console.log(msg.content); // [ { type: 'text', text: 'Hello through the storm' } ]
await server.close();
