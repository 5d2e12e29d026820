import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ALERTS,
  ALERT_PROBE_FAILING,
  METRICS,
  PROBE_POLICY,
  RECORDING_RULES,
  RETRYABLE_ERROR_TYPES,
  RULE_RETRY_EXHAUSTION,
  prometheusLabel,
} from '@stormwatch/conventions';
import * as conventions from '@stormwatch/conventions';
import { repoPath } from '../support/paths.js';
import { requireProgram, serversAvailable } from '../support/servers.js';
import { run } from '../support/run.js';

interface Rule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}
interface RuleFile {
  readonly groups: readonly { readonly name: string; readonly rules: readonly Rule[] }[];
}
interface UnitTestFile {
  readonly rule_files: readonly string[];
  readonly tests: readonly {
    readonly name: string;
    readonly promql_expr_test?: readonly { readonly expr: string }[];
    readonly alert_rule_test?: readonly { readonly alertname: string; readonly exp_alerts: readonly unknown[] }[];
  }[];
}

const RULES_DIR = repoPath('deploy', 'prometheus', 'rules');
const TESTS_DIR = repoPath('deploy', 'prometheus', 'tests');
const RECORDING_FILE = `${RULES_DIR}/recording.yml`;
const ALERTS_FILE = `${RULES_DIR}/alerts.yml`;

function rulesOf(file: string): Rule[] {
  return (parse(readFileSync(file, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules);
}
const recording = rulesOf(RECORDING_FILE);
const alerts = rulesOf(ALERTS_FILE);
const unitTests = readdirSync(TESTS_DIR)
  .filter((f) => f.endsWith('.test.yml'))
  .map((f) => parse(readFileSync(`${TESTS_DIR}/${f}`, 'utf8')) as UnitTestFile);

/** Every label a rule's expression or `by (...)` clause names. */
function labelsIn(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
    for (const l of (m[1] ?? '').split(',')) if (l.trim()) names.add(l.trim());
  }
  for (const m of expr.matchAll(/([a-z_][a-z0-9_]*)\s*(?:=~|!~|!=|=)\s*"/g)) names.add(m[1] ?? '');
  return [...names];
}

/** Every series name an expression reads: metric names and recording rules. */
function seriesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""');
  // A name followed by a selector, a closing parenthesis, an operator or the end: a series
  // (`(stormwatch_status_component >= 2)` reads one too).
  const found = withoutStrings.match(/\b[a-z_][a-z0-9_:]*(?=\s*(?:[[{)*/+\-%^<>=!]|$))|\b[a-z_]+:[a-z0-9_:]+\b/g) ?? [];
  const promqlWords = new Set(['rate', 'sum', 'max', 'min', 'by', 'or', 'and', 'unless', 'on', 'without', 'increase']);
  return [...new Set(found)].filter((w) => !promqlWords.has(w) && !labelsIn(expr).includes(w));
}

describe('Prometheus rules (deploy/prometheus/rules)', () => {
  it('records exactly the recording rules of the conventions package, once each', () => {
    const names = recording.map((r) => r.record);
    expect(names).toEqual([...RECORDING_RULES]);
    expect(recording.every((r) => r.alert === undefined)).toBe(true);
  });

  it('defines exactly the alerts of the conventions package, once each', () => {
    expect(alerts.map((r) => r.alert)).toEqual([...ALERTS]);
  });

  it('gives every alert a summary, a description, a severity and a runbook that exists', () => {
    for (const rule of alerts) {
      const name = rule.alert ?? '';
      expect(Object.keys(rule.annotations ?? {}).sort(), name).toEqual(['description', 'runbook_url', 'summary']);
      expect(rule.annotations?.runbook_url, name).toBe(`docs/runbooks/${name}.md`);
      expect(existsSync(repoPath('docs', 'runbooks', `${name}.md`)), `docs/runbooks/${name}.md`).toBe(true);
      expect(['warning', 'critical'], name).toContain(rule.labels?.severity);
      expect(rule.for, name).toMatch(/^\d+m$/);
    }
  });

  it('counts as retry exhaustion exactly the retryable error classes of the contract', () => {
    const rule = recording.find((r) => r.record === RULE_RETRY_EXHAUSTION);
    const regex = /error_type=~"([^"]*)"/.exec(rule?.expr ?? '')?.[1];
    expect(regex?.split('|').sort()).toEqual([...RETRYABLE_ERROR_TYPES].sort());
  });

  it('names the probe by the policy value of the conventions package', () => {
    const probe = alerts.find((r) => r.alert === ALERT_PROBE_FAILING);
    const policies = [...(probe?.expr ?? '').matchAll(/stormwatch_policy="([^"]*)"/g)].map((m) => m[1]);
    expect(policies.length).toBeGreaterThan(0);
    expect(new Set(policies)).toEqual(new Set([PROBE_POLICY]));
  });

  it('reads only metrics of the contract, recording rules and labels made from contract attributes', () => {
    const attributeKeys = Object.entries(conventions)
      .filter(([k, v]) => k.startsWith('ATTR_') && typeof v === 'string')
      .map(([, v]) => prometheusLabel(v as string));
    // `le`: the bucket label of a histogram's `_bucket` series.
    const knownLabels = new Set(['job', 'instance', 'le', ...attributeKeys]);
    const knownSeries = new Set<string>([
      ...RECORDING_RULES,
      ...METRICS.flatMap((m) => (m.kind === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => m.prometheusName + s) : [m.prometheusName])),
    ]);
    for (const rule of [...recording, ...alerts]) {
      const name = rule.record ?? rule.alert ?? '';
      for (const label of labelsIn(rule.expr)) expect(knownLabels, `${name}: label ${label}`).toContain(label);
      const series = seriesIn(rule.expr);
      expect(series.length, name).toBeGreaterThan(0);
      for (const s of series) expect(knownSeries, `${name}: series ${s}`).toContain(s);
    }
  });

  it('has a promtool unit test for every recording rule and every alert, firing and quiet', () => {
    const exprs = unitTests.flatMap((f) => f.tests.flatMap((t) => t.promql_expr_test ?? []).map((p) => p.expr));
    for (const rule of RECORDING_RULES) expect(exprs, rule).toContain(rule);
    const alertTests = unitTests.flatMap((f) => f.tests.flatMap((t) => t.alert_rule_test ?? []));
    for (const alert of ALERTS) {
      const mine = alertTests.filter((t) => t.alertname === alert);
      expect(mine.some((t) => t.exp_alerts.length > 0), `${alert} fires in a test`).toBe(true);
      expect(mine.some((t) => t.exp_alerts.length === 0), `${alert} stays quiet in a test`).toBe(true);
    }
  });

  it('is loaded by the shipped prometheus.yml', () => {
    const config = parse(readFileSync(repoPath('deploy', 'prometheus', 'prometheus.yml'), 'utf8')) as {
      rule_files: string[];
    };
    expect(config.rule_files).toEqual(['rules/recording.yml', 'rules/alerts.yml']);
  });
});

