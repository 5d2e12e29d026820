import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { resilient, type ResilientClient, type ResilientOptions } from '@stormwatch/anthropic';
import type { FakeAnthropic } from '@stormwatch/fake-anthropic';
import { start, shutdown } from '@stormwatch/node';
import { redisStore, type RedisOverloadStore } from '@stormwatch/redis';
import {
  ALERT_RETRY_EXHAUSTION,
  ALERT_RETRY_STORM,
  ALERT_STORE_NOT_SHARING,
  ATTR_ADMISSION_OUTCOME,
  ATTR_ADMISSION_REFUSAL_REASON,
  ATTR_ADMISSION_WAIT_MS,
  ATTR_ATTEMPT_NUMBER,
  ATTR_ATTEMPT_OUTCOME,
  ATTR_CALL_ATTEMPTS,
  ATTR_CALL_OUTCOME,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_POLICY,
  ATTR_RETRY_DELAY_S,
  ATTR_RETRY_DELAY_SOURCE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_STORE_OPERATION,
  ATTR_STORE_REASON,
  AdmissionOutcome,
  AdmissionRefusalReason,
  AttemptOutcome,
  CallOutcome,
  CostKind,
  ErrorType,
  EVENT_ADMISSION_WAIT,
  GEN_AI_OPERATION_CHAT,
  GEN_AI_PROVIDER_ANTHROPIC,
  POLICY_METRICS,
  METRIC_ADMISSION_REFUSALS,
  METRIC_ADMISSION_WAIT,
  METRIC_ATTEMPTS,
  METRIC_CALLS,
  METRIC_COST_USD,
  METRIC_STORE_ERRORS,
  METRIC_STORE_LOCAL_ANSWERS,
  METRIC_STORE_SHARING,
  PROM_LABEL_INSTANCE,
  PROM_LABEL_SERVICE,
  PROM_LABEL_SPAN_NAME,
  PROM_SPAN_METRICS_CALLS,
  PROM_SPAN_METRICS_DURATION,
  RULE_OVERLOAD_RATIO,
  RULE_RETRY_AMPLIFICATION,
  RULE_RETRY_EXHAUSTION,
  SPAN_BACKOFF,
  SPAN_CALL,
  STORE_SHARING_GAUGE_VALUE,
  StoreOperation,
  StoreReason,
  ATTR_SERVICE_INSTANCE_ID,
  attemptSpanName,
  metricDefinition,
  prometheusLabel,
} from '@stormwatch/conventions';
import { ALL_QUERIES, LABEL, callSpanDurationP95, costUsd, wastedTokensByKind, wastedUsdPerHour, type QueryDefinition } from '@stormwatch/queries';
import { serversAvailable } from '../support/servers.js';
import { Stack } from './support/Stack.js';
import { runDir } from './support/runDir.js';
import { eventually } from './support/poll.js';
import { activeAlerts, instantQuery, metricNames, queryExemplars, rangeQuerySeries } from './support/prometheusApi.js';
import { findTraces, getTrace, traceSpans, type TagValue, type TraceSpan } from './support/jaegerApi.js';
import { countsFor, startStormServer } from './support/stormServer.js';
import { callOnce, median, runCalls, scripts, type CallResult } from './support/calls.js';
import { startRedis, type RedisServer } from './support/redisServer.js';

const SERVICE = 'stormwatch-e2e-storm';
const INSTANCE = 'storm-1';
/** Each policy calls its own model, so the fake server's counts per model are per policy. */
const STORM = { policy: 'e2e-storm', model: 'claude-sonnet-4-6' };
const FALLBACK = { policy: 'e2e-fallback', model: 'claude-opus-4-1', to: 'claude-haiku-4-5' };
const BREAKER = { policy: 'e2e-breaker', model: 'claude-opus-4-5' };
const BUDGET = { policy: 'e2e-budget', model: 'claude-sonnet-4-0' };
const LIMITED = { policy: 'e2e-limited', model: 'claude-3-7-sonnet' };
const OUTAGE = { policy: 'e2e-outage', model: 'claude-3-5-haiku' };
const AFTER = { policy: 'e2e-after', model: 'claude-3-haiku' };
/**
 * Admission control on, as by default, with room for one waiting call per model: after
 * its 529s the model is paced, one retry waits for its slot and the queue refuses the others.
 */
const ADMISSION = { policy: 'e2e-admission', model: 'claude-opus-4-0' };
const ADMISSION_STORM = 3;
const ADMISSION_PACED = 4;
/**
 * The fleet's shared overload store: a policy on a real Redis store (admission on, as by
 * default) shares its state through a redis-server, then answers locally once the server is
 * stopped mid-run; another policy's store is closed, so its every operation rejects.
 */
const STORE = { policy: 'e2e-store', model: 'claude-haiku-4-6' };
const CLOSED_STORE = { policy: 'e2e-store-closed', model: 'claude-opus-4-6' };
const STORE_CALLS = 12;
/**
 * Fast retries: the storm runs in real time through real servers. These clients run the
 * 0.1 loop (admission control off): the storm they make is what the alerts must catch.
 */
const FAST = { maxAttempts: 3, backoff: { baseMs: 20, capMs: 80 }, admission: false } as const;

const CALM_CALLS = 30;
const STORM_EXHAUSTED = 40;
const STORM_RECOVERED = 20;

/**
 * Phases are spread over seconds: Prometheus's rate() does not count a new series' first
 * sample as an increase, so a phase shorter than a few metric exports would be undercounted.
 */
const GAP_MS = 150;

/**
 * What each TraceQL query of the app (ALL_QUERIES) selects, as a Jaeger search: the span it
 * matches (name, attribute values) and what TraceQL compares beyond equality. The test runs
 * no Tempo (AGPL), so it checks that the trace store holds the data each query is for; the
 * TraceQL text itself is parsed by Grafana's grammar in packages/queries' tests.
 */
