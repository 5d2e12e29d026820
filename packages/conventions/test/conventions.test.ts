import { describe, expect, it } from 'vitest';
import * as semconv from '@opentelemetry/semantic-conventions';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_POLICY,
  ATTR_STORE_OPERATION,
  ATTR_STORE_REASON,
  ATTR_PROBE_OUTCOME,
  ATTR_STATUS_COMPONENT,
  ATTR_STATUS_INCIDENT_IMPACT,
  ATTR_STATUS_INCIDENT_NAME,
  ATTR_STATUS_PAGE,
  ATTR_STATUS_POLL_OUTCOME,
  COMPONENT_STATUS_GAUGE_VALUE,
  ComponentStatus,
  IncidentImpact,
  METRIC_PROBE_DURATION,
  METRIC_PROBE_REQUESTS,
  METRIC_PROBE_SINCE_LAST_SUCCESS,
  METRIC_STATUS_COMPONENT,
  METRIC_STATUS_INCIDENT_STARTED,
  METRIC_STATUS_INDICATOR,
  METRIC_STATUS_POLLS,
  PROBE_POLICY,
  POLICY_METRICS,
  PROBE_METRICS,
  QUEUE_METRICS,
  METRIC_QUEUE_BATCH_TASKS,
  METRIC_QUEUE_BATCH_COST_USD,
  ATTR_QUEUE_BATCH_OUTCOME,
  QueueBatchOutcome,
  ATTR_QUEUE_DEAD_REASON,
  ATTR_QUEUE_NAME,
  ATTR_QUEUE_OUTCOME,
  ATTR_QUEUE_STATE,
  METRIC_QUEUE_DRAINED,
  METRIC_QUEUE_DEADLINE_SLACK,
  METRIC_QUEUE_OLDEST_PENDING_AGE,
  METRIC_QUEUE_TASKS,
  QueueDeadReason,
  QueueDrainOutcome,
  QueueTaskState,
  ProbeOutcome,
  STATUS_INDICATOR_GAUGE_VALUE,
  StatusPollOutcome,
  BREAKER_STATE_GAUGE_VALUE,
  BreakerState,
  CALL_ATTEMPTS_BUCKETS,
  METRICS,
  METRIC_CALLS,
  METRIC_STORE_ERRORS,
  METRIC_STORE_LOCAL_ANSWERS,
  METRIC_STORE_SHARING,
  OTHER_MODEL,
  STORE_SHARING_GAUGE_VALUE,
  StoreOperation,
  StoreReason,
  attemptSpanName,
  createModelAllowList,
  metricDefinition,
  prometheusLabel,
  promptTokens,
} from '../src/index.js';

/**
 * The collector's Prometheus translation (otlptranslator, with suffixes on): name
 * characters outside [a-zA-Z0-9_] become `_`, a unit is appended unless it is an
 * annotation in braces (`s` → `seconds`, `/s` → `per_second`), counters end in `_total`.
 */
function translate(name: string, unit: string, kind: string): string {
  let out = name.replace(/[^a-zA-Z0-9_]/g, '_');
  const stripped = unit.replace(/\{[^}]*\}/g, '');
  const units: Record<string, string> = { s: 'seconds', '/s': 'per_second', '': '' };
  const suffix = units[stripped];
  if (suffix === undefined) throw new Error(`no translation for unit ${unit}`);
  if (suffix && !out.endsWith(`_${suffix}`)) out += `_${suffix}`;
  if (kind === 'counter') out += '_total';
  return out;
}

