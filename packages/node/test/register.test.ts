import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ATTR_POLICY, attemptSpanName, METRIC_CALLS, SPAN_CALL } from '@stormwatch/conventions';
import { afterEach, describe, expect, it } from 'vitest';
import { closedPortUrl, OtlpReceiver } from './otlpReceiver.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const APP = fileURLToPath(new URL('./fixtures/app.mjs', import.meta.url));
const APP_OTEL = fileURLToPath(new URL('./fixtures/app-otel.mjs', import.meta.url));
const APP_SDK_IN_MAIN = fileURLToPath(new URL('./fixtures/app-sdk-in-main.mjs', import.meta.url));
const MODEL = 'claude-sonnet-4-6';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the fixture app under `node --import @stormwatch/node/register` (the built package). */
function run(env: Record<string, string>, whileRunning?: (child: ReturnType<typeof spawn>, stdout: () => string) => void, imports: string[] = [], app = APP): Promise<Exit> {
  const started = performance.now();
  const child = spawn(process.execPath, [...imports.flatMap((i) => ['--import', i]), '--import', '@stormwatch/node/register', app], {
    cwd: PACKAGE_DIR,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  whileRunning?.(child, () => stdout);
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - started })));
}

const receivers: OtlpReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe('node --import @stormwatch/node/register', () => {
  it('is runnable from the built package', () => {
    // The package's test task depends on its build (packages/node/turbo.json).
    expect(existsSync(new URL('../dist/register.js', import.meta.url))).toBe(true);
  });

  it('exports the spans and metrics of an app that knows nothing about telemetry, flushing as it exits', async () => {
    const collector = await OtlpReceiver.start();
    receivers.push(collector);
    const exit = await run({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'registered-app' });
    expect(exit).toMatchObject({ code: 0, signal: null, stdout: 'done\n', stderr: '' });
    const calls = collector.spans().filter((s) => s.name === SPAN_CALL);
    expect(calls.map((s) => [s.serviceName, s.attributes[ATTR_POLICY]])).toEqual([
      ['registered-app', 'registered'],
      ['registered-app', 'registered'],
    ]);
    expect(collector.spans().filter((s) => s.name === attemptSpanName(MODEL))).toHaveLength(2);
    expect(collector.metrics().map((m) => m.name)).toContain(METRIC_CALLS);
  });

  it('flushes on SIGTERM and still ends by the signal', async () => {
    const collector = await OtlpReceiver.start();
    receivers.push(collector);
    const exit = await run(
      { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', APP_STAY: '1', APP_CALLS: '1' },
      (child, stdout) => {
        const poll = setInterval(() => {
          if (stdout().includes('ready')) {
            clearInterval(poll);
            child.kill('SIGTERM');
          }
        }, 10);
      },
    );
    expect(exit).toMatchObject({ code: null, signal: 'SIGTERM' });
    expect(collector.spans().filter((s) => s.name === SPAN_CALL)).toHaveLength(1);
  });

  it('lets the app finish and exit promptly when the collector is down', async () => {
    const url = await closedPortUrl();
    const exit = await run({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', APP_CALLS: '50' });
    expect(exit).toMatchObject({ code: 0, signal: null, stdout: 'done\n', stderr: '' });
    // The default shutdown timeout (5 s) plus process start-up, not the exporters' retries.
    expect(exit.ms).toBeLessThan(7_000);
  });

  it("leaves a service's own SDK, imported before it, in place: the service's collector gets Stormwatch's spans", async () => {
    const appCollector = await OtlpReceiver.start();
    const stormwatchCollector = await OtlpReceiver.start();
    receivers.push(appCollector, stormwatchCollector);
    const exit = await run(
      { APP_COLLECTOR_URL: appCollector.url, OTEL_EXPORTER_OTLP_ENDPOINT: stormwatchCollector.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_LOG_LEVEL: 'warn' },
      undefined,
      [APP_OTEL],
    );
    expect(exit).toMatchObject({ code: 0, signal: null, stdout: 'done\n' });
    // The service exports no metrics: Stormwatch starts no meter provider of its own either.
    expect(exit.stderr).toBe(
      '@stormwatch/node: the application already registered a tracer provider (TracerProvider); leaving it in place and instrumenting Stormwatch policies into it (no OTLP exporter started, OTEL_EXPORTER_OTLP_* ignored)\n',
    );
    expect(appCollector.spans().filter((s) => s.name === SPAN_CALL).map((s) => s.serviceName)).toEqual(['own-sdk-app', 'own-sdk-app']);
    expect(stormwatchCollector.requests).toEqual([]);
  });

  it('logs diag to stderr at OTEL_LOG_LEVEL, as NodeSDK does: grpc is a clear error', async () => {
    const collector = await OtlpReceiver.start();
    receivers.push(collector);
    const exit = await run({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_METRICS_EXPORTER: 'none', OTEL_LOG_LEVEL: 'error' });
    expect(exit).toMatchObject({ code: 0, signal: null, stdout: 'done\n' });
    expect(exit.stderr).toBe(
      '@stormwatch/node: OTEL_EXPORTER_OTLP_PROTOCOL="grpc" is not supported: @stormwatch/node exports OTLP over HTTP only (http/protobuf or http/json, port 4318), to keep gRPC out of the install; exporting with http/protobuf. Set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf and an OTLP/HTTP endpoint, or register your own SDK with a gRPC exporter before @stormwatch/node.\n',
    );
    // Sent anyway, over OTLP/HTTP protobuf.
    expect(collector.to('/v1/traces')[0]?.contentType).toBe('application/x-protobuf');
  });

  it("leaves a service's own SDK started in its main module in place: it starts at the first policy", async () => {
    const appCollector = await OtlpReceiver.start();
    const stormwatchCollector = await OtlpReceiver.start();
    receivers.push(appCollector, stormwatchCollector);
    const exit = await run(
      { APP_COLLECTOR_URL: appCollector.url, OTEL_EXPORTER_OTLP_ENDPOINT: stormwatchCollector.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_LOG_LEVEL: 'warn' },
      undefined,
      [],
      APP_SDK_IN_MAIN,
    );
    expect(exit).toMatchObject({ code: 0, signal: null, stdout: 'done\n' });
    expect(exit.stderr).toContain('@stormwatch/node: the application already registered a tracer provider (TracerProvider); leaving it in place');
    expect(appCollector.spans().filter((s) => s.name === SPAN_CALL).map((s) => s.serviceName)).toEqual(['sdk-in-main', 'sdk-in-main']);
    expect(stormwatchCollector.requests).toEqual([]);
  });
});