const TRACEQL_IN_JAEGER: Readonly<
  Record<string, { span: string; attributes?: Record<string, TagValue>; where?: (span: TraceSpan, trace: readonly TraceSpan[]) => boolean }>
> = {
  // { name = "stormwatch.call" && span.stormwatch.call.attempts > 1 }
  callsWithMostAttempts: { span: SPAN_CALL, where: (s) => Number(s.attributes.get(ATTR_CALL_ATTEMPTS)) > 1 },
  // { stormwatch.call } > { name = "stormwatch.backoff" }: a backoff that is a child of a call
  longestBackoffs: {
    span: SPAN_BACKOFF,
    where: (s, trace) => trace.some((p) => p.spanId === s.parentSpanId && p.name === SPAN_CALL),
  },
  // outcome = "failed" && attempts > 1
  failedAfterRetries: {
    span: SPAN_CALL,
    attributes: { [ATTR_CALL_OUTCOME]: CallOutcome.FAILED },
    where: (s) => Number(s.attributes.get(ATTR_CALL_ATTEMPTS)) > 1,
  },
  // outcome = "fallback_success"
  fellBack: { span: SPAN_CALL, attributes: { [ATTR_CALL_OUTCOME]: CallOutcome.FALLBACK_SUCCESS } },
  // any stormwatch.call
  anyCalls: { span: SPAN_CALL },
};

/** A full garbage collection, for comparing heap sizes (exposes V8's gc() in this process). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const q = (s: string) => JSON.stringify(s);
const sel = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${q(v)}`)
    .join(',')}}`;
const JOB = prometheusLabel(PROM_LABEL_SERVICE);
const POLICY = prometheusLabel(ATTR_POLICY);
const metric = (name: string) => metricDefinition(name).prometheusName;

/**
 * The pipeline end to end: an instrumented service (the real SDK, `resilient()` and
 * `@stormwatch/node`'s `start()`, in this process) drives a scripted storm against the
 * fake Anthropic server; its telemetry goes through our collector to Prometheus and to a
 * trace store: Jaeger here (the collector's trace exporter, which users point at their Tempo,
 * points at Jaeger's OTLP receiver: Tempo is under the AGPL and the tests never run it),
 * started with our config files; the test reads them back through their query APIs.
 */
