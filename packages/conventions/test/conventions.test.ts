import { describe, expect, it } from 'vitest';
import * as semconv from '@opentelemetry/semantic-conventions';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  BREAKER_STATE_GAUGE_VALUE,
  BreakerState,
  CALL_ATTEMPTS_BUCKETS,
  METRICS,
  METRIC_CALLS,
  OTHER_MODEL,
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
    expect(METRICS).toHaveLength(19);
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
