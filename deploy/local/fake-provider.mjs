// The provider, faked for the local stack (deploy/compose.yaml, service fake-provider): the
// Anthropic Messages API of @stormwatch/fake-anthropic on FAKE_API_PORT (8080) and an
// Atlassian Statuspage v2 summary on FAKE_STATUS_PORT (8081), listening on FAKE_HOST
// (0.0.0.0). The API answers every request, except one in FAKE_OVERLOAD_EVERY (4), which is
// overloaded (529); 0 turns overload off. The status page says every component is
// operational (FAKE_STATUS=operational) or that the API has a major outage with an incident
// (FAKE_STATUS=major_outage). No key is checked and nothing leaves the machine.
//
// Needs the workspace built: npx turbo run build --filter=@stormwatch/fake-anthropic...
// Run by hand: node deploy/local/fake-provider.mjs
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import process from 'node:process';
import { ScriptedAnthropic, ok, overloaded } from '@stormwatch/fake-anthropic';

const env = process.env;
const host = env.FAKE_HOST ?? '0.0.0.0';
const apiPort = Number(env.FAKE_API_PORT ?? 8080);
const statusPort = Number(env.FAKE_STATUS_PORT ?? 8081);
const overloadEvery = Number(env.FAKE_OVERLOAD_EVERY ?? 4);
const status = env.FAKE_STATUS ?? 'operational';
for (const [name, value] of [['FAKE_API_PORT', apiPort], ['FAKE_STATUS_PORT', statusPort], ['FAKE_OVERLOAD_EVERY', overloadEvery]]) {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number >= 0, got ${JSON.stringify(env[name])}`);
}
if (status !== 'operational' && status !== 'major_outage') {
  throw new RangeError(`FAKE_STATUS must be operational or major_outage, got ${JSON.stringify(status)}`);
}

/** The scripted fake, served by a server on host:port instead of FakeAnthropic's 127.0.0.1:0. */
class NetworkFakeAnthropic extends ScriptedAnthropic {
  listen(port, address) {
    const server = createServer(async (req, res) => {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const connection = {
        head: (code, headers) => void res.writeHead(code, headers),
        write: (chunk) => void res.write(chunk),
        end: (chunk) => void res.end(chunk),
        destroy: () => void req.socket.destroy(),
        get closed() {
          return res.destroyed;
        },
      };
      await this.handle(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks).toString('utf8'), connection);
    });
    return new Promise((resolve) => server.listen(port, address, () => resolve(server)));
  }
}

let n = 0;
const api = new NetworkFakeAnthropic({ otherwise: () => (overloadEvery > 0 && ++n % overloadEvery === 0 ? overloaded() : ok({ text: 'p' })) });
await api.listen(apiPort, host);

const startedAt = new Date().toISOString();
const summary = JSON.stringify({
  page: { id: 'local', name: 'Local fake provider', url: `http://localhost:${statusPort}`, updated_at: startedAt },
  components: [{ id: 'api', name: 'Claude API', status, group: false }],
  incidents:
    status === 'operational'
      ? []
      : [{ id: 'local-1', name: 'Elevated errors on the Claude API', status: 'investigating', impact: 'major', created_at: startedAt, started_at: startedAt }],
  status: status === 'operational' ? { indicator: 'none', description: 'All Systems Operational' } : { indicator: 'major', description: 'Major System Outage' },
});
const page = createServer((req, res) => {
  if (req.url?.split('?')[0] !== '/api/v2/summary.json') return void res.writeHead(404).end();
  if (req.headers['if-none-match'] === '"1"') return void res.writeHead(304, { etag: '"1"' }).end();
  res.writeHead(200, { 'content-type': 'application/json', etag: '"1"' }).end(summary);
});
await new Promise((resolve) => page.listen(statusPort, host, resolve));

process.stdout.write(`fake provider: API on http://${host}:${apiPort} (one request in ${overloadEvery || 'none'} overloaded), status page on http://${host}:${statusPort} (${status})\n`);
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(0));
