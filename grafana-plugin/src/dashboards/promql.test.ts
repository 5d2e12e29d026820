import { execFileSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import type { Panel } from '@grafana/schema';
import { VAR_MODEL, VAR_SERVICE } from '../constants';
import { generateDashboards } from './generate';

/**
 * What Grafana substitutes before a query reaches Prometheus: the variables at "All"
 * (allValue `.*`, or a selection as a regex alternation) and the interval variables.
 */
function interpolate(expr: string, selection: Record<string, string>): string {
  return expr
    .replace(/\$__rate_interval/g, '1m0s')
    .replace(/\$__range/g, '3600s')
    .replace(/\$__interval/g, '15s')
    .replace(new RegExp(`\\$${VAR_SERVICE}\\b`, 'g'), selection[VAR_SERVICE])
    .replace(new RegExp(`\\$${VAR_MODEL}\\b`, 'g'), selection[VAR_MODEL]);
}

const promExprs = Object.entries(generateDashboards()).flatMap(([file, d]) =>
  ((d.panels ?? []) as Panel[]).flatMap((p) =>
    (p.targets ?? [])
      .filter((t) => typeof t.expr === 'string')
      .map((t) => ({ where: `${file} / ${p.title} / ${t.refId}`, expr: String(t.expr) }))
  )
);

/** Checks expressions with Prometheus's own parser: `promtool check rules` on a rule file of them. */
function promtoolCheck(exprs: string[]): { ok: boolean; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'stormwatch-promql-'));
  const file = path.join(dir, 'rules.yml');
  const rules = exprs
    .map((expr, i) => `      - record: dashboard_check_${i}\n        expr: ${JSON.stringify(expr)}`)
    .join('\n');
  writeFileSync(file, `groups:\n  - name: dashboards\n    rules:\n${rules}\n`);
  try {
    return {
      ok: true,
      output: execFileSync('promtool', ['check', 'rules', '--lint=none', file], { encoding: 'utf8', stdio: 'pipe' }),
    };
  } catch (e) {
    const err = e as { code?: string; stdout?: string; stderr?: string; message: string };
    if (err.code === 'ENOENT') {
      throw new Error('promtool is not installed (Debian package prometheus; .ci/system-packages installs it)');
    }
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('dashboard PromQL, as Grafana sends it', () => {
  it('has expressions to check', () => {
    expect(promExprs.length).toBeGreaterThan(30);
  });

  it.each([
    ['every service and model (All)', { [VAR_SERVICE]: '.*', [VAR_MODEL]: '.*' }],
    [
      'a selection of several',
      { [VAR_SERVICE]: '(checkout|search)', [VAR_MODEL]: '(claude-sonnet-4-5|claude-haiku-4-5)' },
    ],
  ])('parses with Prometheus own parser for %s', (_name, selection) => {
    const exprs = promExprs.map((e) => interpolate(e.expr, selection));
    expect(exprs.filter((e) => e.includes('$'))).toEqual([]);
    const { ok, output } = promtoolCheck(exprs);
    expect({ ok, output: ok ? '' : output }).toEqual({ ok: true, output: '' });
    expect(output).toContain(`SUCCESS: ${exprs.length} rules found`);
  });

  it('tells a broken expression apart (the check can fail)', () => {
    const { ok, output } = promtoolCheck(['sum by (job) (rate(stormwatch_calls_total[5m])']);
    expect(ok).toBe(false);
    expect(output).toMatch(/unclosed left parenthesis|parse error/);
  });
});
