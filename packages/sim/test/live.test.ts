import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { METRIC_ATTEMPTS, METRIC_CALLS, SPAN_BACKOFF, SPAN_CALL } from '@stormwatch/conventions';
import { describe, expect, it } from 'vitest';
import { runLive } from '../src/live/runLive.js';
import { sdkDefault, stormwatchDefault } from '../src/policies/index.js';
import { storm50 } from '../src/scenarios/storm50.js';
import type { Scenario } from '../src/scenarios/Scenario.js';

/** A 4-second storm in real time: capacity at 10 % and a reset wave from 1.5 s to 3 s. */
const tiny: Scenario = {
  ...storm50,
  name: 'tiny',
  durationS: 4,
  models: [{ ...storm50.models[0]!, timeToFirstTokenMs: 50, outputTokensPerSecond: 2000 }],
  overloads: [{ startS: 1.5, endS: 3, factor: 0.1, streamBreakProbability: 0.5 }],
  resetWaves: [{ startS: 1.5, endS: 3, probability: 0.3 }],
  storm: { startS: 1, endS: 3 },
  fleet: { ...storm50.fleet, clients: 10, callsPerSecond: 2, deadlineS: 10 },
};

function sink() {
  const s = { text: '', write: (t: string) => void (s.text += t) };
  return s;
}

describe('live mode', () => {
  it('exports the policy telemetry over OTLP while the live storm runs', async () => {
    // A collector stand-in on 127.0.0.1 that keeps what it is sent (OTLP/HTTP JSON).
    const received: { path: string; body: unknown }[] = [];
    const collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    collector.listen(0, '127.0.0.1');
    await once(collector, 'listening');
    const url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    try {
      const stderr = sink();
      const run = await runLive({
        scenario: tiny,
        seed: 1,
        policy: stormwatchDefault,
        port: 0,
        stdout: sink(),
        stderr,
        telemetry: {
          protocol: 'http/json',
          tracesEndpoint: `${url}/v1/traces`,
          metricsEndpoint: `${url}/v1/metrics`,
          scheduledDelayMs: 200,
          metricExportIntervalMs: 500,
        },
      });
      expect(stderr.text).toContain(`live: exporting telemetry over OTLP to ${url}/v1/traces`);
      type Otlp = {
        resourceSpans?: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: { name: string }[] }[] }[];
        resourceMetrics?: { scopeMetrics: { metrics: { name: string }[] }[] }[];
      };
      const bodies = received.map((r) => r.body as Otlp);
      const spans = bodies.flatMap((b) => b.resourceSpans ?? []).flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.name)));
      const metrics = new Set(bodies.flatMap((b) => b.resourceMetrics ?? []).flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.name))));
      const services = new Set(
        bodies.flatMap((b) => b.resourceSpans ?? []).flatMap((r) => r.resource.attributes.filter((a) => a.key === 'service.name').map((a) => a.value.stringValue)),
      );
      // One call span per logical call, backoff spans for the retries of the storm.
      expect(spans.filter((n) => n === SPAN_CALL).length).toBe(run.calls.length);
      expect(spans).toContain(SPAN_BACKOFF);
      expect(metrics.has(METRIC_CALLS) && metrics.has(METRIC_ATTEMPTS)).toBe(true);
      expect([...services]).toEqual(['stormwatch-storm-lab']);
    } finally {
      collector.close();
    }
  }, 30_000);

  it('stops taking calls when stopped and ends once the calls in progress have ended', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 1000);
    const stderr = sink();
    const started = performance.now();
    const run = await runLive({ scenario: { ...tiny, durationS: 30 }, seed: 2, policy: stormwatchDefault, port: 0, stdout: sink(), stderr, telemetry: false, signal: stop.signal });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(stderr.text).toMatch(/live: stopping, waiting for \d+ calls in progress/);
    expect(run.calls.length).toBeGreaterThan(5);
    expect(run.calls.every((c) => c.endMs !== undefined && c.startMs <= 1100)).toBe(true);
    expect(run.attempts.every((a) => a.result !== 'pending')).toBe(true);
  }, 30_000);

  for (const policy of [sdkDefault, stormwatchDefault]) {
    it(`runs the storm in real time over HTTP on 127.0.0.1 (${policy.id})`, async () => {
      const stdout = sink();
      const stderr = sink();
      const run = await runLive({ scenario: tiny, seed: 1, policy, port: 0, stdout, stderr, telemetry: false });
      expect(stderr.text).toMatch(/^live: tiny against http:\/\/127\.0\.0\.1:\d+ with /);
      expect(run.calls.length).toBeGreaterThan(40);
      expect(run.calls.every((c) => c.endMs !== undefined)).toBe(true);
      const results = new Set(run.attempts.map((a) => a.result));
      // Real 200s, real 529s and real connection resets went over the socket.
      expect(results.has('ok')).toBe(true);
      expect(results.has('overloaded')).toBe(true);
      expect(results.has('reset')).toBe(true);
      expect(results.has('invalid')).toBe(false);
      expect(results.has('pending')).toBe(false);
      expect(run.calls.filter((c) => c.ok).length).toBeGreaterThan(run.calls.length / 2);
      expect(stdout.text).toContain(policy.label);
    }, 30_000);
  }
});
