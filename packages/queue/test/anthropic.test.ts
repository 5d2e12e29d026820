import { existsSync, readFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import { resilient } from '@stormwatch/anthropic';
import { isCallDeferredError, VirtualClock, type CallDeferredError } from '@stormwatch/core';
import { apiError, FakeAnthropic, ok, overloaded } from '@stormwatch/fake-anthropic';
import { afterEach, describe, expect, it } from 'vitest';
import { drainDeferred, isPayloadTooLargeError, sqliteDeferrer, type SqliteDeferrer } from '../src/index.js';
import { drive } from './support/drive.js';
import { opus, useTempDir } from './support/queueFiles.js';

const { queuePath } = useTempDir();
const HOUR = 3_600_000;
let server: FakeAnthropic | undefined;
let queue: SqliteDeferrer | undefined;
afterEach(async () => {
  await server?.close();
  await queue?.close();
  server = queue = undefined;
});

const body = (i: number): MessageCreateParamsNonStreaming => ({ model: opus, max_tokens: 64, messages: [{ role: 'user', content: `Summarise report ${i}` }] });

/** The real SDK against the fake API, under a policy (admission control on) that defers into a SQLite queue; all on one virtual clock. */
async function setup(options: { maxPayloadBytes?: number } = {}) {
  const clock = new VirtualClock();
  queue = sqliteDeferrer({ path: queuePath(), clock, ...options });
  const sentAt: number[] = [];
  server = await FakeAnthropic.start({ otherwise: overloaded() });
  const client = resilient(new Anthropic({ baseURL: server.url, apiKey: 'sk-ant-test-secret' }), {
    policy: 'batch',
    policyOptions: { clock, random: () => 0.5, abandon: { deferrer: queue } },
  });
  /** From now on the API answers: each answer's virtual time recorded. */
  const recover = () =>
    server!.otherwise((request) => {
      sentAt.push(clock.now());
      return ok({ text: `summary of ${JSON.stringify((request.body as MessageCreateParamsNonStreaming).messages[0]?.content)}` });
    });
  return { clock, queue, server, client, sentAt, recover };
}

describe('deferral through resilient() and the drain, with the real SDK', () => {
  it('defers calls while the API answers 529, then drains each once when it answers 200, paced by admission', async () => {
    const { clock, queue, server, client, sentAt, recover } = await setup();
    const n = 6;
    const calls = Array.from({ length: n }, (_, i) => client.messages.create(body(i), { defer: true, deadlineMs: HOUR }));
    const settled = await drive(clock, client.policy, Promise.allSettled(calls));
    const errors = settled.map((s) => (s.status === 'rejected' ? s.reason : s.value));
    expect(errors.every(isCallDeferredError)).toBe(true);
    const receipts = (errors as CallDeferredError[]).map((e) => e.receipt.id);
    expect(new Set(receipts).size).toBe(n);
    expect(await queue.counts()).toEqual({ pending: n, running: 0, done: 0, failed: 0, dead: 0 });
    const stored = await queue.list();
    expect(stored.map((t) => t.payload)).toEqual(Array.from({ length: n }, (_, i) => body(i)));
    expect(stored.every((t) => t.reason === 'overloaded_error' && t.policy === 'batch' && t.model === opus && t.deadlineAt === HOUR)).toBe(true);
    expect(server.counts()).toEqual({ '529': n });

    recover();
    const answers = new Map<string, unknown>();
    const summary = await drive(
      clock,
      client.policy,
      drainDeferred(
        queue,
        async (task, { signal, remainingMs }) => {
          const message = await client.messages.create(task.payload as MessageCreateParamsNonStreaming, { signal, deadlineMs: remainingMs });
          answers.set(task.id, message.content);
        },
        { stopWhenIdle: true },
      ),
    );
    expect(summary).toEqual({ drained: n, failed: 0, dead: 0, released: 0 });
    expect(await queue.counts()).toEqual({ pending: 0, running: 0, done: n, failed: 0, dead: 0 });
    expect([...answers.keys()].sort()).toEqual([...receipts].sort());
    // Every deferred call reached the API once more, with its body as the call site gave it.
    const drained = server.requests.slice(n);
    expect(drained.map((r) => r.body).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(Array.from({ length: n }, (_, i) => ({ ...body(i), stream: false })));
    expect(server.counts()).toEqual({ '200': n, '529': n });
    // The drain sends at the rate admission learned from the 529s, not in one burst.
    expect(sentAt.slice(1).every((at, i) => at > sentAt[i]!)).toBe(true);
    expect(sentAt.at(-1)! - sentAt[0]!).toBeGreaterThanOrEqual(1_000);
    // Nothing secret was stored: the key went to the API, never to the queue.
    expect(JSON.stringify(drained[0]?.headers)).toContain('sk-ant-test-secret');
    const files = Buffer.concat([queuePath(), `${queuePath()}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
    expect(files.includes('sk-ant-test-secret')).toBe(false);
    expect(files.includes('Summarise report 0')).toBe(true); // the check above can see what was written
  });

  it('sends a drained call the API refuses with 400 to dead with its reason; retry(id) brings it back', async () => {
    const { clock, queue, server, client } = await setup();
    const deferred = await drive(clock, client.policy, client.messages.create(body(1), { defer: true, deadlineMs: HOUR }).catch((e: unknown) => e));
    expect(isCallDeferredError(deferred)).toBe(true);
    const { id } = (deferred as CallDeferredError).receipt;

    server.otherwise(apiError(400, 'invalid_request_error'));
    const handler = async (task: { payload: unknown }, { signal, remainingMs }: { signal: AbortSignal; remainingMs: number | undefined }) => {
      await client.messages.create(task.payload as MessageCreateParamsNonStreaming, { signal, deadlineMs: remainingMs });
    };
    expect(await drive(clock, client.policy, drainDeferred(queue, handler, { stopWhenIdle: true }))).toEqual({ drained: 0, failed: 0, dead: 1, released: 0 });
    const dead = await queue.get(id);
    expect(dead).toMatchObject({ state: 'dead', deadReason: 'non_retryable', attempts: 1 });
    expect(dead?.lastError).toMatch(/^BadRequestError: 400 /);

    server.otherwise(ok());
    expect(await queue.retry(id)).toBe(true);
    expect(await drive(clock, client.policy, drainDeferred(queue, handler, { stopWhenIdle: true }))).toEqual({ drained: 1, failed: 0, dead: 0, released: 0 });
    expect(await queue.get(id)).toMatchObject({ state: 'done', attempts: 1 });
  });

  it('refuses a payload over maxPayloadBytes; the policy then goes on as if it had no deferrer', async () => {
    const { clock, queue, server, client } = await setup({ maxPayloadBytes: 100 });
    server.script(overloaded());
    server.otherwise(ok({ text: 'answered after a retry' }));
    const refusals: unknown[] = [];
    client.policy.onDeferFailed(({ error }) => refusals.push(error));
    const message = await drive(clock, client.policy, client.messages.create(body(1), { defer: true, deadlineMs: HOUR }));
    expect(message.content).toEqual([{ type: 'text', text: 'answered after a retry' }]);
    expect(refusals).toHaveLength(1);
    expect(isPayloadTooLargeError(refusals[0])).toBe(true);
    expect(refusals[0]).toMatchObject({ maxBytes: 100, bytes: JSON.stringify(body(1)).length });
    expect(await queue.counts()).toMatchObject({ pending: 0 });
    expect(server.counts()).toEqual({ '200': 1, '529': 1 });
  });
});
