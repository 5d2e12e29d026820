import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ok, startFakeAnthropic, type FakeAnthropic } from '@stormwatch/fake-anthropic';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sqliteDeferrer } from '../src/index.js';
import { ensureBuilt } from './support/built.js';
import { runCli } from './support/cliChild.js';
import { opus, task, useTempDir } from './support/queueFiles.js';

const { dir, queuePath } = useTempDir();
const exampleHandler = fileURLToPath(new URL('../examples/summaryHandler.ts', import.meta.url));
let server: FakeAnthropic | undefined;

beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("the README's drain handler (examples/summaryHandler.ts)", () => {
  it('drains the queue through a resilient() client, the real SDK against the fake API', async () => {
    server = await startFakeAnthropic({ otherwise: ok({ text: 'The summary, a little later' }) });
    const queue = sqliteDeferrer({ path: queuePath() });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const payload = { model: opus, max_tokens: 64, messages: [{ role: 'user', content: `Summarise report ${i}` }] };
      ids.push((await queue.defer(task({ callId: i, deferredAt: Date.now() - 1_000, deadlineAt: Date.now() + 3_600_000, payload }))).id);
    }
    await queue.close();

    const summaries = join(dir(), 'summaries');
    const end = await runCli(['drain', '--path', 'queue.db', '--handler', exampleHandler, '--stop-when-idle'], {
      cwd: dir(),
      env: { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'test-key', SUMMARIES_DIR: summaries },
    });
    expect(end).toMatchObject({ code: 0, stdout: '' });
    expect(end.stderr.trimEnd().split('\n').at(-1)).toMatch(/^drain: 3 done, 0 failed, 0 dead, 0 released in /);
    // One request per task, each with the payload it was deferred with.
    expect(server.requests.map((r) => (r.body as { messages: { content: string }[] }).messages[0]!.content).sort()).toEqual(['Summarise report 0', 'Summarise report 1', 'Summarise report 2']);
    expect(readdirSync(summaries).sort()).toEqual(ids.map((id) => `${id}.json`).sort());
    for (const id of ids) expect(JSON.parse(readFileSync(join(summaries, `${id}.json`), 'utf8'))).toEqual([{ type: 'text', text: 'The summary, a little later' }]);
  }, 60_000);
});

describe('README', () => {
  it('shows the example handler verbatim', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### Draining from a shell'));
    expect(/```ts\n([\s\S]*?)```/.exec(section)?.[1]).toBe(readFileSync(exampleHandler, 'utf8'));
  });
});
