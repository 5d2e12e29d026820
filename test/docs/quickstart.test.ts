import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { METRIC_CALLS, SPAN_CALL, attemptSpanName } from '@stormwatch/conventions';
import { FakeAnthropic } from '@stormwatch/fake-anthropic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const fromQuickStart = readme.slice(readme.indexOf('## Quick start'));
/** The quick start section: up to the next second-level heading. */
const nextSection = fromQuickStart.indexOf('\n## ');
const quickStart = nextSection === -1 ? fromQuickStart : fromQuickStart.slice(0, nextSection);

/** The code blocks of the README's quick start, in order. */
const blocks = [...quickStart.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(([, lang, body]) => ({ lang: lang!, body: body! }));

/** An OTLP/HTTP receiver that keeps every request body by path. */
async function startReceiver() {
  const bodies: Array<{ path: string; body: Buffer }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push({ path: req.url ?? '', body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, bodies, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('the README quick start', () => {
  let fake: FakeAnthropic;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    fake = await FakeAnthropic.start();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await fake.close();
    await new Promise((r) => receiver.server.close(r));
  });

  it('has an install line, the app and the run line', () => {
    expect(blocks.map((b) => b.lang)).toEqual(['bash', 'ts', 'bash']);
    expect(blocks[0]!.body).toContain('npm install @stormwatch/anthropic @stormwatch/node @anthropic-ai/sdk');
  });

  it('runs as written: the call answers and its spans and metrics reach the OTLP endpoint', async () => {
    const dir = join(root, 'test', '.run', 'quickstart');
    mkdirSync(dir, { recursive: true });
    const app = blocks[1]!.body;
    const file = /^\/\/ (\S+\.m?ts)/.exec(app)?.[1];
    expect(file).toBeDefined();
    writeFileSync(join(dir, file!), app);
    // A service's own package.json as `npm init` writes it (CommonJS by default), so the
    // app is not an ES module by grace of the repository's "type": "module".
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-service', version: '1.0.0' }));
    // The run line, with the endpoint pointed at this test's receiver and the API at the fake server.
    const run = blocks[2]!.body
      .split('\n')
      .map((l) => l.replace(/(^|\s)#.*$/, '').replace(/\\$/, ''))
      .join(' ');
    const args = run.trim().split(/\s+/);
    const env: Record<string, string> = { ...process.env, ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: 'quickstart-key' } as Record<string, string>;
    while (args[0]?.includes('=')) {
      const [k, v] = args.shift()!.split('=') as [string, string];
      env[k] = k === 'OTEL_EXPORTER_OTLP_ENDPOINT' ? receiver.url : v;
    }
    expect(args[0]).toBe('node');
    const child = spawn(process.execPath, args.slice(1), { cwd: dir, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('The storm passed; the answer arrived.');
    expect(fake.requests).toHaveLength(1);

    const sent = (path: string) => Buffer.concat(receiver.bodies.filter((b) => b.path === path).map((b) => b.body)).toString('latin1');
    // OTLP protobuf keeps strings as UTF-8 bytes: the names are in the payload as written.
    expect(sent('/v1/traces')).toContain(SPAN_CALL);
    expect(sent('/v1/traces')).toContain(attemptSpanName('claude-opus-4-7'));
    expect(sent('/v1/metrics')).toContain(METRIC_CALLS);
    expect(sent('/v1/traces')).toContain('my-service');
  });
});
