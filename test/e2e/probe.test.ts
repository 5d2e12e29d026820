import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALERT_OVERLOAD_UNACKNOWLEDGED,
  ALERT_PROVIDER_INCIDENT,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_POLICY,
  ATTR_PROBE_OUTCOME,
  ATTR_STATUS_COMPONENT,
  ATTR_STATUS_INCIDENT_NAME,
  ATTR_STATUS_PAGE,
  ATTR_STATUS_POLL_OUTCOME,
  COMPONENT_STATUS_GAUGE_VALUE,
  ErrorType,
  METRIC_ATTEMPTS,
  METRIC_PROBE_DURATION,
  METRIC_PROBE_REQUESTS,
  METRIC_PROBE_SINCE_LAST_SUCCESS,
  METRIC_STATUS_COMPONENT,
  METRIC_STATUS_INCIDENT_STARTED,
  METRIC_STATUS_INDICATOR,
  METRIC_STATUS_POLLS,
  PROBE_METRICS,
  PROBE_POLICY,
  PROM_LABEL_SERVICE,
  ProbeOutcome,
  RULE_OVERLOAD_RATIO,
  STATUS_INDICATOR_GAUGE_VALUE,
  StatusPollOutcome,
  metricDefinition,
  prometheusLabel,
} from '@stormwatch/conventions';
import { FakeAnthropic, overloaded } from '@stormwatch/fake-anthropic';
import { repoPath } from '../support/paths.js';
import { serversAvailable } from '../support/servers.js';
import { eventually } from './support/poll.js';
import { activeAlerts, instantQuery, metricNames } from './support/prometheusApi.js';
import { runDir } from './support/runDir.js';
import { ServerProcess } from './support/ServerProcess.js';
import { Stack } from './support/Stack.js';
import { StatusPage } from './support/statusPage.js';

/*
 * The synthetic probe through the real pipeline: the built `stormwatch-probe` command
 * (packages/probe/dist/cli.js, as the Dockerfile runs it) probes the fake Anthropic API and
 * watches a local status page serving the recorded-format fixtures of @stormwatch/probe,
 * exporting OTLP to the real collector (deploy/collector/config.yaml), which remote-writes
 * into a real Prometheus running the shipped recording rules and alerts.
 *
 * Two probes run side by side, each its own service (job): `probe-storm` against a fake that
 * answers every request 529, `probe-calm` against one that answers every request. The status
 * page says all is operational. A scripted "529s while the page says operational" run, and
 * a calm one: StormwatchOverloadUnacknowledged must fire for the first and never for the
 * second. Then the page posts an incident: StormwatchProviderIncident fires and the
 * unacknowledged alert resolves.
 *
 * Short intervals, real time (the collector and Prometheus cannot run on a virtual clock):
 * the probes send one request per model every second (STORMWATCH_PROBE_INTERVAL=1, no
 * jitter, the CLI's minimum), poll the page every second (STORMWATCH_STATUS_INTERVAL=1) and
 * export metrics every second (OTEL_METRIC_EXPORT_INTERVAL=1000). Prometheus evaluates the
 * shipped rules every second with every alert's `for` read as seconds instead of minutes
 * (Stack's testPrometheusConfig, as in storm.test.ts and alerts.test.ts): the
 * unacknowledged alert fires after 5 s of >= 20 % overload instead of 5 minutes, the
 * provider incident after 3 s instead of 3 minutes. Expressions, thresholds and the 5-minute
 * rate windows are the shipped ones. The whole file takes about half a minute.
 */

const MODEL = 'claude-haiku-4-5';
const STORM_JOB = 'probe-storm';
const CALM_JOB = 'probe-calm';
const API_COMPONENT = 'Claude API (api.anthropic.com)';
const CLI = repoPath('packages', 'probe', 'dist', 'cli.js');

const label = prometheusLabel;
const prom = (name: string) => metricDefinition(name).prometheusName;