describe.runIf(serversAvailable('promtool'))('promtool', () => {
  it('accepts the rule files (promtool check rules)', async () => {
    const result = await run(requireProgram('promtool'), ['check', 'rules', RECORDING_FILE, ALERTS_FILE]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`SUCCESS: ${RECORDING_RULES.length} rules found`);
    expect(result.stdout).toContain(`SUCCESS: ${ALERTS.length} rules found`);
  });

  it('passes the unit tests of every rule (promtool test rules)', async () => {
    const files = readdirSync(TESTS_DIR).filter((f) => f.endsWith('.test.yml'));
    const result = await run(requireProgram('promtool'), ['test', 'rules', ...files], { cwd: TESTS_DIR });
    expect(result.stdout + result.stderr).not.toContain('FAILED');
    expect(result.code).toBe(0);
    expect(result.stdout.match(/SUCCESS/g)).toHaveLength(files.length);
  });

  it('rejects a broken rule file, so the checks above can fail', async () => {
    const result = await run(requireProgram('promtool'), ['check', 'rules', '/dev/stdin'], {
      input: 'groups:\n  - name: x\n    rules:\n      - record: a:b\n        expr: sum(rate(x[5m]\n',
    });
    expect(result.code).not.toBe(0);
  });

  it('checks the shipped prometheus.yml (promtool check config)', async () => {
    const result = await run(requireProgram('promtool'), ['check', 'config', repoPath('deploy', 'prometheus', 'prometheus.yml')]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });
});
