import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ALERTS,
  ALERT_OVERLOAD_RATIO,
  ALERT_OVERLOAD_UNACKNOWLEDGED,
  ALERT_PROBE_FAILING,
  ALERT_PROVIDER_INCIDENT,
  ALERT_RETRY_EXHAUSTION,
  ALERT_RETRY_STORM,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_STATUS_PAGE,
  PROM_LABEL_SERVICE,
  prometheusLabel,
} from '@stormwatch/conventions';
import { repoPath } from '../support/paths.js';
import { requireProgram, serversAvailable } from '../support/servers.js';
import { run } from '../support/run.js';

const DIR = repoPath('deploy', 'alertmanager');
const CONFIG = path.join(DIR, 'alertmanager.yml');
const TEMPLATE = path.join(DIR, 'stormwatch.tmpl');
const SECRETS_DIR = '/etc/alertmanager-secrets/';

/** Who gets each severity the alert rules use: PagerDuty (and Slack) pages, Slack informs. */
const RECEIVER_OF_SEVERITY: Record<string, string> = { critical: 'stormwatch-critical', warning: 'stormwatch-slack' };
const DEFAULT_RECEIVER = 'default-slack';
const RUNBOOK_BASE = 'https://github.com/stormwatch/stormwatch/blob/main/';

interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly labels: { readonly severity: string };
  readonly annotations: Record<string, string>;
}
interface InhibitRule {
  readonly source_matchers: string[];
  readonly target_matchers: string[];
  readonly equal: string[];
}
interface Receiver {
  readonly name: string;
  readonly slack_configs?: Record<string, unknown>[];
  readonly pagerduty_configs?: Record<string, unknown>[];
  readonly [key: string]: unknown;
}
interface AlertmanagerConfig {
  readonly global: Record<string, string>;
  readonly templates: string[];
  readonly route: { receiver: string; routes: { matchers: string[]; routes: { matchers: string[]; receiver: string }[] }[] };
  readonly inhibit_rules: InhibitRule[];
  readonly receivers: Receiver[];
}

const alertRules = (parse(readFileSync(repoPath('deploy', 'prometheus', 'rules', 'alerts.yml'), 'utf8')) as { groups: { rules: AlertRule[] }[] }).groups.flatMap(
  (g) => g.rules,
);
const recordingRules = (parse(readFileSync(repoPath('deploy', 'prometheus', 'rules', 'recording.yml'), 'utf8')) as { groups: { rules: { record: string; expr: string }[] }[] }).groups.flatMap(
  (g) => g.rules,
);
const configText = readFileSync(CONFIG, 'utf8');
const config = parse(configText) as AlertmanagerConfig;
const MODEL = prometheusLabel(ATTR_GEN_AI_REQUEST_MODEL);