describe.runIf(serversAvailable('otelcol-stormwatch', 'prometheus', 'jaeger'))('the synthetic probe through the collector into Prometheus', () => {
  const dir = runDir('probe');
  let stack: Stack;
  let page: StatusPage;
  let stormApi: FakeAnthropic;
  let calmApi: FakeAnthropic;
  const probes: ServerProcess[] = [];
  const query = (expr: string) => instantQuery(stack.endpoints.prometheus, expr);

  /** Starts `stormwatch-probe` as its own process, configured by env as in deploy/compose.yaml; ready once it has sent a request. */
  async function startProbeProcess(job: string, api: FakeAnthropic): Promise<void> {
    const probe = new ServerProcess({
      name: job,
      command: process.execPath,
      args: [CLI],
      env: {
        ANTHROPIC_API_KEY: 'sk-ant-e2e-placeholder',
        ANTHROPIC_BASE_URL: api.url,
        STORMWATCH_PROBE_MODELS: MODEL,
        STORMWATCH_PROBE_INTERVAL: '1',
        STORMWATCH_PROBE_JITTER: '0',
        STORMWATCH_PROBE_TIMEOUT: '2',
        STORMWATCH_STATUS_URL: page.url,
        STORMWATCH_STATUS_INTERVAL: '1',
        OTEL_SERVICE_NAME: job,
        OTEL_EXPORTER_OTLP_ENDPOINT: stack.endpoints.otlpHttp,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OTEL_BSP_SCHEDULE_DELAY: '500',
      },
      isReady: async () => api.requests.length > 0,
      readyTimeoutMs: 30_000,
      logFile: path.join(dir, `${job}.log`),
    });
    await probe.start();
    probes.push(probe);
  }

  beforeAll(async () => {
    // Not a dependency of this workspace (it runs as a command, not imported): build it first.
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npx turbo run build --filter=@stormwatch/probe`);
    stack = await Stack.start({ runDir: dir, fastAlerts: true });
    page = await StatusPage.start();
    stormApi = await FakeAnthropic.start({ otherwise: overloaded() });
    calmApi = await FakeAnthropic.start({});
    await Promise.all([startProbeProcess(STORM_JOB, stormApi), startProbeProcess(CALM_JOB, calmApi)]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(probes.map((p) => p.stop()));
    await Promise.all([stormApi?.close(), calmApi?.close(), page?.close()]);
    await stack?.stop();
  });

  it("exports every probe and status-page figure under the contract's Prometheus names", async () => {
    const expected = PROBE_METRICS.filter((m) => m.name !== METRIC_STATUS_INCIDENT_STARTED) // only while an incident is posted (below)
      .map((m) => (m.kind === 'histogram' ? `${m.prometheusName}_bucket` : m.prometheusName));
    const names = await eventually(`probe metrics in Prometheus (logs: ${dir})`, async () => {
      const all = await metricNames(stack.endpoints.prometheus);
      return expected.every((n) => all.includes(n)) ? all : undefined;
    });
    expect(names).toEqual(expect.arrayContaining([...expected, prom(METRIC_ATTEMPTS)]));

    // The probe's requests by outcome, per service: the calm one's all succeed; the storm's
    // all fail, each ended by its 2 s deadline during the policy's backoff between 529s
    // (deadline_exceeded) or by the 529 itself once the policy stops retrying.
    const requests = await eventually('probe requests of both probes', async () => {
      const r = await query(`sum by (${PROM_LABEL_SERVICE}, ${label(ATTR_PROBE_OUTCOME)}, ${label(ATTR_ERROR_TYPE)}) (${prom(METRIC_PROBE_REQUESTS)}{${label(ATTR_GEN_AI_REQUEST_MODEL)}="${MODEL}",${label(ATTR_POLICY)}="${PROBE_POLICY}"})`);
      return r.some((s) => s.metric[PROM_LABEL_SERVICE] === CALM_JOB) && r.some((s) => s.metric[PROM_LABEL_SERVICE] === STORM_JOB) ? r : undefined;
    });
    const calm = requests.filter((s) => s.metric[PROM_LABEL_SERVICE] === CALM_JOB);
    expect(calm.map((s) => s.metric)).toEqual([{ [PROM_LABEL_SERVICE]: CALM_JOB, [label(ATTR_PROBE_OUTCOME)]: ProbeOutcome.SUCCESS }]);
    const storm = requests.filter((s) => s.metric[PROM_LABEL_SERVICE] === STORM_JOB);
    expect(storm.length).toBeGreaterThan(0);
    for (const s of storm) {
      expect(s.metric[label(ATTR_PROBE_OUTCOME)]).toBe(ProbeOutcome.FAILURE);
      expect([ErrorType.OVERLOADED, ErrorType.DEADLINE_EXCEEDED]).toContain(s.metric[label(ATTR_ERROR_TYPE)]);
    }
    // Its latency histogram and time since the last success: the calm probe succeeds every second.
    const durations = await query(`sum by (${PROM_LABEL_SERVICE}) (${prom(METRIC_PROBE_DURATION)}_count)`);
    expect(durations.map((s) => s.metric[PROM_LABEL_SERVICE]).sort()).toEqual([CALM_JOB, STORM_JOB]);
    const sinceSuccess = await query(`${prom(METRIC_PROBE_SINCE_LAST_SUCCESS)}{${PROM_LABEL_SERVICE}="${CALM_JOB}"}`);
    expect(sinceSuccess).toHaveLength(1);
    expect(sinceSuccess[0]?.metric).toMatchObject({ [label(ATTR_GEN_AI_REQUEST_MODEL)]: MODEL, [label(ATTR_POLICY)]: PROBE_POLICY });
    expect(sinceSuccess[0]?.value).toBeLessThan(10);
    // The probe's policy is in the contract's own metrics too, under stormwatch_policy="probe".
    const attempts = await query(`sum by (${PROM_LABEL_SERVICE}) (${prom(METRIC_ATTEMPTS)}{${label(ATTR_POLICY)}="${PROBE_POLICY}",${label(ATTR_ERROR_TYPE)}="${ErrorType.OVERLOADED}"})`);
    expect(attempts.map((s) => s.metric[PROM_LABEL_SERVICE])).toEqual([STORM_JOB]);
  });

  it('exports the status gauge per component and the indicator of the page, operational, and counts the polls', async () => {
    const components = await eventually('status components', async () => {
      const r = await query(`${prom(METRIC_STATUS_COMPONENT)}{${PROM_LABEL_SERVICE}="${STORM_JOB}"}`);
      return r.length === 3 ? r : undefined;
    });
    expect(Object.fromEntries(components.map((s) => [s.metric[label(ATTR_STATUS_COMPONENT)], s.value]))).toEqual({
      'claude.ai': COMPONENT_STATUS_GAUGE_VALUE.operational,
      [API_COMPONENT]: COMPONENT_STATUS_GAUGE_VALUE.operational,
      'Claude Code': COMPONENT_STATUS_GAUGE_VALUE.operational,
    });
    for (const s of components) expect(s.metric[label(ATTR_STATUS_PAGE)]).toBe(page.host);
    const indicator = await query(`${prom(METRIC_STATUS_INDICATOR)}{${PROM_LABEL_SERVICE}="${STORM_JOB}"}`);
    expect(indicator.map((s) => [s.metric[label(ATTR_STATUS_PAGE)], s.value])).toEqual([[page.host, STATUS_INDICATOR_GAUGE_VALUE.none]]);
    // A fresh summary first, then conditional requests the page answers 304.
    const polls = await eventually('status polls, updated and not modified', async () => {
      const r = await query(`sum by (${label(ATTR_STATUS_POLL_OUTCOME)}) (${prom(METRIC_STATUS_POLLS)}{${PROM_LABEL_SERVICE}="${STORM_JOB}"})`);
      return r.length === 2 ? r : undefined;
    });
    expect(polls.map((s) => s.metric[label(ATTR_STATUS_POLL_OUTCOME)]).sort()).toEqual([StatusPollOutcome.NOT_MODIFIED, StatusPollOutcome.UPDATED].sort());
  });

  it('fires StormwatchOverloadUnacknowledged for the probe that sees 529s while the page says operational, never for the calm one', async () => {
    const firing = await eventually(
      `${ALERT_OVERLOAD_UNACKNOWLEDGED} firing for ${STORM_JOB}`,
      async () =>
        (await activeAlerts(stack.endpoints.prometheus)).find(
          (a) => a.labels.alertname === ALERT_OVERLOAD_UNACKNOWLEDGED && a.labels[PROM_LABEL_SERVICE] === STORM_JOB && a.state === 'firing',
        ),
      { timeoutMs: 60_000 },
    );
    expect(firing.labels).toEqual({ alertname: ALERT_OVERLOAD_UNACKNOWLEDGED, severity: 'warning', [PROM_LABEL_SERVICE]: STORM_JOB, [label(ATTR_GEN_AI_REQUEST_MODEL)]: MODEL });
    expect(firing.annotations.summary).toBe(`${STORM_JOB}: 100% of attempts to ${MODEL} are overloaded (529) while the status page says operational`);
    // The calm probe was evaluated all along (its overload ratio is recorded, at 0) and the
    // alert was never even pending for it: no ALERTS sample for its job, ever.
    const calmRatio = await query(`max by (${PROM_LABEL_SERVICE}) (${RULE_OVERLOAD_RATIO}{${PROM_LABEL_SERVICE}="${CALM_JOB}"})`);
    expect(calmRatio.map((s) => s.value)).toEqual([0]);
    expect(await query(`count_over_time(ALERTS{alertname="${ALERT_OVERLOAD_UNACKNOWLEDGED}",${PROM_LABEL_SERVICE}="${CALM_JOB}"}[10m])`)).toEqual([]);
  });

  it('fires StormwatchProviderIncident once the page posts an incident, and the overload is no longer unacknowledged', async () => {
    expect(await query(`count_over_time(ALERTS{alertname="${ALERT_PROVIDER_INCIDENT}"}[10m])`)).toEqual([]);
    page.show('incident');
    const incidents = await eventually('incident series', async () => {
      const r = await query(`${prom(METRIC_STATUS_INCIDENT_STARTED)}{${PROM_LABEL_SERVICE}="${STORM_JOB}"}`);
      return r.length === 2 ? r : undefined;
    });
    expect(incidents.map((s) => s.metric[label(ATTR_STATUS_INCIDENT_NAME)]).sort()).toEqual(['Elevated errors on Claude Opus', 'Slow responses on claude.ai']);
    const incident = await eventually(
      `${ALERT_PROVIDER_INCIDENT} firing`,
      async () => (await activeAlerts(stack.endpoints.prometheus)).find((a) => a.labels.alertname === ALERT_PROVIDER_INCIDENT && a.state === 'firing'),
      { timeoutMs: 60_000 },
    );
    expect(incident.labels).toEqual({ alertname: ALERT_PROVIDER_INCIDENT, severity: 'warning', [label(ATTR_STATUS_PAGE)]: page.host });
    expect(incident.annotations.summary).toBe(`The provider's status page ${page.host} reports a major outage`);
    await eventually(`${ALERT_OVERLOAD_UNACKNOWLEDGED} resolved`, async () => {
      const active = (await activeAlerts(stack.endpoints.prometheus)).filter((a) => a.labels.alertname === ALERT_OVERLOAD_UNACKNOWLEDGED);
      return active.length === 0 ? true : undefined;
    });
  });
});
