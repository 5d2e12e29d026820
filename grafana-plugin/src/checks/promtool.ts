import { execFileSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { VAR_MODEL, VAR_SERVICE } from '../constants';

/** Values of the service and model variables, as Grafana writes them into a regex matcher. */
export type Selection = Readonly<Record<typeof VAR_SERVICE | typeof VAR_MODEL, string>>;

/** "All": the variables' allValue. */
export const ALL: Selection = { [VAR_SERVICE]: '.*', [VAR_MODEL]: '.*' };
/** Several values selected: Grafana joins them as a regex alternation. */
export const SEVERAL: Selection = {
  [VAR_SERVICE]: '(checkout|search)',
  [VAR_MODEL]: '(claude-sonnet-4-5|claude-haiku-4-5)',
};

/**
 * What Grafana substitutes before a query reaches Prometheus: the service and model
 * variables and the interval variables (`$__rate_interval`, `$__range`, `$__range_s`, `$__interval`).
 */
export function interpolate(expr: string, selection: Selection): string {
  return expr
    .replace(/\$__rate_interval/g, '1m0s')
    .replace(/\$__range_s/g, '3600')
    .replace(/\$__range/g, '3600s')
    .replace(/\$__interval/g, '15s')
    .replace(new RegExp(`\\$${VAR_SERVICE}\\b`, 'g'), selection[VAR_SERVICE])
    .replace(new RegExp(`\\$${VAR_MODEL}\\b`, 'g'), selection[VAR_MODEL]);
}

/** The series selector of a `label_values(selector, label)` variable query. */
export function labelValuesSelector(query: string): string {
  const m = /^label_values\((.+),\s*[A-Za-z_][A-Za-z0-9_]*\)$/.exec(query);
  if (!m) {
    throw new TypeError(`"${query}" is not a label_values(selector, label) query`);
  }
  return m[1];
}

/** Result of {@link promtoolCheck}. */
export interface PromtoolResult {
  ok: boolean;
  output: string;
}

/**
 * Checks PromQL expressions with Prometheus's own parser: `promtool check rules` on a
 * rule file recording each of them.
 * @throws Error when promtool is not installed (.ci/system-packages installs it).
 */
export function promtoolCheck(exprs: readonly string[]): PromtoolResult {
  const dir = mkdtempSync(path.join(tmpdir(), 'stormwatch-promql-'));
  const file = path.join(dir, 'rules.yml');
  const rules = exprs.map((expr, i) => `      - record: stormwatch_check_${i}\n        expr: ${JSON.stringify(expr)}`);
  writeFileSync(file, `groups:\n  - name: checks\n    rules:\n${rules.join('\n')}\n`);
  try {
    const output = execFileSync('promtool', ['check', 'rules', '--lint=none', file], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return { ok: true, output };
  } catch (e) {
    const err = e as { code?: string; stdout?: string; stderr?: string };
    if (err.code === 'ENOENT') {
      throw new Error('promtool is not installed (Debian package prometheus; .ci/system-packages installs it)');
    }
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `promtool test rules` on one expression evaluated at `evalTime` over `input` (YAML
 * `input_series` items), expecting `samples` (YAML `exp_samples` items); returns promtool's
 * output, throws an Error with it when the expectation fails.
 */
export function promtoolExprTest(input: string, expr: string, evalTime: string, samples: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'stormwatch-exprtest-'));
  try {
    writeFileSync(path.join(dir, 'rules.yml'), 'groups: []\n');
    writeFileSync(
      path.join(dir, 'test.yml'),
      `rule_files: [rules.yml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n${input}\n    promql_expr_test:\n      - expr: ${JSON.stringify(
        expr
      )}\n        eval_time: ${evalTime}\n        exp_samples:\n${samples}\n`
    );
    return execFileSync('promtool', ['test', 'rules', path.join(dir, 'test.yml')], { encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${err.stdout ?? ''}${err.stderr ?? ''}` || err.message);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