describe('conventions', () => {
  it('repeats the stable semantic-convention keys exactly', () => {
    expect(ATTR_ERROR_TYPE).toBe(semconv.ATTR_ERROR_TYPE);
    expect(ATTR_SERVER_ADDRESS).toBe(semconv.ATTR_SERVER_ADDRESS);
    expect(ATTR_SERVER_PORT).toBe(semconv.ATTR_SERVER_PORT);
    expect(ATTR_HTTP_RESPONSE_STATUS_CODE).toBe(semconv.ATTR_HTTP_RESPONSE_STATUS_CODE);
    expect(ATTR_HTTP_REQUEST_RESEND_COUNT).toBe(semconv.ATTR_HTTP_REQUEST_RESEND_COUNT);
    expect(ATTR_SERVICE_NAME).toBe(semconv.ATTR_SERVICE_NAME);
  });

  it('names the attempt span after the model', () => {
    expect(attemptSpanName('claude-opus-4-7')).toBe('chat claude-opus-4-7');
  });

  it('gives every metric a unique name and a Prometheus name that matches the translation', () => {
    const names = new Set(METRICS.map((m) => m.name));
    expect(names.size).toBe(METRICS.length);
    expect(METRICS).toHaveLength(35);
    for (const m of METRICS) {
      expect(m.prometheusName, m.name).toBe(translate(m.name, m.unit, m.kind));
      expect(m.kind === 'histogram', m.name).toBe(m.buckets !== undefined);
    }
  });

  it('keeps the call-attempts buckets of the contract', () => {
    expect(CALL_ATTEMPTS_BUCKETS).toEqual([1, 2, 3, 4, 5, 6, 8, 10]);
  });

  it('looks up a definition and rejects an unknown name', () => {
    expect(metricDefinition(METRIC_CALLS).prometheusName).toBe('stormwatch_calls_total');
    expect(() => metricDefinition('stormwatch.nope')).toThrow(/stormwatch\.nope/);
  });

  it('translates attribute keys to Prometheus labels', () => {
    expect(prometheusLabel('gen_ai.request.model')).toBe('gen_ai_request_model');
    expect(prometheusLabel('error.type')).toBe('error_type');
  });

  it('maps breaker states to the gauge values 0, 1 and 2', () => {
    expect(BREAKER_STATE_GAUGE_VALUE[BreakerState.CLOSED]).toBe(0);
    expect(BREAKER_STATE_GAUGE_VALUE[BreakerState.OPEN]).toBe(1);
    expect(BREAKER_STATE_GAUGE_VALUE[BreakerState.HALF_OPEN]).toBe(2);
  });

  it('maps a sharing store to 1 and a store answering locally to 0', () => {
    expect(STORE_SHARING_GAUGE_VALUE).toEqual({ SHARING: 1, LOCAL: 0 });
  });

  it("names the store's operations in snake case after the OverloadStore methods, and its reasons as the Redis store does", () => {
    const methods = ['reserveSlot', 'recordCalls', 'reportOverload', 'pause', 'setCircuit', 'pace', 'deposit', 'tryWithdraw'];
    expect(Object.values(StoreOperation)).toEqual([...methods.map((m) => m.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)), '_OTHER']);
    expect(Object.values(StoreReason)).toEqual(['timeout', 'connection', 'error_reply', 'malformed_reply', '_OTHER']);
  });

  it('keeps store health per process: the sharing gauge and local answers carry no policy or model', () => {
    expect(metricDefinition(METRIC_STORE_SHARING)).toMatchObject({ kind: 'gauge', attributes: [], prometheusName: 'stormwatch_store_sharing' });
    expect(metricDefinition(METRIC_STORE_LOCAL_ANSWERS)).toMatchObject({
      kind: 'counter',
      attributes: [ATTR_STORE_REASON],
      prometheusName: 'stormwatch_store_local_answers_total',
    });
    expect(metricDefinition(METRIC_STORE_ERRORS)).toMatchObject({
      kind: 'counter',
      attributes: [ATTR_GEN_AI_REQUEST_MODEL, ATTR_POLICY, ATTR_STORE_OPERATION],
      prometheusName: 'stormwatch_store_errors_total',
    });
  });
});

