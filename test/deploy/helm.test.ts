import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isMap, isScalar, parse, parseAllDocuments, parseDocument, type YAMLMap } from 'yaml';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { repoPath } from '../support/paths.js';
import { pinnedCollectorVersion } from '../support/versions.js';
import { requireProgram, serversAvailable } from '../support/servers.js';
import { run } from '../support/run.js';

const CHART = repoPath('deploy', 'helm', 'stormwatch');
const KUBE_VERSION = '1.31.0';
const SCENARIOS = readdirSync(path.join(CHART, 'ci')).filter((f) => f.endsWith('-values.yaml'));

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [key: string]: unknown;
}
interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  description?: string;
}

/** kubernetes-models classes by apiVersion/kind: every kind the chart may render. */
const MODELS: Record<string, (m: Manifest) => { validate(): void }> = {
  'v1/ConfigMap': (m) => new ConfigMap(m as never),
  'v1/Service': (m) => new Service(m as never),
  'v1/ServiceAccount': (m) => new ServiceAccount(m as never),
  'apps/v1/Deployment': (m) => new Deployment(m as never),
  'monitoring.coreos.com/v1/PrometheusRule': (m) => new PrometheusRule(m as never),
};

const schema = JSON.parse(readFileSync(path.join(CHART, 'values.schema.json'), 'utf8')) as JsonSchema;
const valuesDoc = parseDocument(readFileSync(path.join(CHART, 'values.yaml'), 'utf8'));

/** Object nodes of the schema whose keys are declared (not free-form Kubernetes objects). */
function closedObjects(node: JsonSchema, at = ''): [string, JsonSchema][] {
  if (!node.properties) return [];
  return [[at || '(root)', node], ...Object.entries(node.properties).flatMap(([k, v]) => closedObjects(v, `${at}.${k}`))];
}

/** Keys of values.yaml without a comment, checked against the schema's structure. */
function undocumented(map: YAMLMap, node: JsonSchema, at = ''): string[] {
  const missing: string[] = [];
  map.items.forEach((pair, index) => {
    const key = isScalar(pair.key) ? String(pair.key.value) : '?';
    const child = node.properties?.[key];
    const documented = Boolean((isScalar(pair.key) && pair.key.commentBefore) || (index === 0 && map.commentBefore));
    if (child?.properties && isMap(pair.value)) missing.push(...undocumented(pair.value, child, `${at}.${key}`));
    else if (!documented) missing.push(`${at}.${key}`);
  });
  return missing;
}

describe('Helm chart deploy/helm/stormwatch (files)', () => {
  it('ships the collector config and rules unchanged from deploy/', () => {
    const copies: [string, string][] = [
      ['files/collector/config.yaml', 'deploy/collector/config.yaml'],
      ['files/collector/spanmetrics.yaml', 'deploy/collector/spanmetrics.yaml'],
      ['files/prometheus/recording.yml', 'deploy/prometheus/rules/recording.yml'],
      ['files/prometheus/alerts.yml', 'deploy/prometheus/rules/alerts.yml'],
    ];
    for (const [copy, source] of copies) {
      expect(readFileSync(path.join(CHART, copy), 'utf8'), `${copy} differs from ${source}: cp ${source} deploy/helm/stormwatch/${copy}`).toBe(
        readFileSync(repoPath(source), 'utf8'),
      );
    }
  });

  it('runs the collector version the ocb manifest pins', () => {
    const chart = parse(readFileSync(path.join(CHART, 'Chart.yaml'), 'utf8')) as { appVersion: string };
    expect(chart.appVersion).toBe(pinnedCollectorVersion());
  });

  it('has a closed values schema: every declared object refuses unknown keys', () => {
    for (const [at, node] of closedObjects(schema)) expect(node.additionalProperties, at).toBe(false);
  });

  it('declares exactly the keys of values.yaml in the schema, and requires them', () => {
    const values = valuesDoc.toJS() as Record<string, unknown>;
    const walk = (v: Record<string, unknown>, s: JsonSchema, at: string) => {
      if (!s.properties) return;
      expect(Object.keys(v).sort(), at).toEqual(Object.keys(s.properties).sort());
      expect([...(s.required ?? [])].sort(), at).toEqual(Object.keys(s.properties).sort());
      for (const [k, child] of Object.entries(s.properties)) {
        if (child.properties) walk(v[k] as Record<string, unknown>, child, `${at}.${k}`);
      }
    };
    walk(values, schema, '');
  });

  it('documents every value inline', () => {
    expect(isMap(valuesDoc.contents)).toBe(true);
    expect(undocumented(valuesDoc.contents as YAMLMap, schema)).toEqual([]);
  });
});

