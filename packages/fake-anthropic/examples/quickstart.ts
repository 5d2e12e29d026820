import Anthropic from '@anthropic-ai/sdk';
import { ok, overloaded, startFakeAnthropic, streamError } from '@stormwatch/fake-anthropic';

// A 529 with retry-after: 2, then a stream that breaks with an SSE error after 3 deltas, then answers.
const server = await startFakeAnthropic({ script: [overloaded(2), streamError(3)], otherwise: ok() });
const client = new Anthropic({ baseURL: server.url, apiKey: 'test', maxRetries: 0 });
const body = { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user' as const, content: 'Hi' }] };

try {
  await client.messages.create(body);
} catch (error) {
  if (error instanceof Anthropic.APIError) console.log(error.status, error.type, error.headers?.get('retry-after')); // 529 overloaded_error 2
}

let text = '';
try {
  for await (const event of await client.messages.create({ ...body, stream: true })) {
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
  }
} catch (error) {
  if (error instanceof Anthropic.APIError) console.log(JSON.stringify(text), error.status, error.type); // "The storm passed; " undefined overloaded_error
}

console.log((await client.messages.create(body)).content); // [ { type: 'text', text: 'The storm passed; the answer arrived.' } ]
console.log(server.counts()); // { '200': 2, '529': 1 }
await server.close();