describe('the probe and status-page names', () => {
  it('gives the probe its counter, latency histogram and time-since-success gauge, per model and policy', () => {
    expect(metricDefinition(METRIC_PROBE_REQUESTS)).toMatchObject({
      kind: 'counter',
      unit: '{request}',
      attributes: [ATTR_GEN_AI_REQUEST_MODEL, ATTR_POLICY, ATTR_PROBE_OUTCOME, ATTR_ERROR_TYPE],
      prometheusName: 'stormwatch_probe_requests_total',
    });
    expect(metricDefinition(METRIC_PROBE_DURATION)).toMatchObject({ kind: 'histogram', unit: 's', prometheusName: 'stormwatch_probe_duration_seconds' });
    expect(metricDefinition(METRIC_PROBE_SINCE_LAST_SUCCESS)).toMatchObject({
      kind: 'gauge',
      unit: 's',
      attributes: [ATTR_GEN_AI_REQUEST_MODEL, ATTR_POLICY],
      prometheusName: 'stormwatch_probe_since_last_success_seconds',
    });
    expect(Object.values(ProbeOutcome)).toEqual(['success', 'failure']);
    expect(PROBE_POLICY).toBe('probe');
  });

  it('splits the contract into the policies\' metrics, the probe\'s and the queue\'s, with nothing left over', () => {
    expect(PROBE_METRICS.map((m) => m.name)).toEqual([
      METRIC_PROBE_REQUESTS,
      METRIC_PROBE_DURATION,
      METRIC_PROBE_SINCE_LAST_SUCCESS,
      METRIC_STATUS_COMPONENT,
      METRIC_STATUS_INDICATOR,
      METRIC_STATUS_INCIDENT_STARTED,
      METRIC_STATUS_POLLS,
    ]);
    expect(QUEUE_METRICS.map((m) => m.name)).toEqual([
      METRIC_QUEUE_TASKS,
      METRIC_QUEUE_OLDEST_PENDING_AGE,
      METRIC_QUEUE_DRAINED,
      METRIC_QUEUE_DEADLINE_SLACK,
      METRIC_QUEUE_BATCH_TASKS,
      METRIC_QUEUE_BATCH_COST_USD,
    ]);
    expect([...POLICY_METRICS, ...PROBE_METRICS, ...QUEUE_METRICS].map((m) => m.name).sort()).toEqual(METRICS.map((m) => m.name).sort());
    expect(POLICY_METRICS).toHaveLength(22);
  });

  it('keys the status gauges by page and component, incidents by name and impact', () => {
    expect(metricDefinition(METRIC_STATUS_COMPONENT)).toMatchObject({ kind: 'gauge', attributes: [ATTR_STATUS_PAGE, ATTR_STATUS_COMPONENT], prometheusName: 'stormwatch_status_component' });
    expect(metricDefinition(METRIC_STATUS_INDICATOR)).toMatchObject({ kind: 'gauge', attributes: [ATTR_STATUS_PAGE], prometheusName: 'stormwatch_status_indicator' });
    expect(metricDefinition(METRIC_STATUS_INCIDENT_STARTED)).toMatchObject({
      kind: 'gauge',
      unit: 's',
      attributes: [ATTR_STATUS_PAGE, ATTR_STATUS_INCIDENT_NAME, ATTR_STATUS_INCIDENT_IMPACT],
      prometheusName: 'stormwatch_status_incident_started_seconds',
    });
    expect(metricDefinition(METRIC_STATUS_POLLS)).toMatchObject({ kind: 'counter', attributes: [ATTR_STATUS_PAGE, ATTR_STATUS_POLL_OUTCOME], prometheusName: 'stormwatch_status_polls_total' });
    expect(Object.values(StatusPollOutcome)).toEqual(['updated', 'not_modified', 'unreachable', 'garbage']);
  });

  it.each([
    [ComponentStatus.UNKNOWN, -1],
    [ComponentStatus.OPERATIONAL, 0],
    [ComponentStatus.UNDER_MAINTENANCE, 1],
    [ComponentStatus.DEGRADED_PERFORMANCE, 2],
    [ComponentStatus.PARTIAL_OUTAGE, 3],
    [ComponentStatus.MAJOR_OUTAGE, 4],
  ])('maps the component state %s to %i', (state, value) => {
    expect(COMPONENT_STATUS_GAUGE_VALUE[state]).toBe(value);
  });

  it('values every state, never unknown as operational, and every indicator in severity order', () => {
    expect(Object.keys(COMPONENT_STATUS_GAUGE_VALUE).sort()).toEqual(Object.values(ComponentStatus).sort());
    expect(COMPONENT_STATUS_GAUGE_VALUE.unknown).not.toBe(COMPONENT_STATUS_GAUGE_VALUE.operational);
    expect(Object.keys(STATUS_INDICATOR_GAUGE_VALUE).sort()).toEqual(Object.values(IncidentImpact).sort());
    expect([IncidentImpact.UNKNOWN, IncidentImpact.NONE, IncidentImpact.MAINTENANCE, IncidentImpact.MINOR, IncidentImpact.MAJOR, IncidentImpact.CRITICAL].map((i) => STATUS_INDICATOR_GAUGE_VALUE[i])).toEqual([-1, 0, 1, 2, 3, 4]);
  });
});

