import Anthropic from '@anthropic-ai/sdk';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { SPAN_CALL } from '@stormwatch/conventions';
import { ok, startFakeAnthropic } from '@stormwatch/fake-anthropic';
import { instrumentPolicy } from '@stormwatch/telemetry';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resilient } from '../src/index.js';

const messages = [{ role: 'user' as const, content: 'Hi' }];

afterEach(() => {
  vi.unstubAllEnvs();
  trace.disable();
  metrics.disable();
  propagation.disable();
  context.disable();
});

// Its own file: the default telemetry reads the variable once, at the first resilient().
describe('the Anthropic SDK’s own switches', () => {
  it('ANTHROPIC_OPEN_TELEMETRY=false keeps the default telemetry off; explicit instrumentation still works', async () => {
    vi.stubEnv('ANTHROPIC_OPEN_TELEMETRY', 'false');
    vi.stubEnv('ANTHROPIC_OPEN_TELEMETRY_PROPAGATION', 'false');
    const exporter = new InMemorySpanExporter();
    const sdk = new NodeSDK({ spanProcessors: [new SimpleSpanProcessor({ exporter })], metricReaders: [], logRecordProcessors: [], autoDetectResources: false });
    sdk.start();
    const server = await startFakeAnthropic({ script: [], otherwise: ok() });
    try {
      const client = resilient(new Anthropic({ baseURL: server.url, apiKey: 'test' }), { policy: 'off' });
      await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 16, messages });
      expect(exporter.getFinishedSpans()).toEqual([]);

      const handle = instrumentPolicy(client.policy);
      await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 16, messages });
      handle.dispose();
      expect(exporter.getFinishedSpans().filter((s) => s.name === SPAN_CALL)).toHaveLength(1);
      // ANTHROPIC_OPEN_TELEMETRY_PROPAGATION=false: no trace header, though a propagator is registered.
      expect(server.requests.map((r) => r.headers['traceparent'])).toEqual([undefined, undefined]);
    } finally {
      await server.close();
      await sdk.shutdown();
    }
  });
});
