import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import { FakeAnthropic } from '@stormwatch/fake-anthropic';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resumeBatches, sqliteDeferrer } from '../src/index.js';
import { ensureBuilt } from './support/built.js';
import { opus, task, useTempDir } from './support/queueFiles.js';

const { queuePath } = useTempDir();
const childScript = fileURLToPath(new URL('./support/batchChild.ts', import.meta.url));
const lines = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
let server: FakeAnthropic | undefined;

beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('a batch poller killed with SIGKILL', () => {
  it('loses no task: a new process resumes the batch from the stored id and settles every task exactly once', async () => {
    const n = 20;
    const path = queuePath();
    const log = queuePath('handled.log');
    const setup = sqliteDeferrer({ path });
    const ids: string[] = [];
    const now = Date.now();
    for (let i = 0; i < n; i++) ids.push((await setup.defer(task({ callId: i, deferredAt: now - 1_000, deadlineAt: now + 48 * 3_600_000, payload: { model: opus, max_tokens: 8, messages: [{ role: 'user', content: `r${i}` }] } }))).id);

    server = await FakeAnthropic.start(); // batches stay in progress until the test ends them
    const child = spawn(process.execPath, [childScript, JSON.stringify({ path, log, baseURL: server.url })], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

    // Killed once it sent the batch, handed every task to it and is polling.
    const giveUpAt = Date.now() + 15_000;
    while ((await setup.heldBy('batch:')).length < n) {
      if (Date.now() > giveUpAt) throw new Error(`the child did not submit in 15 s; stderr: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGKILL');
    expect(await exit).toEqual({ code: null, signal: 'SIGKILL' });
    await setup.close();
    expect(server.batches.all).toHaveLength(1);
    expect(lines(log)).toEqual([]);

    // The API finishes the batch; a new process resumes it from the queue file alone.
    server.batches.end();
    const queue = sqliteDeferrer({ path });
    try {
      const client = new Anthropic({ baseURL: server.url, apiKey: 'sk-ant-test', maxRetries: 0 });
      const handled: string[] = [];
      const summary = await resumeBatches(queue, client, { onResult: (t) => void handled.push(t.id) });
      expect(summary).toMatchObject({ endedBatches: [server.batches.all[0]!.id], done: n, duplicates: 0 });
      expect(handled.sort()).toEqual([...ids].sort());
      expect(await queue.counts()).toEqual({ pending: 0, running: 0, done: n, failed: 0, dead: 0 });
    } finally {
      await queue.close();
    }
  });
});