describe('the deferral queue names', () => {
  it('gives the queue a depth gauge by state, an oldest-pending-age gauge in seconds and a drained counter, per queue', () => {
    expect(metricDefinition(METRIC_QUEUE_TASKS)).toMatchObject({
      kind: 'gauge',
      unit: '{task}',
      attributes: [ATTR_QUEUE_NAME, ATTR_QUEUE_STATE],
      prometheusName: 'stormwatch_queue_tasks',
    });
    expect(metricDefinition(METRIC_QUEUE_OLDEST_PENDING_AGE)).toMatchObject({
      kind: 'gauge',
      unit: 's',
      attributes: [ATTR_QUEUE_NAME],
      prometheusName: 'stormwatch_queue_oldest_pending_age_seconds',
    });
    expect(metricDefinition(METRIC_QUEUE_DRAINED)).toMatchObject({
      kind: 'counter',
      unit: '{task}',
      attributes: [ATTR_QUEUE_NAME, ATTR_QUEUE_OUTCOME, ATTR_QUEUE_DEAD_REASON],
      prometheusName: 'stormwatch_queue_drained_total',
    });
  });

  it('counts the Message Batches path by outcome, and its cost at the batch price, per queue', () => {
    expect(metricDefinition(METRIC_QUEUE_BATCH_TASKS)).toMatchObject({
      kind: 'counter',
      unit: '{task}',
      attributes: [ATTR_QUEUE_NAME, ATTR_QUEUE_BATCH_OUTCOME, ATTR_QUEUE_DEAD_REASON],
      prometheusName: 'stormwatch_queue_batch_tasks_total',
    });
    expect(metricDefinition(METRIC_QUEUE_BATCH_COST_USD)).toMatchObject({
      kind: 'counter',
      unit: '{USD}',
      attributes: [ATTR_QUEUE_NAME],
      prometheusName: 'stormwatch_queue_batch_cost_usd_total',
    });
    expect(Object.values(QueueBatchOutcome)).toEqual(['submitted', 'done', 'retried', 'released', 'dead', 'handler_failed']);
  });

  it('keeps the closed value sets of states, drain outcomes and dead reasons', () => {
    expect(Object.values(QueueTaskState)).toEqual(['pending', 'running', 'done', 'failed', 'dead']);
    expect(Object.values(QueueDrainOutcome)).toEqual(['done', 'failed', 'dead', 'released']);
    expect(Object.values(QueueDeadReason)).toEqual(['non_retryable', 'deadline_passed', 'max_attempts', '_OTHER']);
  });

  it('carries no model, policy or task id on the queue metrics', () => {
    for (const m of QUEUE_METRICS) {
      expect(m.attributes, m.name).not.toContain(ATTR_GEN_AI_REQUEST_MODEL);
      expect(m.attributes, m.name).not.toContain(ATTR_POLICY);
      expect(m.attributes.every((a) => a.startsWith('stormwatch.queue.')), m.name).toBe(true);
    }
  });
});

describe('promptTokens', () => {
  it('adds the cache reads and writes to the input tokens', () => {
    expect(promptTokens({ inputTokens: 10 })).toBe(10);
    expect(promptTokens({ inputTokens: 10, cacheReadInputTokens: 5, cacheCreationInputTokens: 3 })).toBe(18);
  });
});

describe('createModelAllowList', () => {
  it('keeps known Claude families and configured models, maps the rest to other', () => {
    const allow = createModelAllowList(['my-proxy-model']);
    expect(allow('claude-opus-4-7')).toBe('claude-opus-4-7');
    expect(allow('claude-sonnet-4-5-20250929')).toBe('claude-sonnet-4-5-20250929');
    expect(allow('claude-3-5-haiku-latest')).toBe('claude-3-5-haiku-latest');
    expect(allow('my-proxy-model')).toBe('my-proxy-model');
    expect(allow('gpt-4o')).toBe(OTHER_MODEL);
    expect(allow('claude-opus-4-7; DROP TABLE')).toBe(OTHER_MODEL);
    expect(allow(undefined)).toBe(OTHER_MODEL);
    expect(allow('')).toBe(OTHER_MODEL);
  });

  it('stays bounded under a flood of distinct unknown models', () => {
    const allow = createModelAllowList();
    const values = new Set<string>();
    for (let i = 0; i < 5000; i++) values.add(allow(`random-${i}`));
    expect([...values]).toEqual([OTHER_MODEL]);
  });
});

describe('docs/TELEMETRY.md', () => {
  it('lists every metric and every Prometheus name of the package', async () => {
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../../docs/TELEMETRY.md', import.meta.url), 'utf8');
    const { RECORDING_RULES, ALERTS } = await import('../src/index.js');
    for (const m of METRICS) {
      expect(doc, m.name).toContain(`| \`${m.name}\` | \`${m.prometheusName}\``);
    }
    for (const name of [...RECORDING_RULES, ...ALERTS]) expect(doc, name).toContain(`\`${name}\``);
  });
});
