import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  ALERT_OVERLOAD_RATIO,
  ALERT_PROBE_FAILING,
  ALERT_PROVIDER_INCIDENT,
  ATTR_ATTEMPT_OUTCOME,
  ATTR_ATTEMPT_RETRY,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_POLICY,
  ATTR_STATUS_COMPONENT,
  ATTR_STATUS_PAGE,
  AttemptOutcome,
  COMPONENT_STATUS_GAUGE_VALUE,
  ErrorType,
  METRIC_ATTEMPTS,
  METRIC_PROBE_SINCE_LAST_SUCCESS,
  METRIC_STATUS_COMPONENT,
  METRIC_STATUS_INDICATOR,
  PROBE_POLICY,
  PROM_LABEL_SERVICE,
  STATUS_INDICATOR_GAUGE_VALUE,
  metricDefinition,
  prometheusLabel,
} from '@stormwatch/conventions';
import { repoPath } from '../support/paths.js';
import { requireProgram, serversAvailable } from '../support/servers.js';
import { testAlertmanagerConfig, WebhookReceiver } from './support/alertmanager.js';
import { eventually } from './support/poll.js';
import { freePorts } from './support/ports.js';
import { activeAlerts } from './support/prometheusApi.js';
import { runDir } from './support/runDir.js';
import { ServerProcess } from './support/ServerProcess.js';
import { testPrometheusConfig } from './support/Stack.js';

/*
 * Alert delivery end to end: a real Prometheus evaluates the shipped recording rules and
 * alerts (every second, `for` read as seconds: Stack's testPrometheusConfig) on series it
 * scrapes from this test, and sends to a real Alertmanager (Debian's
 * prometheus-alertmanager) running the shipped deploy/alertmanager config, whose Slack and
 * PagerDuty receivers post to a local webhook receiver instead of slack.com and
 * pagerduty.com (their URL and key come from secret files, as in production).
 *
 * Scraped rather than sent through the collector: the rules read the same series names
 * either way (the storm and probe e2e tests cover the collector), and a scrape every second
 * lets an alert fire within seconds. The story: the probe has had no success on one model
 * for 15 minutes, and the service `checkout` sees half of its attempts answered 529 on that
 * model and on another one. Later the provider's status page posts a partial outage.
 */

const PROBE_JOB = 'stormwatch-probe';
const SERVICE = 'checkout';
const FAILING_MODEL = 'claude-haiku-4-5';
const OTHER_MODEL = 'claude-sonnet-4-5';
const POLICY = 'interactive';
const MODEL = prometheusLabel(ATTR_GEN_AI_REQUEST_MODEL);

const template = readFileSync(repoPath('deploy', 'alertmanager', 'stormwatch.tmpl'), 'utf8');
const RUNBOOK_BASE = /define "stormwatch\.runbook_base" }}(.*?){{ end }}/.exec(template)?.[1] ?? '';
const runbookOf = (alert: string) => `${RUNBOOK_BASE}docs/runbooks/${alert}.md`;

/** Prometheus text exposition of one sample. */
function sample(name: string, labels: Record<string, string>, value: number): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return `${name}{${pairs.join(',')}} ${value}\n`;
}

/** What the scraped probe says: failing on FAILING_MODEL until the test recovers it; the status page it watches, from when the test posts an incident. */
const probeState = { recovered: false, incident: false };
const STATUS_PAGE = 'status.example.com';

