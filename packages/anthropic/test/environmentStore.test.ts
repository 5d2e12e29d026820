/**
 * STORMWATCH_REDIS_URL as a service meets it: the built package, loaded by plain Node in a
 * child process (the variable loads `@stormwatch/redis` with Node's own resolution, which the
 * test runner's source-mapped resolution would not show).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FakeAnthropic, ok } from '@stormwatch/fake-anthropic';
import { afterEach, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Two clients made with the variable set, one call, and what they saw; or the error `resilient()` threw. */
const SERVICE = `
import Anthropic from '@anthropic-ai/sdk';
import { resilient } from '@stormwatch/anthropic';
const sdk = new Anthropic({ apiKey: 'test-key', baseURL: process.env.FAKE_URL });
let a, b;
try {
  a = resilient(sdk, { policy: 'a' });
  b = resilient(sdk, { policy: 'b' });
} catch (error) {
  console.log(JSON.stringify({ thrown: error.name, message: error.message }));
  process.exit(0);
}
const message = await a.messages.create({ model: 'claude-opus-4-6', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
console.log(JSON.stringify({ shared: a.policy.store === b.policy.store, hasStore: a.policy.store !== undefined, health: a.policy.store?.health?.(), text: message.content[0].text }));
await a.policy.store?.close();
`;

function runService(env: Record<string, string>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', SERVICE], { cwd: packageDir, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 15_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`service failed: ${error.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>);
    });
  });
}

let server: FakeAnthropic | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('STORMWATCH_REDIS_URL', () => {
  it('puts every client of the process on one Redis store, which never fails a call while Redis is unreachable', async () => {
    server = await FakeAnthropic.start({ script: [ok({ text: 'answered' })] });
    // Nothing listens on port 1: the store answers locally, within its timeout, and says so.
    const seen = await runService({ FAKE_URL: server.url, STORMWATCH_REDIS_URL: 'redis://127.0.0.1:1/7' });
    expect(seen).toMatchObject({ shared: true, hasStore: true, text: 'answered', health: { sharing: false, localAnswers: { connection: expect.any(Number) } } });
  });

  it('without it, a client keeps its state in the process', async () => {
    server = await FakeAnthropic.start({ script: [ok({ text: 'answered' })] });
    expect(await runService({ FAKE_URL: server.url })).toMatchObject({ hasStore: false, text: 'answered' });
  });

  it.each([
    ['http://cache.internal:6379', /^STORMWATCH_REDIS_URL: redisStore: url must use redis: or rediss:/],
    ['redis://ops:hunter2@cache.internal:6379/not-a-db', /^STORMWATCH_REDIS_URL: redisStore: url path must be a database number/],
    ['not a url', /^STORMWATCH_REDIS_URL: redisStore: url must be a redis:\/\/ or rediss:\/\/ URL/],
  ])('a malformed %s fails at construction, naming the variable and never the password', async (url, message) => {
    const seen = await runService({ STORMWATCH_REDIS_URL: url });
    expect(seen.thrown).toBe('TypeError');
    expect(seen.message).toMatch(message);
    expect(seen.message).not.toContain('hunter2');
  });
});
