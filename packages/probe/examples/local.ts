// The probe and the status-page watch against local fakes: no key, no network. From the
// repository root: `npx turbo run build --filter=@stormwatch/probe...` then
// `node packages/probe/examples/local.ts` (Node 22.18 or later; stops by itself after 12 s).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { ATTR_GEN_AI_REQUEST_MODEL, ATTR_PROBE_OUTCOME, ATTR_STATUS_COMPONENT, METRIC_PROBE_REQUESTS, METRIC_STATUS_COMPONENT } from '@stormwatch/conventions';
import { ok, overloaded, startFakeAnthropic } from '@stormwatch/fake-anthropic';
import { startProbe } from '@stormwatch/probe';

// The API: one request in four overloaded (529), the others answered.
let n = 0;
const api = await startFakeAnthropic({ otherwise: () => (++n % 4 === 0 ? overloaded() : ok({ text: 'p' })) });

// A status page in Statuspage's v2 format that says "operational" all along.
const summary = JSON.stringify({
  page: { id: 'local', name: 'Local', url: 'http://localhost', updated_at: new Date().toISOString() },
  components: [{ id: 'api', name: 'Claude API', status: 'operational', group: false }],
  incidents: [],
  status: { indicator: 'none', description: 'All Systems Operational' },
});
const page = createServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json', etag: '"1"' }).end(summary));
await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));

// Metrics read by hand here; the stormwatch-probe command sends them over OTLP instead.
class Reader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}
const reader = new Reader();
const probe = startProbe({
  client: new Anthropic({ baseURL: api.url, apiKey: 'sk-ant-local' }),
  models: ['claude-haiku-4-5'],
  intervalMs: 2_000,
  statusPage: { url: `http://127.0.0.1:${(page.address() as AddressInfo).port}`, intervalMs: 3_000 },
  meterProvider: new MeterProvider({ readers: [reader] }),
});

const report = setInterval(async () => {
  const { resourceMetrics } = await reader.collect();
  const metrics = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  const points = (name: string) => metrics.find((m) => m.descriptor.name === name)?.dataPoints ?? [];
  const probes = points(METRIC_PROBE_REQUESTS).map((p) => `${String(p.attributes[ATTR_GEN_AI_REQUEST_MODEL])} ${String(p.attributes[ATTR_PROBE_OUTCOME])}: ${String(p.value)}`);
  const status = points(METRIC_STATUS_COMPONENT).map((p) => `${String(p.attributes[ATTR_STATUS_COMPONENT])} = ${String(p.value)}`);
  console.log(`probes ${probes.join(', ') || 'none yet'} | status page ${status.join(', ') || 'not read yet'}`);
}, 3_000);

setTimeout(async () => {
  clearInterval(report);
  await probe.stop();
  await api.close();
  page.close();
}, 12_000);