describe.runIf(serversAvailable('helm'))('Helm chart deploy/helm/stormwatch (helm)', () => {
  const helm = () => requireProgram('helm');
  const scratch = mkdtempSync(path.join(tmpdir(), 'stormwatch-chart-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  async function render(args: string[]): Promise<Manifest[]> {
    const result = await run(helm(), ['template', 'sw', CHART, '-n', 'observability', '--kube-version', KUBE_VERSION, ...args]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return parseAllDocuments(result.stdout)
      .map((d) => d.toJS() as Manifest | null)
      .filter((m): m is Manifest => m !== null);
  }
  const find = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);

  it.each(SCENARIOS)('passes helm lint --strict with ci/%s', async (file) => {
    const result = await run(helm(), ['lint', '--strict', '--kube-version', KUBE_VERSION, '-f', path.join(CHART, 'ci', file), CHART]);
    expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.code).toBe(0);
  });

  it.each(SCENARIOS)('renders ci/%s into manifests that kubernetes-models accepts', async (file) => {
    const manifests = await render(['-f', path.join(CHART, 'ci', file)]);
    expect(manifests.length).toBeGreaterThanOrEqual(4);
    for (const m of manifests) {
      const model = MODELS[`${m.apiVersion}/${m.kind}`];
      expect(model, `${m.apiVersion}/${m.kind} has no model`).toBeDefined();
      expect(() => model?.(m).validate(), `${m.kind} ${m.metadata.name}`).not.toThrow();
    }
  });

  it('rejects an invalid manifest through the same models, so the validation above can fail', () => {
    const broken = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'two' } };
    expect(() => MODELS['apps/v1/Deployment']?.(broken as never).validate()).toThrow();
  });

  it('deploys the collector with deploy/collector/config.yaml and sets every variable it reads', async () => {
    const manifests = await render([]);
    const [configMap] = find(manifests, 'ConfigMap') as (Manifest & { data: Record<string, string> })[];
    const config = readFileSync(repoPath('deploy', 'collector', 'config.yaml'), 'utf8');
    expect(configMap?.data['config.yaml']).toBe(config);
    const [deployment] = find(manifests, 'Deployment') as (Manifest & {
      spec: { template: { spec: { containers: { args: string[]; env: { name: string; value: string }[]; image: string }[] } } };
    })[];
    const container = deployment?.spec.template.spec.containers[0];
    expect(container?.args).toEqual(['--config=file:/etc/stormwatch/config.yaml']);
    expect(container?.image).toBe(`otel/opentelemetry-collector-contrib:${pinnedCollectorVersion()}`);
    const read = new Set([...config.matchAll(/\$\{env:([A-Z0-9_]+)/g)].map((m) => m[1]));
    expect(new Set(container?.env.map((e) => e.name))).toEqual(read);
    expect(container?.env.find((e) => e.name === 'STORMWATCH_OTLP_GRPC_ENDPOINT')?.value).toBe('0.0.0.0:4317');
  });

  it('adds span metrics, the PrometheusRule and the Grafana datasources only when asked', async () => {
    const plain = await render([]);
    expect(plain.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Service', 'ServiceAccount']);
    const all = await render(['--set', 'spanMetrics=true,prometheus.rules.enabled=true,grafanaDatasources.enabled=true']);
    expect(all.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'ConfigMap', 'Deployment', 'PrometheusRule', 'Service', 'ServiceAccount']);
    const [deployment] = find(all, 'Deployment') as (Manifest & { spec: { template: { spec: { containers: { args: string[] }[] } } } })[];
    expect(deployment?.spec.template.spec.containers[0]?.args).toEqual([
      '--config=file:/etc/stormwatch/config.yaml',
      '--config=file:/etc/stormwatch/spanmetrics.yaml',
    ]);
  });

  it('puts exactly the shipped rules and alerts into the PrometheusRule', async () => {
    const [rule] = find(await render(['--set', 'prometheus.rules.enabled=true']), 'PrometheusRule') as (Manifest & {
      spec: { groups: unknown[] };
    })[];
    const groupsOf = (f: string) => (parse(readFileSync(repoPath('deploy', 'prometheus', 'rules', f), 'utf8')) as { groups: unknown[] }).groups;
    expect(rule?.spec.groups).toEqual([...groupsOf('recording.yml'), ...groupsOf('alerts.yml')]);
  });

  interface ProbeDeployment extends Manifest {
    spec: {
      replicas: number;
      strategy: { type: string };
      selector: { matchLabels: Record<string, string> };
      template: {
        metadata: { labels: Record<string, string> };
        spec: {
          automountServiceAccountToken: boolean;
          securityContext: Record<string, unknown>;
          containers: {
            image: string;
            env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
            resources: Record<string, unknown>;
            securityContext: Record<string, unknown>;
          }[];
        };
      };
    };
  }
  const PROBE_SET = 'probe.enabled=true,probe.apiKey.existingSecret=stormwatch-probe';
  const probeOf = (manifests: Manifest[]) => find(manifests, 'Deployment').find((d) => d.metadata.name.endsWith('-probe')) as ProbeDeployment | undefined;
  const envOf = (d: ProbeDeployment | undefined) => new Map(d?.spec.template.spec.containers[0]?.env.map((e) => [e.name, e]) ?? []);

  it('runs no probe by default', async () => {
    const values = valuesDoc.toJS() as { probe: { enabled: boolean } };
    expect(values.probe.enabled).toBe(false);
    expect(probeOf(await render([]))).toBeUndefined();
  });

  it('runs the probe when asked: one replica, the key from the Secret, pointed at the chart collector', async () => {
    const manifests = await render(['--set', PROBE_SET]);
    expect(manifests.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Deployment', 'Service', 'ServiceAccount']);
    const probe = probeOf(manifests);
    expect(probe?.metadata.name).toBe('sw-stormwatch-probe');
    expect(probe?.spec.replicas).toBe(1);
    expect(probe?.spec.strategy.type).toBe('Recreate');
    expect(probe?.spec.template.spec.automountServiceAccountToken).toBe(false);
    const container = probe?.spec.template.spec.containers[0];
    const version = (JSON.parse(readFileSync(repoPath('packages', 'probe', 'package.json'), 'utf8')) as { version: string }).version;
    expect(container?.image).toBe(`stormwatch-probe:${version}`);
    const env = envOf(probe);
    expect(env.get('ANTHROPIC_API_KEY')).toEqual({ name: 'ANTHROPIC_API_KEY', valueFrom: { secretKeyRef: { name: 'stormwatch-probe', key: 'ANTHROPIC_API_KEY' } } });
    expect(env.get('STORMWATCH_PROBE_MODELS')?.value).toBe('claude-haiku-4-5');
    expect(env.get('STORMWATCH_PROBE_INTERVAL')?.value).toBe('20');
    expect(env.get('STORMWATCH_STATUS_URL')?.value).toBe('https://status.anthropic.com');
    // The collector's Service and its OTLP/HTTP port.
    const service = find(manifests, 'Service')[0] as Manifest & { spec: { ports: { name: string; port: number }[]; selector: Record<string, string> } };
    const http = service.spec.ports.find((p) => p.port === 4318);
    expect(http).toBeDefined();
    expect(env.get('OTEL_EXPORTER_OTLP_ENDPOINT')?.value).toBe(`http://${service.metadata.name}:${http?.port}`);
    expect(env.get('OTEL_SERVICE_NAME')?.value).toBe('stormwatch-probe');
    // Every variable is one the probe reads (its README's table) or the OpenTelemetry SDK's.
    const readme = readFileSync(repoPath('packages', 'probe', 'README.md'), 'utf8');
    const documented = new Set([...readme.matchAll(/^\|[^|\n]*\|\s*`([A-Z0-9_]+)(?:=[^`]*)?`/gm)].map((m) => m[1]));
    for (const name of env.keys()) expect(name.startsWith('OTEL_') || documented.has(name), name).toBe(true);
    // Its pods are not the collector's: the collector's Service does not select them.
    const collectorSelector = service.spec.selector;
    const podLabels = probe?.spec.template.metadata.labels ?? {};
    expect(Object.entries(collectorSelector).every(([k, v]) => podLabels[k] === v)).toBe(false);
    expect(probe?.spec.selector.matchLabels).toEqual(podLabels);
  });

  it('gives the probe resources and a security context like the collector', async () => {
    const values = valuesDoc.toJS() as {
      securityContext: Record<string, unknown>;
      podSecurityContext: Record<string, unknown>;
      probe: { securityContext: Record<string, unknown>; podSecurityContext: Record<string, unknown>; resources: Record<string, unknown> };
    };
    const probe = probeOf(await render(['--set', PROBE_SET]));
    const container = probe?.spec.template.spec.containers[0];
    expect(container?.securityContext).toEqual(values.securityContext);
    expect(container?.resources).toEqual(values.probe.resources);
    expect(probe?.spec.template.spec.securityContext).toEqual({ ...values.podSecurityContext, runAsUser: 1000, runAsGroup: 1000 });
    expect(probe?.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    // uid 1000: the Dockerfile's USER.
    expect(readFileSync(repoPath('packages', 'probe', 'Dockerfile'), 'utf8')).toMatch(/^USER 1000:1000$/m);
  });

  it('turns the status page off, and sets the base URL and models from values', async () => {
    const probe = probeOf(
      await render(['--set', `${PROBE_SET},probe.statusPage.enabled=false,probe.baseUrl=http://fake:8080,probe.models={claude-haiku-4-5,claude-opus-4-7}`]),
    );
    const env = envOf(probe);
    expect(env.get('STORMWATCH_STATUS')?.value).toBe('off');
    expect(env.has('STORMWATCH_STATUS_URL')).toBe(false);
    expect(env.get('ANTHROPIC_BASE_URL')?.value).toBe('http://fake:8080');
    expect(env.get('STORMWATCH_PROBE_MODELS')?.value).toBe('claude-haiku-4-5,claude-opus-4-7');
  });

  it('refuses a probe without a key Secret, saying what to set', async () => {
    const result = await run(helm(), ['template', 'sw', CHART, '--kube-version', KUBE_VERSION, '--set', 'probe.enabled=true']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('probe.enabled needs probe.apiKey.existingSecret');
  });

  it('refuses values the schema does not know or allow', async () => {
    for (const set of [
      'bogus=1',
      'tempo.otlpEndpoint=http://tempo:4317',
      'collector.logLevel=loud',
      'image.bogus=x',
      'probe.bogus=1',
      'probe.jitter=1',
      'probe.intervalSeconds=0',
      'probe.statusPage.url=ftp://status.example',
      'probe.models={a\\,b}',
    ]) {
      const result = await run(helm(), ['template', 'sw', CHART, '--kube-version', KUBE_VERSION, '--set', set]);
      expect(result.code, set).not.toBe(0);
      expect(result.stderr, set).toContain("values don't meet the specifications of the schema");
    }
  });

  it('renders NOTES.txt with the endpoints to send telemetry to', async () => {
    // `helm template` does not render NOTES.txt and `helm install --dry-run` needs a
    // cluster: render it as a template of a scratch copy of the chart.
    const copy = path.join(scratch, 'stormwatch');
    cpSync(CHART, copy, { recursive: true });
    cpSync(path.join(copy, 'templates', 'NOTES.txt'), path.join(copy, 'files', 'NOTES.txt'));
    writeFileSync(
      path.join(copy, 'templates', 'zz-notes.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ tpl (.Files.Get "files/NOTES.txt") . | quote }}\n',
    );
    const result = await run(helm(), [
      'template', 'sw', copy, '-n', 'observability', '--kube-version', KUBE_VERSION, '--show-only', 'templates/zz-notes.yaml',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const notes = (parse(result.stdout) as { data: { notes: string } }).data.notes;
    expect(notes).toContain('OTEL_EXPORTER_OTLP_ENDPOINT=http://sw-stormwatch-collector.observability:4318');
    expect(notes).toContain('traces  to Tempo      at tempo:4317');
    expect(notes).toContain('Recording rules and alerts are off');
    expect(notes).toContain('The synthetic probe is off: set probe.enabled=true and probe.apiKey.existingSecret');
  });
});
