import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { SpanKind } from '@opentelemetry/api';
import { resilient } from '@stormwatch/anthropic';
import {
  ATTR_ADMISSION_OUTCOME,
  ATTR_ADMISSION_WAIT_MS,
  ATTR_ATTEMPT_NUMBER,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  AdmissionOutcome,
  attemptSpanName,
  EVENT_ADMISSION_WAIT,
  SPAN_BACKOFF,
  SPAN_CALL,
} from '@stormwatch/conventions';
import { ok, overloaded, startFakeAnthropic, withHeaders, type FakeAnthropic } from '@stormwatch/fake-anthropic';
import { afterEach, describe, expect, it } from 'vitest';
import { shutdown, start } from '../src/index.js';
import { closedPortUrl, OtlpReceiver } from './otlpReceiver.js';

const MODEL = 'claude-sonnet-4-6';
const body = { model: MODEL, max_tokens: 32, messages: [{ role: 'user' as const, content: 'Hi' }] };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await shutdown();
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fakeApi(options: Parameters<typeof startFakeAnthropic>[0]): Promise<FakeAnthropic> {
  const api = await startFakeAnthropic(options);
  cleanups.push(() => api.close());
  return api;
}

function client(api: FakeAnthropic, policy: string) {
  return resilient(new Anthropic({ baseURL: api.url, apiKey: 'test-key' }), { policy, policyOptions: { backoff: { baseMs: 5, capMs: 20 }, breaker: false } });
}

describe('a service using resilient() under start()', () => {
  it('exports exactly one CLIENT span per HTTP request the API received, each a child of its call span', async () => {
    // With admission on (the default), the retry after the 529 waits for the model's next slot (about a second).
    const api = await fakeApi({ script: [withHeaders(overloaded(), { 'retry-after-ms': '30' }), ok()], otherwise: ok() });
    const collector = await OtlpReceiver.start();
    cleanups.push(() => collector.close());
    start({ protocol: 'http/json', tracesEndpoint: `${collector.url}/v1/traces`, metricsEndpoint: `${collector.url}/v1/metrics` });

    const claude = client(api, 'one-span');
    await claude.messages.create(body);
    await claude.messages.create(body);
    await shutdown();

    const spans = collector.spans();
    const clientSpans = spans.filter((s) => s.kind === SpanKind.CLIENT + 1); // OTLP numbers kinds from 1 (UNSPECIFIED = 0)
    expect(api.requests).toHaveLength(3);
    expect(clientSpans.map((s) => [s.name, s.attributes[ATTR_ATTEMPT_NUMBER], s.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]])).toEqual([
      [attemptSpanName(MODEL), 1, 529],
      [attemptSpanName(MODEL), 2, 200],
      [attemptSpanName(MODEL), 1, 200],
    ]);
    const calls = spans.filter((s) => s.name === SPAN_CALL);
    expect(calls).toHaveLength(2);
    for (const s of clientSpans) expect(calls.map((c) => c.spanId)).toContain(s.parentSpanId);
    // Each wait is an event on its call span, not a backoff span: the retry's, and the next
    // call's (the model stays paced after the 529, so it waits for its slot too).
    expect(spans.filter((s) => s.name === SPAN_BACKOFF)).toEqual([]);
    for (const call of calls) {
      expect(call.events.map((e) => [e.name, e.attributes[ATTR_ADMISSION_OUTCOME]])).toEqual([[EVENT_ADMISSION_WAIT, AdmissionOutcome.ADMITTED]]);
      expect(call.events[0]!.attributes[ATTR_ADMISSION_WAIT_MS]).toBeGreaterThan(100);
    }
  });

  it('keeps answering its own clients while the collector is down', async () => {
    const api = await fakeApi({ otherwise: ok() });
    start({ protocol: 'http/protobuf', tracesEndpoint: `${await closedPortUrl()}/v1/traces`, metricsEndpoint: `${await closedPortUrl()}/v1/metrics`, scheduledDelayMs: 10, metricExportIntervalMs: 50, shutdownTimeoutMs: 1_000 });
    const claude = client(api, 'service');
    const service: Server = createServer((_req, res) => {
      claude.messages.create(body).then(
        (message) => res.end(JSON.stringify(message.content)),
        (error: unknown) => {
          res.statusCode = 502;
          res.end(String(error));
        },
      );
    });
    service.listen(0, '127.0.0.1');
    await once(service, 'listening');
    cleanups.push(async () => {
      service.close();
      await once(service, 'close');
    });
    const url = `http://127.0.0.1:${(service.address() as AddressInfo).port}/`;

    const statuses: number[] = [];
    const took: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t = performance.now();
      const response = await fetch(url);
      await response.text();
      statuses.push(response.status);
      took.push(performance.now() - t);
    }
    expect(new Set(statuses)).toEqual(new Set([200]));
    // Exports fail in the background meanwhile; requests stay as fast as without telemetry
    // (loose bounds: the CI machine is shared).
    took.sort((a, b) => a - b);
    expect(took[50]).toBeLessThan(50);
    expect(took[99]).toBeLessThan(1_000);
    const t = performance.now();
    await shutdown();
    expect(performance.now() - t).toBeLessThan(1_500);
  });
});
