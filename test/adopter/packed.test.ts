/**
 * Stormwatch as an adopter installs it (issue 12): the packages packed with `npm pack`,
 * installed from the tarballs into a fresh project with the SDK from the registry, then used
 * from an ES module service, a CommonJS service (each under Node 24 and Node 22) and
 * TypeScript (`tsc --noEmit`, ES module and CommonJS), with the lowest and the newest
 * supported SDK. What works only inside the monorepo fails here.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { SPAN_CALL } from '@stormwatch/conventions';
import { apiError, FakeAnthropic, ok, overloaded } from '@stormwatch/fake-anthropic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeRuntimes } from './support/nodeRuntimes.js';
import { packedProject, type PackedProject } from './support/packedProject.js';

/** The SDK releases the peer range is tested at: its lowest and the newest published when this was written. */
const SDK_VERSIONS = ['1.0.0', '1.17.0'];

interface ExportedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parent?: string;
}
/** SpanKind.CLIENT in the OpenTelemetry API. */
const CLIENT = 2;

function run(bin: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(bin)} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

describe.each(SDK_VERSIONS)('the packed packages with @anthropic-ai/sdk %s', (sdkVersion) => {
  let project: PackedProject;
  let runtimes: Array<[string, string]>;
  beforeAll(() => {
    project = packedProject(sdkVersion);
    runtimes = nodeRuntimes();
  }, 600_000);

  let server: FakeAnthropic | undefined;
  afterAll(async () => server?.close());

  it.each([
    ['an ES module service', 'app.mjs', 'esm'],
    ['a CommonJS service', 'app.cjs', 'cjs'],
  ])('%s retries, answers and hands back the SDK’s own error class, under each Node release', async (_name, file, moduleSystem) => {
    for (const [label, bin] of runtimes) {
      await server?.close();
      server = await FakeAnthropic.start({ script: [overloaded(0), ok({ text: `answered (${label})` }), apiError(503), apiError(503), apiError(503)] });
      const out = JSON.parse(await run(bin, [file], project.dir, { FAKE_URL: server.url })) as Record<string, unknown>;
      expect(out, label).toEqual({
        moduleSystem,
        resolved: moduleSystem === 'cjs' ? 'require' : 'import',
        text: `answered (${label})`,
        apiPromise: true,
        status: 200,
        isAnthropic: true,
        attempts: ['retryable_error:overloaded_error', 'success:', 'retryable_error:api_error', 'retryable_error:api_error', 'retryable_error:api_error'],
        exhausted: { sdkClass: true, apiError: true, status: 503, info: { reason: 'max_attempts', attempts: 3 } },
      });
      expect(server.counts()).toEqual({ '529': 1, '200': 1, '503': 3 });
    }
  });

  it.each([
    ['with no Stormwatch-specific call', 'default', []],
    ['with StormwatchInstrumentation in its instrumentations', 'instrumentation', []],
    ['started with --import @stormwatch/node/register, which keeps its providers', 'register', ['--import', '@stormwatch/node/register']],
  ])('an existing NodeSDK service gets the contract’s spans %s, and each request carries its attempt’s traceparent', async (_name, mode, flags) => {
    await server?.close();
    server = await FakeAnthropic.start({ script: [overloaded(0), ok()] });
    const out = JSON.parse(await run(process.execPath, [...flags, 'nodesdk.mjs'], project.dir, { FAKE_URL: server.url, MODE: mode })) as { spans: ExportedSpan[]; afterShutdown?: boolean };
    const handler = out.spans.find((s) => s.name === 'POST /summary')!;
    const call = out.spans.find((s) => s.name === SPAN_CALL);
    expect(call, 'the call span').toBeDefined();
    expect(call!.parent).toBe(handler.spanId);
    const attempts = out.spans.filter((s) => s.kind === CLIENT);
    expect(attempts).toHaveLength(2);
    expect(attempts.every((a) => a.parent === call!.spanId)).toBe(true);
    expect(server.requests.map((r) => r.headers['traceparent'])).toEqual(attempts.map((a) => `00-${a.traceId}-${a.spanId}-01`));
    if (mode === 'register') expect(out.afterShutdown).toBe(true);
  });

  it('gives require() the CommonJS build and import the ES module build', async () => {
    const required = await run(process.execPath, ['-p', 'require.resolve("@stormwatch/anthropic")'], project.dir);
    expect(required.trim()).toMatch(/node_modules\/@stormwatch\/anthropic\/dist\/cjs\/index\.js$/);
    const imported = await run(process.execPath, ['--input-type=module', '-e', 'console.log(import.meta.resolve("@stormwatch/anthropic"))'], project.dir);
    expect(imported.trim()).toMatch(/node_modules\/@stormwatch\/anthropic\/dist\/index\.js$/);
  });

  it('type-checks code written for the SDK against the wrapped client (tsc --noEmit, ES module and CommonJS)', async () => {
    await run(process.execPath, [path.join(project.dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], project.dir);
  });
});
