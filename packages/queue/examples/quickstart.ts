import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import { resilient } from '@stormwatch/anthropic';
import { isCallDeferredError } from '@stormwatch/core';
import { ok, overloaded, startFakeAnthropic } from '@stormwatch/fake-anthropic';
import { drainDeferred, sqliteDeferrer } from '@stormwatch/queue';

// A local server that speaks the Anthropic wire format: overloaded (529) once, then answering.
// With the real API, drop the server and write `new Anthropic()`.
const server = await startFakeAnthropic({ script: [overloaded()], otherwise: ok({ text: 'The summary, a little later' }) });

// Deferred calls go to a file that outlives the process (a temporary directory here).
const dir = mkdtempSync(join(tmpdir(), 'stormwatch-quickstart-'));
const deferrer = sqliteDeferrer({ path: join(dir, 'deferred.db') });
const client = resilient(new Anthropic({ baseURL: server.url, apiKey: 'test-key' }), { policy: 'batch', policyOptions: { abandon: { deferrer } } });

// This call has an hour: on a 529 the policy defers it instead of retrying into the overload.
const body = { model: 'claude-opus-4-7', max_tokens: 256, messages: [{ role: 'user' as const, content: 'Summarise the report' }] };
try {
  await client.messages.create(body, { defer: true, deadlineMs: 60 * 60_000 });
} catch (error) {
  if (!isCallDeferredError(error)) throw error;
  console.log('deferred'); // deferred
}
console.log(await deferrer.counts()); // { pending: 1, running: 0, done: 0, failed: 0, dead: 0 }

// Later — after a restart, in a batch job, or here at once — the drain runs it through the same
// client: its admission control sends it when the model takes calls again, never in a burst.
const summary = await drainDeferred(
  deferrer,
  async (task, { signal, remainingMs }) => {
    const message = await client.messages.create(task.payload as MessageCreateParamsNonStreaming, { signal, deadlineMs: remainingMs });
    console.log(message.content); // [ { type: 'text', text: 'The summary, a little later' } ]
  },
  { stopWhenIdle: true },
);
console.log(summary); // { drained: 1, failed: 0, dead: 0, released: 0 }

await deferrer.close();
await server.close();
rmSync(dir, { recursive: true });