describe.runIf(serversAvailable('otelcol-stormwatch', 'jaeger', 'prometheus', 'redis-server'))('the pipeline in a storm', () => {
  let dir: string;
  let stack: Stack;
  let fake: FakeAnthropic;
  let redis: RedisServer;
  let store: RedisOverloadStore;
  /** The operations the closed store rejected, as the policy reported them (onStoreError). */
  const rejected: string[] = [];
  const clients: Record<string, ResilientClient> = {};
  const made: Record<string, CallResult[]> = {};
  const record = (policy: string, results: CallResult[]) => (made[policy] = [...(made[policy] ?? []), ...results]);

  beforeAll(async () => {
    dir = runDir('storm');
    stack = await Stack.start({ runDir: dir, spanMetrics: true });
    fake = await startStormServer(new Set([FALLBACK.model, BREAKER.model]));
    redis = await startRedis(dir);
    // The SDK's resource detector reads the instance id from the standard variable.
    process.env.OTEL_RESOURCE_ATTRIBUTES = `${ATTR_SERVICE_INSTANCE_ID}=${INSTANCE}`;
    start(
      {
        serviceName: SERVICE,
        tracesEndpoint: `${stack.endpoints.otlpHttp}/v1/traces`,
        metricsEndpoint: `${stack.endpoints.otlpHttp}/v1/metrics`,
        metricExportIntervalMs: 250,
        scheduledDelayMs: 200,
        exportTimeoutMs: 2_000,
      },
    );
    const sdk = new Anthropic({ baseURL: fake.url, apiKey: 'test-key' });
    const make = (options: ResilientOptions) => resilient(sdk, options);
    clients[STORM.policy] = make({ policy: STORM.policy, policyOptions: { ...FAST, budget: false, breaker: false } });
    clients[FALLBACK.policy] = make({ policy: FALLBACK.policy, fallback: [FALLBACK.to], policyOptions: { ...FAST, budget: false, breaker: false } });
    clients[BREAKER.policy] = make({
      policy: BREAKER.policy,
      policyOptions: { maxAttempts: 1, budget: false, admission: false, breaker: { threshold: 2, halfOpenAfterMs: 600_000 } },
    });
    clients[BUDGET.policy] = make({
      policy: BUDGET.policy,
      policyOptions: { ...FAST, breaker: false, budget: { ratio: 0.01, minRetriesPerSecond: 0.1, windowMs: 10_000 } },
    });
    clients[LIMITED.policy] = make({ policy: LIMITED.policy, policyOptions: { ...FAST, limiter: { initialRate: 200 } } });
    clients[OUTAGE.policy] = make({ policy: OUTAGE.policy, policyOptions: { ...FAST, budget: false, breaker: false } });
    clients[AFTER.policy] = make({ policy: AFTER.policy, policyOptions: { ...FAST, budget: false, breaker: false } });
    clients[ADMISSION.policy] = make({ policy: ADMISSION.policy, policyOptions: { budget: false, breaker: false, admission: { maxQueue: 1 } } });
    // A loopback Redis answers in well under a millisecond; the margin is for a busy machine.
    store = redisStore({ url: redis.url, prefix: 'stormwatch-e2e:', timeoutMs: 250 });
    clients[STORE.policy] = make({ policy: STORE.policy, store });
    const closed = redisStore({ url: redis.url, prefix: 'stormwatch-e2e:' });
    await closed.close();
    clients[CLOSED_STORE.policy] = make({ policy: CLOSED_STORE.policy, store: closed });
    client(CLOSED_STORE.policy).policy.onStoreError(({ operation }) => void rejected.push(operation));
  });

  afterAll(async () => {
    await store?.close();
    await redis?.stop();
    await shutdown();
    await fake?.close();
    await stack?.stop();
  });

  const client = (policy: string) => clients[policy] as ResilientClient;
  const prom = (expr: string) => instantQuery(stack.endpoints.prometheus, expr);
  const value = async (expr: string) => (await prom(expr))[0]?.value;
  const exhaustionAlerts = async () =>
    (await activeAlerts(stack.endpoints.prometheus)).filter(
      (a) => a.labels.alertname === ALERT_RETRY_EXHAUSTION && a.labels[JOB] === SERVICE && a.labels[POLICY] === STORM.policy,
    );

  /** Every trace of one policy's calls in Jaeger (found by the call span's policy attribute), as spans. */
  const callTraces = async (policy: string, attributes: Readonly<Record<string, TagValue>> = {}) =>
    (
      await findTraces(stack.endpoints.jaeger, {
        service: SERVICE,
        operation: SPAN_CALL,
        attributes: { [ATTR_POLICY]: policy, ...attributes },
      })
    ).map(traceSpans);

  it('calm: every call succeeds at its first attempt and retry exhaustion stays quiet', async () => {
    const results = await runCalls(client(STORM.policy), STORM.model, scripts('calm', CALM_CALLS, 0), 2, GAP_MS);
    record(STORM.policy, results);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const calls = `sum(${metric(METRIC_CALLS)}${sel({ [JOB]: SERVICE, [POLICY]: STORM.policy })})`;
    await eventually('the calm calls in Prometheus', async () => ((await value(calls)) === CALM_CALLS ? true : undefined));
    const exhaustion = `${RULE_RETRY_EXHAUSTION}${sel({ [JOB]: SERVICE, [POLICY]: STORM.policy })}`;
    await eventually('the exhaustion rule over the calm calls', async () => ((await value(exhaustion)) === 0 ? true : undefined));
    // Several evaluations (every second) pass without the alert even pending.
    for (let i = 0; i < 6; i++) {
      expect(await exhaustionAlerts()).toEqual([]);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  });

  it('storm: calls retry, some recover, the rest exhaust their attempts', async () => {
    const storm = [
      ...scripts('exhausted', STORM_EXHAUSTED, 99),
      ...scripts('recovered', STORM_RECOVERED, 2),
    ].sort((a, b) => a.id.localeCompare(b.id));
    const results = await runCalls(client(STORM.policy), STORM.model, storm, 2, GAP_MS);
    record(STORM.policy, results);
    expect(results.filter((r) => r.ok).length).toBe(STORM_RECOVERED);
    expect(results.filter((r) => !r.ok).length).toBe(STORM_EXHAUSTED);
    // The rest of the contract: fallbacks, an open breaker, budget refusals, limiter, waste.
    record(FALLBACK.policy, await runCalls(client(FALLBACK.policy), FALLBACK.model, scripts('fallback', 5, 0), 1));
    record(BREAKER.policy, await runCalls(client(BREAKER.policy), BREAKER.model, scripts('breaker', 5, 0), 1));
    record(BUDGET.policy, await runCalls(client(BUDGET.policy), BUDGET.model, scripts('budget', 10, 99), 1));
    record(LIMITED.policy, await runCalls(client(LIMITED.policy), LIMITED.model, scripts('limited', 5, 1), 1));
    record(LIMITED.policy, [await callOnce(client(LIMITED.policy), LIMITED.model, { id: 'cut-0', fail: 0, cut: true }, true)]);
    // Admission: three calls get a 529 at once; one retry waits for the paced model's slot,
    // the full queue refuses the other two. Then calls one at a time, each waiting for its
    // slot while the model stays paced (its waits spread over several metric exports).
    const admission = [
      ...(await runCalls(client(ADMISSION.policy), ADMISSION.model, scripts('admission', ADMISSION_STORM, 1), ADMISSION_STORM)),
      ...(await runCalls(client(ADMISSION.policy), ADMISSION.model, scripts('admission-paced', ADMISSION_PACED, 0), 1)),
    ];
    record(ADMISSION.policy, admission);
    expect(admission.filter((r) => !r.ok).map((r) => r.error)).toEqual(['AdmissionRefusedError', 'AdmissionRefusedError']);
    expect(made[FALLBACK.policy]?.every((r) => r.ok)).toBe(true);
    expect(made[BREAKER.policy]?.some((r) => r.ok)).toBe(false);
    expect(made[LIMITED.policy]?.at(-1)).toMatchObject({ ok: false, error: 'StreamInterruptedError' });
  });

  it("store: a policy shares its overload state through Redis, answers locally once Redis is gone, and a closed store's calls go on", async () => {
    const labels = sel({ [JOB]: SERVICE, [PROM_LABEL_INSTANCE]: INSTANCE });
    const sharing = `min(${metric(METRIC_STORE_SHARING)}${labels})`;
    const localAnswers = `sum(${metric(METRIC_STORE_LOCAL_ANSWERS)}${labels})`;
    // Shared: the calls' slots, paces and deposits go through Redis, none is answered locally.
    const shared = await runCalls(client(STORE.policy), STORE.model, scripts('store-shared', STORE_CALLS, 0), 1, GAP_MS);
    expect(shared.filter((r) => !r.ok)).toEqual([]);
    expect(store.health()).toEqual({ sharing: true, localAnswers: {} });
    const whileShared = await eventually('the store sharing, in Prometheus', async () => {
      const r = { sharing: await value(sharing), localAnswers: await value(localAnswers) };
      return r.sharing === STORE_SHARING_GAUGE_VALUE.SHARING && r.localAnswers === 0 ? r : undefined;
    }).catch(async () => ({ sharing: await value(sharing), localAnswers: await value(localAnswers) }));
    expect(whileShared).toEqual({ sharing: STORE_SHARING_GAUGE_VALUE.SHARING, localAnswers: 0 });

    // Redis goes away mid-run: every call still succeeds, the store answers from local state,
    // spread over several metric exports so that the local answers rise in Prometheus.
    await redis.stop();
    const local = await runCalls(client(STORE.policy), STORE.model, scripts('store-local', STORE_CALLS, 0), 1, GAP_MS * 2);
    record(STORE.policy, [...shared, ...local]);
    expect(local.filter((r) => !r.ok)).toEqual([]);
    const health = store.health();
    expect(health.sharing).toBe(false);
    expect(Object.values(health.localAnswers).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    for (const reason of Object.keys(health.localAnswers)) expect(Object.values(StoreReason), reason).toContain(reason);

    // A closed store rejects every operation; the calls go on as if it were calm.
    const onClosed = await runCalls(client(CLOSED_STORE.policy), CLOSED_STORE.model, scripts('store-closed', 5, 0), 1, GAP_MS);
    record(CLOSED_STORE.policy, onClosed);
    expect(onClosed.filter((r) => !r.ok)).toEqual([]);
    expect(rejected.length).toBeGreaterThan(0);
  });

  it("reports the store's health and errors through the pipeline, and fires StormwatchStoreNotSharing", async () => {
    const labels = { [JOB]: SERVICE, [PROM_LABEL_INSTANCE]: INSTANCE };
    const REASON = prometheusLabel(ATTR_STORE_REASON);
    const OPERATION = prometheusLabel(ATTR_STORE_OPERATION);
    // Exactly the store's own counts, by reason (the reasons it never used at 0), and sharing 0.
    const expected = {
      sharing: STORE_SHARING_GAUGE_VALUE.LOCAL,
      localAnswers: Object.fromEntries(
        Object.values(StoreReason)
          .filter((r) => r !== StoreReason.OTHER)
          .map((r) => [r, store.health().localAnswers[r] ?? 0]),
      ),
      errors: rejected.length,
    };
    const read = async () => ({
      sharing: await value(`min(${metric(METRIC_STORE_SHARING)}${sel(labels)})`),
      localAnswers: Object.fromEntries(
        (await prom(`sum by (${REASON}) (${metric(METRIC_STORE_LOCAL_ANSWERS)}${sel(labels)})`)).map((s) => [s.metric[REASON], s.value]),
      ),
      errors: await value(`sum(${metric(METRIC_STORE_ERRORS)}${sel({ ...labels, [POLICY]: CLOSED_STORE.policy })})`),
    });
    const found = await eventually('the store metrics', async () => {
      const r = await read();
      return isDeepStrictEqual(r, expected) ? r : undefined;
    }).catch(read);
    expect(found).toEqual(expected);
    // Every rejected operation under its contract name, on the closed store's policy and model.
    const byOperation = await prom(`${metric(METRIC_STORE_ERRORS)}${sel({ [JOB]: SERVICE })}`);
    expect(byOperation.length).toBeGreaterThan(0);
    for (const series of byOperation) {
      expect(series.metric[POLICY]).toBe(CLOSED_STORE.policy);
      expect(series.metric[prometheusLabel(ATTR_GEN_AI_REQUEST_MODEL)]).toBe(CLOSED_STORE.model);
      expect(Object.values(StoreOperation).filter((o) => o !== StoreOperation.OTHER)).toContain(series.metric[OPERATION]);
    }
    // The instance answered locally, and kept doing so: the alert fires (its 5 minutes read as 5 s here).
    const firing = await eventually(`${ALERT_STORE_NOT_SHARING} firing`, async () =>
      (await activeAlerts(stack.endpoints.prometheus)).find(
        (a) => a.labels.alertname === ALERT_STORE_NOT_SHARING && a.labels[JOB] === SERVICE && a.state === 'firing',
      ),
    );
    expect(firing.labels).toMatchObject({ severity: 'warning', [PROM_LABEL_INSTANCE]: INSTANCE });
    expect(firing.annotations.runbook_url).toBe(`docs/runbooks/${ALERT_STORE_NOT_SHARING}.md`);
  });

  it('stores every metric of the contract under its translated name', async () => {
    // The probe's own metrics come from stormwatch-probe, not from a service.
    const wanted = POLICY_METRICS.flatMap((m) =>
      m.kind === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => m.prometheusName + s) : [m.prometheusName],
    );
    const missing = await eventually(
      'every contract metric from the service',
      async () => {
        const names = new Set(await metricNames(stack.endpoints.prometheus));
        const absent: string[] = [];
        for (const name of wanted) {
          if (!names.has(name) || (await prom(`${name}${sel({ [JOB]: SERVICE })}`)).length === 0) absent.push(name);
        }
        return absent.length === 0 ? absent : undefined;
      },
      { timeoutMs: 30_000 },
    ).catch(async () => {
      const names = new Set(await metricNames(stack.endpoints.prometheus));
      return wanted.filter((n) => !names.has(n));
    });
    expect(missing).toEqual([]);
  });

  it('adds span metrics with the optional overlay (deploy/collector/spanmetrics.yaml)', async () => {
    const names = await eventually('span metrics in Prometheus', async () => {
      const all = (await metricNames(stack.endpoints.prometheus)).filter((n) => n.startsWith('traces_span_metrics_'));
      return all.length >= 4 ? all : undefined;
    });
    // The connector's histogram unit is s (as the library's durations), so the translated names end in _seconds.
    expect(names.sort()).toEqual(
      [PROM_SPAN_METRICS_CALLS, ...['_bucket', '_count', '_sum'].map((s) => `${PROM_SPAN_METRICS_DURATION}${s}`)].sort(),
    );
    // One flush of the connector may reach Prometheus in several remote-write requests: the
    // names can be there before the call spans' series.
    const callsOf = () => prom(`${PROM_SPAN_METRICS_CALLS}{${PROM_LABEL_SPAN_NAME}=${q(SPAN_CALL)}, ${JOB}=${q(SERVICE)}}`);
    const calls = await eventually('span metrics of the call spans', async () => {
      const series = await callsOf();
      return series.length > 0 ? series : undefined;
    }).catch(callsOf);
    expect(calls.length).toBeGreaterThan(0);
  });

  it("links a latency point to its trace: the call spans' duration exemplars in Prometheus name traces Jaeger holds", async () => {
    // The span-metrics overlay keeps a trace and span id per duration bucket; the collector's
    // remote write carries them to Prometheus's exemplar storage (what Grafana's Prometheus
    // datasource reads for `exemplar: true`). The SDK records no exemplars of its own. The
    // expression is the app's own exemplar query (the call-duration graphs' hidden series),
    // sent as Grafana sends it: Prometheus answers the exemplars of the series it selects.
    const expr = callSpanDurationP95({ service: SERVICE });
    const exemplars = await eventually('exemplars of the call spans', async () => {
      const found = (await queryExemplars(stack.endpoints.prometheus, expr, 900)).flatMap((s) =>
        s.exemplars.map((e) => ({ series: s.seriesLabels, ...e })),
      );
      return found.length > 0 ? found : undefined;
    });
    for (const e of exemplars) {
      expect(e.series[JOB]).toBe(SERVICE);
      expect(e.series[PROM_LABEL_SPAN_NAME]).toBe(SPAN_CALL);
      // The labels of the graph's line (service and model) are the exemplar's, so Grafana draws it on that line.
      expect(e.series[LABEL.MODEL]).toBeTruthy();
      expect(e.labels.trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(e.labels.span_id).toMatch(/^[0-9a-f]{16}$/);
      expect(e.value).toBeGreaterThan(0);
    }
    // Each exemplar's trace is in the trace store, and its span is a call span of this service.
    // (Jaeger v2 spells trace ids as the exemplars do: 32 hex digits, leading zeros kept.)
    const sample = [...new Map(exemplars.map((e) => [e.labels.trace_id, e])).values()].slice(0, 5);
    for (const e of sample) {
      const spans = traceSpans(await getTrace(stack.endpoints.jaeger, e.labels.trace_id!));
      const span = spans.find((x) => x.spanId === e.labels.span_id);
      expect({ name: span?.name, service: span?.service }).toEqual({ name: SPAN_CALL, service: SERVICE });
      // The bucket's value is the span's duration in seconds (the line's unit), as Jaeger stored it (µs).
      expect(e.value).toBeCloseTo(span!.durationMicros / 1e6, 3);
    }
  });

  it('counts exactly the requests the fake server saw: one CLIENT span each in Jaeger, as many attempts in Prometheus', async () => {
    const server = countsFor(fake, STORM.model);
    const calls = made[STORM.policy]?.length ?? 0;
    const labels = sel({ [JOB]: SERVICE, [POLICY]: STORM.policy });
    await eventually('all storm attempts exported', async () =>
      (await value(`sum(${metric(METRIC_ATTEMPTS)}${labels})`)) === server.requests ? true : undefined,
    );
    expect(await value(`sum(${metric(METRIC_ATTEMPTS)}${labels})`)).toBe(server.requests);
    expect(await value(`sum(${metric(METRIC_CALLS)}${labels})`)).toBe(calls);
    // The same requests as attempt spans: every trace of the policy's calls, every span in them.
    const readSpans = async () => {
      const traces = await callTraces(STORM.policy);
      return { traces: traces.length, attempts: traces.flat().filter((s) => s.name === attemptSpanName(STORM.model)) };
    };
    const stored = await eventually('every storm attempt span in Jaeger', async () => {
      const r = await readSpans();
      return r.traces === calls && r.attempts.length === server.requests ? r : undefined;
    }).catch(readSpans);
    expect(stored.traces).toBe(calls);
    expect(stored.attempts.length).toBe(server.requests);
    expect(stored.attempts.filter((s) => s.kind !== 'client')).toEqual([]);
    const [series] = await prom(`${metric(METRIC_CALLS)}${labels}`);
    expect(series?.metric[PROM_LABEL_INSTANCE]).toBe(INSTANCE);
    expect(
      await value(`sum(${metric(METRIC_ATTEMPTS)}${sel({ [JOB]: SERVICE, [POLICY]: STORM.policy, [prometheusLabel(ATTR_ERROR_TYPE)]: ErrorType.OVERLOADED })})`),
    ).toBe(server.overloaded);
  });

  it("records retry amplification and overload ratio that match the fake server's counts", async () => {
    const server = countsFor(fake, STORM.model);
    const calls = made[STORM.policy]?.length ?? 0;
    const expected = { amplification: server.requests / calls, overload: server.overloaded / server.requests };
    expect(expected.amplification).toBeGreaterThan(2);
    const labels = sel({ [JOB]: SERVICE, [prometheusLabel(ATTR_GEN_AI_REQUEST_MODEL)]: STORM.model, [POLICY]: STORM.policy });
    // The rules see rates over 5 minutes: the first export of each new series is not an
    // increase to Prometheus, so they may differ from the exact counts by a few percent.
    const recorded = await eventually('the recording rules over the storm', async () => {
      const amplification = await value(`${RULE_RETRY_AMPLIFICATION}${labels}`);
      const overload = await value(`${RULE_OVERLOAD_RATIO}${labels}`);
      if (amplification === undefined || overload === undefined) return undefined;
      return Math.abs(amplification / expected.amplification - 1) < 0.1 && Math.abs(overload / expected.overload - 1) < 0.1
        ? { amplification, overload }
        : undefined;
    }).catch(async () => ({
      amplification: await value(`${RULE_RETRY_AMPLIFICATION}${labels}`),
      overload: await value(`${RULE_OVERLOAD_RATIO}${labels}`),
    }));
    expect(recorded.amplification).toBeCloseTo(expected.amplification, 0);
    expect(Math.abs((recorded.amplification ?? 0) / expected.amplification - 1)).toBeLessThan(0.1);
    expect(Math.abs((recorded.overload ?? 0) / expected.overload - 1)).toBeLessThan(0.1);
  });

  it('fires the retry-exhaustion and retry-storm alerts for the storm', async () => {
    const firing = await eventually('StormwatchRetryExhaustion firing', async () => {
      const alerts = await exhaustionAlerts();
      return alerts.find((a) => a.state === 'firing');
    });
    expect(firing.labels).toMatchObject({ alertname: ALERT_RETRY_EXHAUSTION, severity: 'critical', [JOB]: SERVICE, [POLICY]: STORM.policy });
    expect(firing.annotations.runbook_url).toBe(`docs/runbooks/${ALERT_RETRY_EXHAUSTION}.md`);
    const storm = await eventually('StormwatchRetryStorm firing', async () =>
      (await activeAlerts(stack.endpoints.prometheus)).find(
        (a) => a.labels.alertname === ALERT_RETRY_STORM && a.labels[POLICY] === STORM.policy && a.state === 'firing',
      ),
    );
    expect(storm.labels[JOB]).toBe(SERVICE);
  });

  /** The attempt spans after which the policy waited (a planned delay above 0). */
  const waitsOf = (spans: readonly TraceSpan[]) => {
    const attempts = spans.filter((s) => s.name === attemptSpanName(STORM.model));
    const last = Math.max(...attempts.map((s) => Number(s.attributes.get(ATTR_ATTEMPT_NUMBER))));
    return attempts.filter(
      (s) => Number(s.attributes.get(ATTR_ATTEMPT_NUMBER)) < last && Number(s.attributes.get(ATTR_RETRY_DELAY_S) ?? 0) > 0,
    );
  };
  const callSpanOf = (spans: readonly TraceSpan[]) => spans.find((s) => s.name === SPAN_CALL);

  it('lets Jaeger find calls with several attempts by attribute, with their attempt and backoff spans and the contract attributes', async () => {
    const several = STORM_EXHAUSTED + STORM_RECOVERED;
    // FAST allows 3 attempts: every storm call used them all, every calm call one.
    const found = await eventually('storm traces in Jaeger', async () => {
      const traces = await callTraces(STORM.policy, { [ATTR_CALL_ATTEMPTS]: 3 });
      return traces.length >= several ? traces : undefined;
    });
    expect(found.length).toBe(several);
    // The same calls as those with more than one attempt among all of the policy's.
    const all = await callTraces(STORM.policy);
    const withRetries = all.filter((t) => Number(callSpanOf(t)?.attributes.get(ATTR_CALL_ATTEMPTS)) > 1);
    expect(withRetries.map((t) => t[0]?.traceId).sort()).toEqual(found.map((t) => t[0]?.traceId).sort());
    const outcomes = new Map<string, TraceSpan[]>();
    for (const outcome of [CallOutcome.SUCCESS, CallOutcome.FAILED]) {
      const traces = await callTraces(STORM.policy, { [ATTR_CALL_ATTEMPTS]: 3, [ATTR_CALL_OUTCOME]: outcome });
      expect(traces.length, outcome).toBe(outcome === CallOutcome.SUCCESS ? STORM_RECOVERED : STORM_EXHAUSTED);
      // A trace's spans may come in more than one batch: wait until the call's spans are all there.
      const traceId = traces[0]?.[0]?.traceId ?? '';
      const read = async () => traceSpans(await getTrace(stack.endpoints.jaeger, traceId));
      const spans = await eventually(`every span of trace ${traceId}`, async () => {
        const all = await read();
        return all.length === 1 + 3 + waitsOf(all).length ? all : undefined;
      }, { timeoutMs: 20_000 }).catch(read);
      expect(callSpanOf(spans)?.attributes.get(ATTR_CALL_OUTCOME)).toBe(outcome);
      outcomes.set(outcome, spans);
    }
    for (const [outcome, spans] of outcomes) {
      const call = callSpanOf(spans) as TraceSpan;
      const attempts = spans.filter((s) => s.name === attemptSpanName(STORM.model));
      const backoffs = spans.filter((s) => s.name === SPAN_BACKOFF);
      expect(spans.length, outcome).toBe(1 + attempts.length + backoffs.length);
      expect(call.attributes.get(ATTR_CALL_ATTEMPTS), outcome).toBe(3);
      expect(attempts.length, outcome).toBe(3);
      // One backoff span per wait: full jitter can draw a wait of 0 ms, which is no wait.
      expect(backoffs.map((b) => b.attributes.get(ATTR_ATTEMPT_NUMBER)).sort(), outcome).toEqual(
        waitsOf(spans).map((a) => a.attributes.get(ATTR_ATTEMPT_NUMBER)).sort(),
      );
      // The call is the root (the storm's calls have no caller span); attempts and waits its children.
      expect(call.parentSpanId).toBeUndefined();
      expect([...attempts, ...backoffs].every((s) => s.parentSpanId === call.spanId)).toBe(true);
      expect(attempts.every((s) => s.kind === 'client')).toBe(true);
      expect([call, ...backoffs].every((s) => s.kind === 'internal')).toBe(true);
      expect(spans.every((s) => s.service === SERVICE)).toBe(true);
      expect(call.attributes.get(ATTR_GEN_AI_REQUEST_MODEL)).toBe(STORM.model);
      expect(call.attributes.get(ATTR_POLICY)).toBe(STORM.policy);
      const attemptNumber = (s: TraceSpan) => Number(s.attributes.get(ATTR_ATTEMPT_NUMBER));
      const sorted = [...attempts].sort((a, b) => attemptNumber(a) - attemptNumber(b));
      sorted.forEach((attempt, i) => {
        expect(attempt.attributes.get(ATTR_ATTEMPT_NUMBER)).toBe(i + 1);
        expect(attempt.attributes.get(ATTR_GEN_AI_OPERATION_NAME)).toBe(GEN_AI_OPERATION_CHAT);
        expect(attempt.attributes.get(ATTR_GEN_AI_PROVIDER_NAME)).toBe(GEN_AI_PROVIDER_ANTHROPIC);
        expect(attempt.attributes.get(ATTR_GEN_AI_REQUEST_MODEL)).toBe(STORM.model);
        expect(attempt.attributes.get(ATTR_SERVER_ADDRESS)).toBe('127.0.0.1');
        expect(attempt.attributes.get(ATTR_SERVER_PORT)).toBe(fake.port);
        expect(attempt.attributes.get(ATTR_HTTP_REQUEST_RESEND_COUNT)).toBe(i === 0 ? undefined : i);
      });
      // Attempts and waits alternate in time: each wait lies between its attempt and the next.
      for (const b of backoffs) {
        const n = Number(b.attributes.get(ATTR_ATTEMPT_NUMBER));
        expect(n).toBeGreaterThanOrEqual(1);
        expect(b.attributes.get(ATTR_RETRY_DELAY_S)).toBeGreaterThanOrEqual(0);
        expect(b.attributes.get(ATTR_RETRY_DELAY_SOURCE)).toBeTypeOf('string');
        const before = sorted[n - 1] as TraceSpan;
        const next = sorted[n] as TraceSpan;
        expect(b.startMicros).toBeGreaterThanOrEqual(before.startMicros + before.durationMicros - 1_000);
        expect(b.startMicros + b.durationMicros).toBeLessThanOrEqual(next.startMicros + 1_000);
      }
      const first = sorted[0] as TraceSpan;
      expect(first.attributes.get(ATTR_HTTP_RESPONSE_STATUS_CODE)).toBe(529);
      expect(first.attributes.get(ATTR_ERROR_TYPE)).toBe(ErrorType.OVERLOADED);
      expect(first.attributes.get(ATTR_ATTEMPT_OUTCOME)).toBe(AttemptOutcome.RETRYABLE_ERROR);
      if (outcome === CallOutcome.SUCCESS) {
        expect(sorted[2]?.attributes.get(ATTR_HTTP_RESPONSE_STATUS_CODE)).toBe(200);
        expect(call.status).not.toBe('error');
      } else {
        expect(outcome).toBe(CallOutcome.FAILED);
        expect(call.attributes.get(ATTR_ERROR_TYPE)).toBe(ErrorType.OVERLOADED);
        expect(call.status).toBe('error');
      }
    }
    expect([...outcomes.keys()].sort()).toEqual([CallOutcome.FAILED, CallOutcome.SUCCESS].sort());
  });

  it('records admission waits and refusals as events on the call spans in Jaeger, and counts them in Prometheus', async () => {
    const calls = ADMISSION_STORM + ADMISSION_PACED;
    const read = async () => (await callTraces(ADMISSION.policy)).flat();
    const spans = await eventually('every admission call in Jaeger', async () => {
      const all = await read();
      return all.filter((s) => s.name === SPAN_CALL).length === calls ? all : undefined;
    }).catch(read);
    const callSpans = spans.filter((s) => s.name === SPAN_CALL);
    expect(callSpans.length).toBe(calls);
    // The retry after a 529 waited in the admission queue: no backoff span.
    expect(spans.filter((s) => s.name === SPAN_BACKOFF)).toEqual([]);
    const waits = callSpans.map((call) => ({ call, events: call.events.filter((e) => e.name === EVENT_ADMISSION_WAIT) }));
    // Every call waited once: the storm's retry and the paced calls were admitted, two were refused.
    expect(waits.map((w) => w.events.length)).toEqual(new Array<number>(calls).fill(1));
    const outcome = (w: (typeof waits)[number]) => w.events[0]?.attributes.get(ATTR_ADMISSION_OUTCOME);
    const admitted = waits.filter((w) => outcome(w) === AdmissionOutcome.ADMITTED);
    const refused = waits.filter((w) => outcome(w) === AdmissionOutcome.REFUSED);
    expect([admitted.length, refused.length]).toEqual([calls - 2, 2]);
    for (const { call, events } of admitted) {
      expect(Number(events[0]?.attributes.get(ATTR_ADMISSION_WAIT_MS))).toBeGreaterThan(0);
      expect(events[0]?.attributes.has(ATTR_ADMISSION_REFUSAL_REASON)).toBe(false);
      expect(call.attributes.get(ATTR_CALL_OUTCOME)).toBe(CallOutcome.SUCCESS);
    }
    for (const { call, events } of refused) {
      expect(events[0]?.attributes.get(ATTR_ADMISSION_REFUSAL_REASON)).toBe(AdmissionRefusalReason.QUEUE_FULL);
      expect(call.attributes.get(ATTR_ERROR_TYPE)).toBe(ErrorType.QUEUE_FULL);
      expect(call.status).toBe('error');
    }
    // The same waits and refusals in Prometheus.
    const labels = { [JOB]: SERVICE, [POLICY]: ADMISSION.policy };
    const counted = async () => ({
      admitted: await value(`sum(${metric(METRIC_ADMISSION_WAIT)}_count${sel({ ...labels, [prometheusLabel(ATTR_ADMISSION_OUTCOME)]: AdmissionOutcome.ADMITTED })})`),
      refused: await value(`sum(${metric(METRIC_ADMISSION_REFUSALS)}${sel({ ...labels, [prometheusLabel(ATTR_ADMISSION_REFUSAL_REASON)]: AdmissionRefusalReason.QUEUE_FULL })})`),
    });
    const expected = { admitted: admitted.length, refused: refused.length };
    const found = await eventually('the admission metrics', async () => {
      const c = await counted();
      return c.admitted === expected.admitted && c.refused === expected.refused ? c : undefined;
    }).catch(counted);
    expect(found).toEqual(expected);
  });

  it("splits cost and waste by policy: the cut stream's wasted cost is on its policy", async () => {
    const wastedOfCut = `sum(${metric(METRIC_COST_USD)}${sel({ [JOB]: SERVICE, [POLICY]: LIMITED.policy, [LABEL.COST_KIND]: CostKind.WASTED })})`;
    const wasted = await eventually('the wasted cost of the cut stream, on its policy', async () => {
      const v = await value(wastedOfCut);
      return v !== undefined && v > 0 ? v : undefined;
    }).catch(() => value(wastedOfCut));
    expect(wasted).toBeGreaterThan(0);
    // The Cost page's queries grouped by policy: every series names its policy.
    const byPolicy = { service: SERVICE, by: [LABEL.POLICY], range: '10m' };
    const policiesOf = async (expr: string) => (await prom(expr)).map((s) => s.metric[POLICY]);
    const expected = {
      cost: [STORM.policy, LIMITED.policy],
      wastedPerHour: [LIMITED.policy],
      wastedTokens: [LIMITED.policy],
    };
    const read = async () => ({
      cost: await policiesOf(costUsd(byPolicy)),
      wastedPerHour: await policiesOf(wastedUsdPerHour(byPolicy)),
      wastedTokens: await policiesOf(wastedTokensByKind(byPolicy)),
    });
    const found = await eventually('cost, wasted USD/h and wasted tokens by policy', async () => {
      const r = await read();
      const all = (Object.keys(expected) as (keyof typeof expected)[]).every((k) => expected[k].every((p) => r[k].includes(p)));
      return all ? r : undefined;
    }).catch(read);
    for (const k of Object.keys(expected) as (keyof typeof expected)[]) {
      expect(found[k], k).toEqual(expect.arrayContaining(expected[k]));
      expect(found[k], k).not.toContain(undefined);
    }
  });

  /** How many traces of the service hold a span that the TraceQL query selects (see TRACEQL_IN_JAEGER). */
  const tracesSelectedBy = async (query: QueryDefinition) => {
    const search = TRACEQL_IN_JAEGER[query.id];
    if (!search) return 0;
    const traces = await findTraces(stack.endpoints.jaeger, { service: SERVICE, operation: search.span, attributes: search.attributes ?? {}, limit: 100 });
    return traces
      .map(traceSpans)
      .filter((spans) => spans.some((s) => s.name === search.span && (search.where?.(s, spans) ?? true))).length;
  };

  it('has data for every query of the Grafana app (ALL_QUERIES): PromQL run in Prometheus, TraceQL searched in Jaeger', async () => {
    // What Grafana would put in for its interval variables over this test's time range.
    const grafana = (expr: string) =>
      expr.replace(/\$\{?__range\}?/g, '10m').replace(/\$\{?__rate_interval\}?/g, '1m').replace(/\$\{?__interval\}?/g, '15s');
    const withoutData = async () => {
      const empty: string[] = [];
      for (const query of ALL_QUERIES) {
        const expr = grafana(query.build({ service: SERVICE }));
        if (query.kind === 'promql') {
          const series = await rangeQuerySeries(stack.endpoints.prometheus, expr, 600, 5);
          if (series === 0) empty.push(`${query.id}: ${expr}`);
        } else if ((await tracesSelectedBy(query)) === 0) {
          empty.push(`${query.id} (in Jaeger): ${expr}`);
        }
      }
      return empty;
    };
    // The last spans and rule evaluations of the storm may still be on their way.
    const empty = await eventually('data for every query', async () => {
      const e = await withoutData();
      return e.length === 0 ? e : undefined;
    }, { timeoutMs: 20_000 }).catch(withoutData);
    expect(ALL_QUERIES.length).toBeGreaterThan(0);
    expect(Object.keys(TRACEQL_IN_JAEGER).sort()).toEqual(ALL_QUERIES.filter((q) => q.kind === 'traceql').map((q) => q.id).sort());
    expect(empty).toEqual([]);
  });

  it('fault: calls are unaffected while the collector is down, memory stays bounded, telemetry resumes', async () => {
    const c = client(OUTAGE.policy);
    const before = await runCalls(c, OUTAGE.model, scripts('up', 40, 0), 4);
    await stack.collector.stop();
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    // Each call: 3 attempts, 2 backoffs and the call span — more spans than the SDK's
    // queue holds (2048), so the service must drop, not grow.
    const during = await runCalls(c, OUTAGE.model, scripts('down', 400, 2), 8);
    collectGarbage();
    const heapGrowthMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    const baseline = await runCalls(c, OUTAGE.model, scripts('down-calm', 40, 0), 4);
    await stack.collector.start();
    const after = await runCalls(client(AFTER.policy), AFTER.model, scripts('after', 20, 0), 4);
    record(OUTAGE.policy, [...before, ...during, ...baseline]);

    expect([...before, ...during, ...baseline, ...after].filter((r) => !r.ok)).toEqual([]);
    // Calls without a collector never wait for an export (its timeout is 2 s here): their
    // latency stays that of calls with one, give or take a busy 2-core machine.
    expect(median(baseline.map((r) => r.ms))).toBeLessThan(median(before.map((r) => r.ms)) * 3 + 50);
    expect(Math.max(...during.map((r) => r.ms), ...baseline.map((r) => r.ms))).toBeLessThan(1_500);
    expect(heapGrowthMiB).toBeLessThan(24);

    // Telemetry resumes: the calls after the restart reach the trace store and Prometheus.
    await eventually('traces after the restart', async () => ((await callTraces(AFTER.policy)).length === after.length ? true : undefined));
    // Metrics are cumulative: the counts of the outage arrive with the next export.
    const outageCalls = `sum(${metric(METRIC_CALLS)}${sel({ [JOB]: SERVICE, [POLICY]: OUTAGE.policy })})`;
    await eventually('the outage calls counted', async () =>
      (await value(outageCalls)) === before.length + during.length + baseline.length ? true : undefined,
    );
    // What was lost: the spans of calls made while the collector was down.
    const tracesKept = (await callTraces(OUTAGE.policy)).length;
    const report = {
      collectorDown: { calls: during.length + baseline.length, spansPerCall: [6, 2] },
      tracesOfOutagePolicyInJaeger: tracesKept,
      tracesLost: before.length + during.length + baseline.length - tracesKept,
      metricsLost: 0,
      heapGrowthMiB: Math.round(heapGrowthMiB * 10) / 10,
      medianCallMs: { collectorUp: median(before.map((r) => r.ms)), collectorDown: median(baseline.map((r) => r.ms)) },
    };
    writeFileSync(path.join(dir, 'fault-report.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.info('fault report', report);
    expect(tracesKept).toBeGreaterThanOrEqual(before.length);
  });
});