/** The alert names a matcher list selects, by evaluating `alertname` matchers over ALERTS. */
function alertsMatched(matchers: readonly string[]): string[] {
  const byName = matchers.map((m) => /^alertname(=~|=)"(.*)"$/.exec(m)).filter((m) => m !== null);
  expect(byName.length, matchers.join(', ')).toBe(1);
  const [, op, value] = byName[0] as RegExpExecArray;
  const re = new RegExp(op === '=~' ? `^(?:${value})$` : `^${(value ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return ALERTS.filter((a) => re.test(a));
}

/** The `by (...)` label sets of an expression. */
function groupings(expr: string): Set<string>[] {
  return [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)].map((m) => new Set((m[1] ?? '').split(',').map((l) => l.trim())));
}

/**
 * The labels an alert carries: those every `by (...)` of its expression keeps, or, for an
 * alert that compares a recording rule as it is, the labels that rule records.
 */
function labelsOf(rule: AlertRule): Set<string> {
  let sets = groupings(rule.expr);
  if (sets.length === 0) {
    const recorded = /\bstormwatch:[a-z0-9_:]+/.exec(rule.expr)?.[0];
    const source = recordingRules.find((r) => r.record === recorded);
    expect(source, `${rule.alert} reads ${recorded}`).toBeDefined();
    sets = groupings(source?.expr ?? '').slice(-1);
  }
  return sets.reduce((acc, s) => new Set([...acc].filter((l) => s.has(l))));
}

describe('Alertmanager config deploy/alertmanager (files)', () => {
  it('uses only the severities the alert rules use, and routes each to a receiver that exists', () => {
    const severities = new Set(alertRules.map((r) => r.labels.severity));
    expect([...severities].sort()).toEqual(Object.keys(RECEIVER_OF_SEVERITY).sort());
    const names = config.receivers.map((r) => r.name);
    for (const receiver of [...Object.values(RECEIVER_OF_SEVERITY), DEFAULT_RECEIVER]) expect(names).toContain(receiver);
    const routed = config.route.routes.flatMap((r) => r.routes).map((r) => r.matchers.join());
    expect(routed.sort()).toEqual([...severities].map((s) => `severity="${s}"`).sort());
  });

  it('keeps secrets out: Slack URLs and PagerDuty keys only as files under the secrets mount', () => {
    expect(configText).not.toMatch(/^\s*(slack_api_url|api_url|routing_key|service_key|pagerduty_url|url):/m);
    expect(configText).not.toMatch(/hooks\.slack\.com|events\.pagerduty\.com/);
    expect(config.global.slack_api_url_file).toBe(`${SECRETS_DIR}slack-webhook-url`);
    const pagerduty = config.receivers.flatMap((r) => r.pagerduty_configs ?? []);
    expect(pagerduty.length).toBeGreaterThan(0);
    for (const pd of pagerduty) expect(pd.routing_key_file).toBe(`${SECRETS_DIR}pagerduty-routing-key`);
  });

  it('inhibits only warnings, with sources and targets among the alerts and equal labels they all carry', () => {
    expect(config.inhibit_rules.length).toBe(4);
    for (const rule of config.inhibit_rules) {
      const sources = alertsMatched(rule.source_matchers);
      const targets = alertsMatched(rule.target_matchers);
      expect(sources.length, rule.source_matchers.join()).toBeGreaterThan(0);
      expect(targets.length, rule.target_matchers.join()).toBeGreaterThan(0);
      for (const name of [...sources, ...targets]) {
        const alert = alertRules.find((r) => r.alert === name);
        expect(alert, name).toBeDefined();
        for (const label of rule.equal) expect(labelsOf(alert as AlertRule), `${name} carries ${label}`).toContain(label);
      }
      for (const name of targets) expect(alertRules.find((r) => r.alert === name)?.labels.severity, name).toBe('warning');
    }
  });

  it('inhibits the per-service storm warnings of a model while the probe fails on that model, for every service', () => {
    const probe = config.inhibit_rules.find((r) => alertsMatched(r.source_matchers).includes(ALERT_PROBE_FAILING));
    expect(probe?.equal).toEqual([MODEL]);
    expect(alertsMatched(probe?.target_matchers ?? ['alertname="x"'])).toEqual(expect.arrayContaining([ALERT_RETRY_STORM, ALERT_OVERLOAD_RATIO]));
    expect(PROM_LABEL_SERVICE).toBe('job');
  });

  it('inhibits the storm and overload warnings of every service while the status page reports an incident, never a critical', () => {
    const incident = config.inhibit_rules.filter((r) => alertsMatched(r.source_matchers).includes(ALERT_PROVIDER_INCIDENT));
    expect(incident.length).toBe(1);
    const rule = incident[0] as InhibitRule;
    // The page speaks for the provider: its alert has no job or model to be equal on.
    expect(rule.equal).toEqual([]);
    const source = alertRules.find((r) => r.alert === ALERT_PROVIDER_INCIDENT) as AlertRule;
    expect([...labelsOf(source)]).toEqual([prometheusLabel(ATTR_STATUS_PAGE)]);
    expect(alertsMatched(rule.target_matchers).sort()).toEqual([ALERT_OVERLOAD_RATIO, ALERT_OVERLOAD_UNACKNOWLEDGED, ALERT_RETRY_STORM].sort());
    const criticals = alertRules.filter((r) => r.labels.severity === 'critical').map((r) => r.alert);
    expect(criticals).toEqual(expect.arrayContaining([ALERT_RETRY_EXHAUSTION, ALERT_PROBE_FAILING]));
    for (const inhibit of config.inhibit_rules) for (const name of criticals) expect(alertsMatched(inhibit.target_matchers)).not.toContain(name);
  });

  it('ships the same config and template in the upstream chart values', () => {
    const values = parse(readFileSync(repoPath('deploy', 'helm', 'upstream', 'prometheus-values.yaml'), 'utf8')) as {
      alertmanager: {
        enabled: boolean;
        config: unknown;
        templates: Record<string, string>;
        extraSecretMounts: { mountPath: string; secretName: string; readOnly: boolean }[];
      };
    };
    expect(values.alertmanager.enabled).toBe(true);
    expect(values.alertmanager.config).toEqual(config);
    expect(values.alertmanager.templates).toEqual({ 'stormwatch.tmpl': readFileSync(TEMPLATE, 'utf8') });
    // Not inside /etc/alertmanager, where the chart mounts its ConfigMap (read-only).
    expect(SECRETS_DIR.startsWith('/etc/alertmanager/')).toBe(false);
    expect(values.alertmanager.extraSecretMounts).toEqual([
      expect.objectContaining({ mountPath: SECRETS_DIR.replace(/\/$/, ''), secretName: 'stormwatch-alertmanager', readOnly: true }),
    ]);
  });
});

describe.runIf(serversAvailable('amtool'))('amtool', () => {
  const amtool = () => requireProgram('amtool');
  const scratch = mkdtempSync(path.join(tmpdir(), 'stormwatch-am-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** The receivers `amtool config routes test` resolves for an alert with these labels. */
  async function receiversOf(labels: Record<string, string>): Promise<string[]> {
    const args = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    const result = await run(amtool(), ['config', 'routes', 'test', `--config.file=${CONFIG}`, ...args]);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout.trim().split(',').map((r) => r.trim());
  }

  it('accepts the config and its template (amtool check-config)', async () => {
    const result = await run(amtool(), ['check-config', CONFIG]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('4 inhibit rules');
    expect(result.stdout).toContain('1 templates');
    expect(result.stdout).not.toContain('FAILED');
  });

  it('rejects a broken config, so the check above can fail', async () => {
    const broken = path.join(scratch, 'broken.yml');
    writeFileSync(broken, configText.replace('routing_key_file:', 'routing_key_fiel:'));
    const result = await run(amtool(), ['check-config', broken]);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('routing_key_fiel');
  });

  it.each(ALERTS)('routes %s by its severity (amtool config routes test)', async (name) => {
    const rule = alertRules.find((r) => r.alert === name);
    const severity = rule?.labels.severity ?? '';
    const labels = { alertname: name, severity, [PROM_LABEL_SERVICE]: 'checkout', [MODEL]: 'claude-sonnet-4-5' };
    expect(await receiversOf(labels)).toEqual([RECEIVER_OF_SEVERITY[severity]]);
    const verified = await run(amtool(), [
      'config', 'routes', 'test', `--config.file=${CONFIG}`, `--verify.receivers=${RECEIVER_OF_SEVERITY[severity]}`,
      ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    ]);
    expect(verified.code).toBe(0);
  });

  it('routes the provider incident, which carries a status page and no service or model, to Slack', async () => {
    const rule = alertRules.find((r) => r.alert === ALERT_PROVIDER_INCIDENT) as AlertRule;
    expect(rule.labels.severity).toBe('warning');
    expect(await receiversOf({ alertname: ALERT_PROVIDER_INCIDENT, severity: rule.labels.severity, [prometheusLabel(ATTR_STATUS_PAGE)]: 'status.anthropic.com' })).toEqual(['stormwatch-slack']);
  });

  it('pages only Stormwatch criticals: a critical alert of another system goes to Slack', async () => {
    expect(await receiversOf({ alertname: 'NodeDown', severity: 'critical' })).toEqual([DEFAULT_RECEIVER]);
    expect(await receiversOf({ alertname: 'KubePodCrashLooping', severity: 'warning' })).toEqual([DEFAULT_RECEIVER]);
    const wrong = await run(amtool(), ['config', 'routes', 'test', `--config.file=${CONFIG}`, '--verify.receivers=stormwatch-critical', 'alertname=NodeDown', 'severity=critical']);
    expect(wrong.code).not.toBe(0);
  });

  it('sends a Stormwatch alert without a known severity to Slack, not to PagerDuty', async () => {
    expect(await receiversOf({ alertname: 'StormwatchSomethingNew' })).toEqual(['stormwatch-slack']);
    expect(await receiversOf({ alertname: 'StormwatchSomethingNew', severity: 'info' })).toEqual(['stormwatch-slack']);
  });

  it('renders the runbook link of each alert into the messages (amtool template render)', async () => {
    const rule = alertRules.find((r) => r.alert === ALERT_RETRY_STORM) as AlertRule;
    const data = path.join(scratch, 'data.json');
    const alert = (labels: Record<string, string>, annotations: Record<string, string>) => ({ status: 'firing', labels, annotations });
    writeFileSync(
      data,
      JSON.stringify({
        receiver: 'stormwatch-slack',
        status: 'firing',
        alerts: [
          alert({ alertname: ALERT_RETRY_STORM, severity: 'warning', job: 'checkout' }, { summary: 'storm', description: 'd', runbook_url: rule.annotations.runbook_url ?? '' }),
          alert({ alertname: ALERT_RETRY_STORM, severity: 'warning', job: 'search' }, { summary: 'other', runbook_url: 'https://runbooks.example/storm' }),
        ],
        groupLabels: { alertname: ALERT_RETRY_STORM },
        commonLabels: { alertname: ALERT_RETRY_STORM, severity: 'warning' },
        commonAnnotations: {},
        externalURL: 'http://alertmanager.example',
      }),
    );
    const render = async (text: string) => {
      const result = await run(amtool(), ['template', 'render', `--template.glob=${TEMPLATE}`, `--template.data=${data}`, `--template.text=${text}`]);
      expect(result.code, result.stderr).toBe(0);
      return result.stdout.trim();
    };
    expect(await render('{{ template "stormwatch.runbook" (index .Alerts 0) }}')).toBe(`${RUNBOOK_BASE}${rule.annotations.runbook_url}`);
    const text = await render('{{ template "stormwatch.slack.text" . }}');
    expect(text).toContain(`Runbook: <${RUNBOOK_BASE}docs/runbooks/${ALERT_RETRY_STORM}.md|${ALERT_RETRY_STORM}>`);
    expect(text).toContain(`Runbook: <https://runbooks.example/storm|${ALERT_RETRY_STORM}>`);
    expect(await render('{{ template "stormwatch.title" . }}')).toBe(`[FIRING:2] ${ALERT_RETRY_STORM}`);
  });
});
