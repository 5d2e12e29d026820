import { VirtualClock } from '@stormwatch/core';
import { apiError, FakeAnthropic, ok } from '@stormwatch/fake-anthropic';
import { afterEach, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../src/cli/cliMain.js';
import { HELP, parseConfig, UsageError } from '../src/cli/config.js';
import { inMemoryMetrics } from './support/metrics.js';
import { until } from './support/probeRig.js';

let server: FakeAnthropic | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function io(env: Record<string, string | undefined>, signal = new AbortController().signal) {
  let out = '';
  let err = '';
  let telemetryStopped = 0;
  const value: CliIo = {
    stdout: { write: (t) => void (out += t) },
    stderr: { write: (t) => void (err += t) },
    env,
    signal,
    startTelemetry: () => ({ shutdown: async () => void telemetryStopped++ }),
    probeOptions: { clock: new VirtualClock(), meterProvider: inMemoryMetrics().meterProvider },
  };
  return { io: value, out: () => out, err: () => err, telemetryStopped: () => telemetryStopped };
}

describe('parseConfig', () => {
  it('takes the defaults from nothing, with the status page on', () => {
    expect(parseConfig([], {})).toEqual({ statusPage: {} });
  });

  it('reads every setting from the environment', () => {
    expect(
      parseConfig([], {
        STORMWATCH_PROBE_MODELS: 'claude-haiku-4-5, claude-sonnet-4-6',
        STORMWATCH_PROBE_INTERVAL: '30',
        STORMWATCH_PROBE_JITTER: '0.1',
        STORMWATCH_PROBE_TIMEOUT: '12.5',
        ANTHROPIC_BASE_URL: 'http://localhost:4000',
        STORMWATCH_STATUS_URL: 'http://localhost:4001',
        STORMWATCH_STATUS_INTERVAL: '120',
      }),
    ).toEqual({
      models: ['claude-haiku-4-5', 'claude-sonnet-4-6'],
      intervalMs: 30_000,
      jitter: 0.1,
      timeoutMs: 12_500,
      baseURL: 'http://localhost:4000',
      statusPage: { url: 'http://localhost:4001', intervalMs: 120_000 },
    });
  });

  it('lets a flag win over its variable', () => {
    const env = { STORMWATCH_PROBE_MODELS: 'a', STORMWATCH_PROBE_INTERVAL: '30' };
    expect(parseConfig(['--model', 'claude-opus-4-7', '--model', 'claude-haiku-4-5', '--interval', '60'], env)).toMatchObject({
      models: ['claude-opus-4-7', 'claude-haiku-4-5'],
      intervalMs: 60_000,
    });
  });

  it.each([[['--no-status'], {}], [[], { STORMWATCH_STATUS: 'off' }]])('turns the status page off with %j %j', (args, env) => {
    expect(parseConfig(args, env)).toEqual({ statusPage: false });
  });

  it.each([
    [['--interval', '0.5'], /--interval \(STORMWATCH_PROBE_INTERVAL\) must be a number of seconds >= 1, got "0.5"/],
    [['--interval', 'often'], /--interval/],
    [['--jitter', '1'], /--jitter \(STORMWATCH_PROBE_JITTER\) must be a fraction in \[0, 1\)/],
    [['--timeout', '-1'], /--timeout/],
    [['--status-url', 'status.anthropic.com'], /--status-url \(STORMWATCH_STATUS_URL\) must be an http\(s\) URL/],
    [['--model', 'a', '--model', 'a'], /named twice/],
    [['--api-key', 'sk'], /Unknown option '--api-key'/],
    [['extra'], /positional/],
  ])('rejects %j', (args, message) => {
    expect(() => parseConfig(args, {})).toThrow(UsageError);
    expect(() => parseConfig(args, {})).toThrow(message);
  });
});

describe('stormwatch-probe', () => {
  it('prints its help', async () => {
    const t = io({});
    expect(await main(['--help'], t.io)).toBe(0);
    expect(t.out()).toBe(HELP);
  });

  it('exits 2 with a clear message and starts nothing without a key', async () => {
    const t = io({});
    expect(await main(['--no-status'], t.io)).toBe(2);
    expect(t.err()).toBe('stormwatch-probe: no Anthropic API key: set ANTHROPIC_API_KEY. The probe did not start.\n');
    expect(t.telemetryStopped()).toBe(0);
  });

  it('exits 2 on a bad flag', async () => {
    const t = io({ ANTHROPIC_API_KEY: 'sk' });
    expect(await main(['--interval', 'x'], t.io)).toBe(2);
    expect(t.err()).toMatch(/^stormwatch-probe: --interval .*\nRun stormwatch-probe --help for usage\.\n$/);
  });

  it('exits 1 with a clear message when the API rejects the key, and flushes telemetry', async () => {
    server = await FakeAnthropic.start({ otherwise: apiError(401, 'authentication_error') });
    const t = io({ ANTHROPIC_API_KEY: 'sk-ant-revoked' });
    expect(await main(['--base-url', server.url, '--no-status'], t.io)).toBe(1);
    expect(server.requests).toHaveLength(1);
    expect(t.err()).toMatch(/stormwatch-probe: the Anthropic API rejected the key \(HTTP 401: it is invalid, revoked or expired\); the probe stopped\. Fix ANTHROPIC_API_KEY and start it again\.\n$/);
    expect(t.err()).not.toContain('sk-ant-revoked');
    expect(t.telemetryStopped()).toBe(1);
  });

  it('states the pace and the worst-case cost, probes until stopped, then exits 0', async () => {
    server = await FakeAnthropic.start({ otherwise: ok() });
    const stop = new AbortController();
    const t = io({ ANTHROPIC_API_KEY: 'sk-ant-test' }, stop.signal);
    const exit = main(['--base-url', server.url, '--status-url', 'http://127.0.0.1:9', '--status-interval', '60'], t.io);
    await until(() => server!.requests.length === 1, 'the first probe');
    stop.abort();
    expect(await exit).toBe(0);
    expect(t.err()).toBe(
      'stormwatch-probe: probing claude-haiku-4-5 every 20 s ±20 %\n' +
        '  claude-haiku-4-5: at most 5400 requests, 91800 tokens, $0.11 per day\n' +
        '  watching http://127.0.0.1:9/api/v2/summary.json every 60 s\n',
    );
    expect(t.telemetryStopped()).toBe(1);
  });
});
