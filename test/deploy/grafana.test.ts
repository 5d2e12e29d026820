import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_SERVICE_NAME,
  PROM_LABEL_SERVICE,
  RECORDING_RULES,
  prometheusLabel,
} from '@stormwatch/conventions';
import { REPO_ROOT, repoPath } from '../support/paths.js';

interface Datasource {
  name: string;
  uid: string;
  type: string;
  url: string;
  jsonData: Record<string, unknown>;
}
const PROVISIONING = repoPath('deploy', 'grafana', 'provisioning');
const datasources = (
  parse(readFileSync(`${PROVISIONING}/datasources/stormwatch.yaml`, 'utf8')) as { apiVersion: number; datasources: Datasource[] }
).datasources;
const apps = (parse(readFileSync(`${PROVISIONING}/plugins/app.yaml`, 'utf8')) as {
  apps: { type: string; org_id: number; disabled: boolean; jsonData: Record<string, string> }[];
}).apps;
const compose = parse(readFileSync(repoPath('deploy', 'compose.yaml'), 'utf8')) as { services: Record<string, unknown> };
const tempoConfig = readFileSync(repoPath('deploy', 'tempo', 'tempo.yaml'), 'utf8');

function byType(type: string): Datasource {
  const found = datasources.find((d) => d.type === type);
  if (!found) throw new Error(`no ${type} datasource`);
  return found;
}

describe('Grafana provisioning (deploy/grafana/provisioning)', () => {
  it('provisions a Prometheus and a Tempo datasource with fixed uids', () => {
    expect(datasources.map((d) => [d.type, d.uid])).toEqual([
      ['prometheus', 'stormwatch-prometheus'],
      ['tempo', 'stormwatch-tempo'],
    ]);
  });

  it('points them at the services and ports of the local stack', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['prometheus', 'tempo']));
    expect(byType('prometheus').url).toBe('http://prometheus:9090');
    const tempoPort = /http_listen_port: \$\{TEMPO_HTTP_PORT:-(\d+)\}/.exec(tempoConfig)?.[1];
    expect(byType('tempo').url).toBe(`http://tempo:${tempoPort}`);
  });

  it('links exemplars to Tempo and traces to the recording rules of the contract', () => {
    expect(byType('prometheus').jsonData.exemplarTraceIdDestinations).toEqual([
      { name: 'trace_id', datasourceUid: byType('tempo').uid },
    ]);
    const t2m = byType('tempo').jsonData.tracesToMetrics as {
      datasourceUid: string;
      tags: { key: string; value: string }[];
      queries: { name: string; query: string }[];
    };
    expect(t2m.datasourceUid).toBe(byType('prometheus').uid);
    expect(t2m.tags).toEqual([
      { key: ATTR_SERVICE_NAME, value: PROM_LABEL_SERVICE },
      { key: ATTR_GEN_AI_REQUEST_MODEL, value: prometheusLabel(ATTR_GEN_AI_REQUEST_MODEL) },
    ]);
    expect(t2m.queries.length).toBeGreaterThan(0);
    for (const q of t2m.queries) {
      // `$$` is Grafana's escape for a literal `$` in provisioning files.
      const match = /^([a-z0-9_:]+)\{\$\$__tags\}$/.exec(q.query);
      expect(RECORDING_RULES, q.query).toContain(match?.[1]);
    }
  });

  it('enables the Stormwatch app with the provisioned datasources', () => {
    expect(apps).toEqual([
      {
        type: 'stormwatch-stormwatch-app',
        org_id: 1,
        disabled: false,
        jsonData: { prometheusDatasourceUid: 'stormwatch-prometheus', tempoDatasourceUid: 'stormwatch-tempo' },
      },
    ]);
    // Once the app exists in grafana-plugin/, its id must be the one provisioned here.
    const pluginJson = repoPath('grafana-plugin', 'src', 'plugin.json');
    if (existsSync(pluginJson)) {
      const plugin = JSON.parse(readFileSync(pluginJson, 'utf8')) as {
        id: string;
        type: string;
        dependencies?: { grafanaDependency?: string };
      };
      expect(plugin).toMatchObject({ id: apps[0]?.type, type: 'app' });
      // The local stack's Grafana satisfies the app's minimum version.
      const minimum = /^>=\s*(\d+)\.(\d+)\.(\d+)/.exec(plugin.dependencies?.grafanaDependency ?? '');
      const image = /:(\d+)\.(\d+)\.(\d+)$/.exec((compose.services.grafana as { image: string }).image);
      const version = (m: RegExpExecArray | null) => (m ? Number(m[1]) * 1e6 + Number(m[2]) * 1e3 + Number(m[3]) : NaN);
      expect(version(image)).toBeGreaterThanOrEqual(version(minimum));
    }
  });
});

describe('the app id (grafana-plugin/src/plugin.json) wherever Grafana loads the app', () => {
  const id = (JSON.parse(readFileSync(repoPath('grafana-plugin', 'src', 'plugin.json'), 'utf8')) as { id: string }).id;
  const grafana = compose.services.grafana as { environment: Record<string, string>; volumes: string[] };
  const helmGrafana = parse(readFileSync(repoPath('deploy', 'helm', 'upstream', 'grafana-values.yaml'), 'utf8')) as {
    'grafana.ini': { plugins: { allow_loading_unsigned_plugins: string } };
  };

  it('is a catalogue id, <org>-<name>-app', () => {
    expect(id).toMatch(/^[0-9a-z]+-[0-9a-z]+-app$/);
  });

  it('is the plugins folder and the unsigned plugin allowed in compose and Helm', () => {
    expect(grafana.environment.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS).toBe(id);
    expect(grafana.volumes).toContain(`../grafana-plugin/dist:/var/lib/grafana/plugins/${id}:ro`);
    expect(helmGrafana['grafana.ini'].plugins.allow_loading_unsigned_plugins).toBe(id);
  });

  it('replaced the old id everywhere but the CHANGELOG migration note', () => {
    // Built from parts so that this file is not itself a hit of `grep -rn <old id>`.
    const oldId = new RegExp(`(?<![a-z0-9-])${['stormwatch', 'app'].join('-')}(?![a-z0-9-])`);
    const skip = new Set(['node_modules', 'dist', '.git', '.turbo', 'artifacts', 'coverage']);
    const hits: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (skip.has(entry.name)) continue;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/\.(ts|tsx|js|mjs|cjs|json|ya?ml|md|tpl|txt|sh)$/.test(entry.name) && oldId.test(readFileSync(full, 'utf8')))
          hits.push(path.relative(REPO_ROOT, full));
      }
    };
    for (const top of ['deploy', 'docs', 'grafana-plugin', 'test', 'README.md']) {
      const full = repoPath(top);
      if (!existsSync(full)) continue;
      if (top.endsWith('.md')) {
        if (oldId.test(readFileSync(full, 'utf8'))) hits.push(top);
      } else walk(full);
    }
    expect(hits).toEqual(['grafana-plugin/CHANGELOG.md']);
  });
});