/** The probe's and the service's series, as their exporters would show them. */
function metricsServer(started: number): Server {
  return createServer((req, res) => {
    const seconds = (Date.now() - started) / 1000;
    let body = '';
    if (req.url === '/probe/metrics') {
      // 15 minutes since the probe's last success on FAILING_MODEL; OTHER_MODEL is fine.
      const name = metricDefinition(METRIC_PROBE_SINCE_LAST_SUCCESS).prometheusName;
      body += sample(name, { [prometheusLabel(ATTR_POLICY)]: PROBE_POLICY, [MODEL]: FAILING_MODEL }, probeState.recovered ? 3 : 900 + seconds);
      body += sample(name, { [prometheusLabel(ATTR_POLICY)]: PROBE_POLICY, [MODEL]: OTHER_MODEL }, 5);
      // The status-page watch, once the page posts its incident: the API component in partial
      // outage, the indicator major. (No page before: an operational one would fire
      // StormwatchOverloadUnacknowledged, which would hold the overload warnings above.)
      if (probeState.incident) {
        const page = { [prometheusLabel(ATTR_STATUS_PAGE)]: STATUS_PAGE };
        body += sample(metricDefinition(METRIC_STATUS_COMPONENT).prometheusName, { ...page, [prometheusLabel(ATTR_STATUS_COMPONENT)]: 'Claude API' }, COMPONENT_STATUS_GAUGE_VALUE.partial_outage);
        body += sample(metricDefinition(METRIC_STATUS_INDICATOR).prometheusName, page, STATUS_INDICATOR_GAUGE_VALUE.major);
      }
    } else if (req.url === '/checkout/metrics') {
      // 20 attempts a second per model, half of them 529: an overload ratio of 50 %.
      const name = metricDefinition(METRIC_ATTEMPTS).prometheusName;
      for (const model of [FAILING_MODEL, OTHER_MODEL]) {
        const base = { [MODEL]: model, [prometheusLabel(ATTR_POLICY)]: POLICY };
        body += sample(name, { ...base, [prometheusLabel(ATTR_ATTEMPT_OUTCOME)]: AttemptOutcome.SUCCESS, [prometheusLabel(ATTR_ATTEMPT_RETRY)]: 'false' }, Math.floor(10 * seconds));
        body += sample(
          name,
          { ...base, [prometheusLabel(ATTR_ATTEMPT_OUTCOME)]: AttemptOutcome.RETRYABLE_ERROR, [prometheusLabel(ATTR_ERROR_TYPE)]: ErrorType.OVERLOADED, [prometheusLabel(ATTR_ATTEMPT_RETRY)]: 'false' },
          Math.floor(10 * seconds),
        );
      }
    } else {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
  });
}

interface SlackMessage {
  channel: string;
  attachments: { title: string; title_link: string; text: string; color: string }[];
}
interface PagerDutyEvent {
  routing_key: string;
  dedup_key: string;
  event_action: string;
  payload: { summary: string; severity: string; custom_details: Record<string, string> };
  links: { href: string; text: string }[];
}
interface AlertmanagerAlert {
  labels: Record<string, string>;
  status: { state: string; inhibitedBy: string[] };
}

describe.runIf(serversAvailable('prometheus', 'prometheus-alertmanager'))('alert delivery (Prometheus → Alertmanager → Slack and PagerDuty webhooks)', () => {
  const dir = runDir('alerts');
  let receiver: WebhookReceiver;
  let metrics: Server;
  let alertmanager: ServerProcess;
  let prometheus: ServerProcess;
  let amUrl = '';
  let promUrl = '';
  let routingKey = '';

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    const [amPort, promPort, metricsPort] = (await freePorts(3)) as [number, number, number];
    metrics = metricsServer(Date.now());
    await new Promise<void>((resolve) => metrics.listen(metricsPort, '127.0.0.1', resolve));

    const am = testAlertmanagerConfig(dir, receiver.base);
    routingKey = am.routingKey;
    amUrl = `http://127.0.0.1:${amPort}`;
    const amData = path.join(dir, 'alertmanager-data');
    mkdirSync(amData, { recursive: true });
    alertmanager = new ServerProcess({
      name: 'prometheus-alertmanager',
      command: requireProgram('prometheus-alertmanager'),
      args: [`--config.file=${am.file}`, `--storage.path=${amData}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address='],
      readyUrl: `${amUrl}/-/ready`,
      logFile: path.join(dir, 'alertmanager.log'),
    });

    // The shipped rules, fast (Stack's test config), plus where to send alerts and what to scrape.
    const promConfigFile = testPrometheusConfig(dir, true);
    const promConfig = parse(readFileSync(promConfigFile, 'utf8')) as Record<string, unknown> & { global: Record<string, string> };
    promConfig.global.scrape_interval = '1s';
    promConfig.alerting = { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] };
    promConfig.scrape_configs = [PROBE_JOB, SERVICE].map((job) => ({
      job_name: job,
      metrics_path: `/${job === PROBE_JOB ? 'probe' : SERVICE}/metrics`,
      static_configs: [{ targets: [`127.0.0.1:${metricsPort}`] }],
    }));
    writeFileSync(promConfigFile, stringify(promConfig));
    const promData = path.join(dir, 'prometheus-data');
    mkdirSync(promData, { recursive: true });
    promUrl = `http://127.0.0.1:${promPort}`;
    prometheus = new ServerProcess({
      name: 'prometheus',
      command: requireProgram('prometheus'),
      args: [`--config.file=${promConfigFile}`, `--storage.tsdb.path=${promData}`, `--web.listen-address=127.0.0.1:${promPort}`, '--rules.alert.resend-delay=1s'],
      readyUrl: `${promUrl}/-/ready`,
      logFile: path.join(dir, 'prometheus.log'),
    });
    await alertmanager.start();
    await prometheus.start();
  });

  afterAll(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    await new Promise<void>((resolve) => (metrics ? metrics.close(() => resolve()) : resolve()));
    await receiver?.stop();
    rmSync(path.join(dir, 'prometheus-data'), { recursive: true, force: true });
    rmSync(path.join(dir, 'alertmanager-data'), { recursive: true, force: true });
  });

  const slack = () => receiver.on('/slack') as SlackMessage[];
  const pagerduty = () => receiver.on('/pagerduty') as PagerDutyEvent[];
  const slackFor = (alert: string, model: string) => slack().find((m) => m.attachments[0]?.title.includes(alert) && m.attachments[0]?.title.includes(model));

  it('pages PagerDuty with the runbook link and the routing key from its secret file when the probe fails', async () => {
    const event = await eventually(
      `${ALERT_PROBE_FAILING} at PagerDuty (log: ${dir})`,
      async () => pagerduty().find((e) => e.payload.summary.includes(ALERT_PROBE_FAILING)),
      { timeoutMs: 90_000 },
    );
    expect(event.routing_key).toBe(routingKey);
    expect(event.event_action).toBe('trigger');
    expect(event.payload.severity).toBe('critical');
    expect(event.payload.summary).toBe(`[FIRING:1] ${ALERT_PROBE_FAILING} ${PROBE_JOB} ${FAILING_MODEL}`);
    expect(event.links).toEqual([{ href: runbookOf(ALERT_PROBE_FAILING), text: 'Runbook' }]);
    expect(event.payload.custom_details.runbook).toBe(runbookOf(ALERT_PROBE_FAILING));
    expect(event.payload.custom_details.summary).toContain(`${PROBE_JOB}: the synthetic probe of ${FAILING_MODEL} is failing`);
  });

  it('tells the Slack channel too, with the alert, its description and the runbook link', async () => {
    const message = await eventually(`${ALERT_PROBE_FAILING} in Slack`, async () => slackFor(ALERT_PROBE_FAILING, FAILING_MODEL));
    expect(message.channel).toBe('#stormwatch-alerts');
    const [attachment] = message.attachments;
    expect(attachment?.title_link).toBe(runbookOf(ALERT_PROBE_FAILING));
    expect(attachment?.color).toBe('danger');
    expect(attachment?.text).toContain('has had no successful request to');
    expect(attachment?.text).toContain(`Runbook: <${runbookOf(ALERT_PROBE_FAILING)}|${ALERT_PROBE_FAILING}>`);
  });

  it('sends a warning to Slack only, and inhibits the one the failing probe explains', async () => {
    // Prometheus fires StormwatchOverloadRatioHigh for both models of the service ...
    await eventually(`${ALERT_OVERLOAD_RATIO} firing for both models in Prometheus`, async () => {
      const firing = (await activeAlerts(promUrl)).filter((a) => a.labels.alertname === ALERT_OVERLOAD_RATIO && a.state === 'firing');
      return firing.length === 2 ? firing : undefined;
    }, { timeoutMs: 90_000 });
    // ... Slack hears of the model the probe does not fail on ...
    const message = await eventually(`${ALERT_OVERLOAD_RATIO} for ${OTHER_MODEL} in Slack`, async () => slackFor(ALERT_OVERLOAD_RATIO, OTHER_MODEL));
    expect(message.attachments[0]?.title).toBe(`[FIRING:1] ${ALERT_OVERLOAD_RATIO} ${SERVICE} ${OTHER_MODEL}`);
    expect(message.attachments[0]?.title_link).toBe(runbookOf(ALERT_OVERLOAD_RATIO));
    expect(message.attachments[0]?.color).toBe('warning');
    // ... and Alertmanager holds the other one, inhibited by the probe's alert on its model.
    const held = await eventually(`${ALERT_OVERLOAD_RATIO} for ${FAILING_MODEL} inhibited`, async () => {
      const response = await fetch(`${amUrl}/api/v2/alerts?filter=alertname="${ALERT_OVERLOAD_RATIO}"`);
      const alerts = (await response.json()) as AlertmanagerAlert[];
      return alerts.find((a) => a.labels[MODEL] === FAILING_MODEL && a.labels[PROM_LABEL_SERVICE] === SERVICE && a.status.state === 'suppressed');
    });
    expect(held.status.inhibitedBy.length).toBe(1);
    // Several group intervals (1 s here) later, still nothing about it, and no page for a warning.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(slackFor(ALERT_OVERLOAD_RATIO, FAILING_MODEL)).toBeUndefined();
    expect(pagerduty().filter((e) => e.payload.summary.includes(ALERT_OVERLOAD_RATIO))).toEqual([]);
  });

  it('inhibits the storm warnings of every model while the status page reports an incident, and still pages', async () => {
    const notifiedBefore = slack().filter((m) => m.attachments[0]?.title.includes(ALERT_OVERLOAD_RATIO)).length;
    probeState.incident = true;
    // The incident itself reaches Slack (a warning: not paged), with its runbook ...
    const message = await eventually(`${ALERT_PROVIDER_INCIDENT} in Slack`, async () => slack().find((m) => m.attachments[0]?.title.includes(ALERT_PROVIDER_INCIDENT)), {
      timeoutMs: 60_000,
    });
    expect(message.attachments[0]?.title).toBe(`[FIRING:1] ${ALERT_PROVIDER_INCIDENT}`);
    expect(message.attachments[0]?.title_link).toBe(runbookOf(ALERT_PROVIDER_INCIDENT));
    expect(message.attachments[0]?.text).toContain(`The provider's status page ${STATUS_PAGE} reports a partial outage`);
    expect(pagerduty().filter((e) => e.payload.summary.includes(ALERT_PROVIDER_INCIDENT))).toEqual([]);
    // ... and Alertmanager now holds the overload warning of the model the probe does not
    // fail on too (equal: [], every service and model), inhibited by the incident ...
    const incident = await eventually(`${ALERT_PROVIDER_INCIDENT} in Alertmanager`, async () => {
      const response = await fetch(`${amUrl}/api/v2/alerts?filter=alertname="${ALERT_PROVIDER_INCIDENT}"`);
      return ((await response.json()) as (AlertmanagerAlert & { fingerprint: string })[])[0];
    });
    const held = await eventually(`${ALERT_OVERLOAD_RATIO} for ${OTHER_MODEL} inhibited by the incident`, async () => {
      const response = await fetch(`${amUrl}/api/v2/alerts?filter=alertname="${ALERT_OVERLOAD_RATIO}"`);
      const alerts = (await response.json()) as AlertmanagerAlert[];
      return alerts.find((a) => a.labels[MODEL] === OTHER_MODEL && a.status.state === 'suppressed' && a.status.inhibitedBy.includes(incident.fingerprint));
    });
    expect(held.labels[PROM_LABEL_SERVICE]).toBe(SERVICE);
    // ... while the probe's critical stays active: nothing inhibits a page.
    const critical = await fetch(`${amUrl}/api/v2/alerts?filter=alertname="${ALERT_PROBE_FAILING}"`);
    const probeAlerts = (await critical.json()) as AlertmanagerAlert[];
    expect(probeAlerts.map((a) => a.status.state)).toEqual(['active']);
    // Group intervals (1 s) later, no new Slack message about the inhibited warnings.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(slack().filter((m) => m.attachments[0]?.title.includes(ALERT_OVERLOAD_RATIO)).length).toBe(notifiedBefore);
  });

  it('resolves the page when the probe succeeds again', async () => {
    const trigger = pagerduty().find((e) => e.event_action === 'trigger' && e.payload.summary.includes(ALERT_PROBE_FAILING));
    expect(trigger).toBeDefined();
    probeState.recovered = true;
    const resolve = await eventually(`${ALERT_PROBE_FAILING} resolved at PagerDuty`, async () =>
      pagerduty().find((e) => e.event_action === 'resolve' && e.dedup_key === trigger?.dedup_key),
    );
    expect(resolve.routing_key).toBe(routingKey);
    const resolved = await eventually(`${ALERT_PROBE_FAILING} resolved in Slack`, async () =>
      slack().find((m) => m.attachments[0]?.title.startsWith(`[RESOLVED] ${ALERT_PROBE_FAILING}`)),
    );
    expect(resolved.attachments[0]?.color).toBe('good');
    expect(resolved.attachments[0]?.text).toContain('(resolved)');
  });
});
