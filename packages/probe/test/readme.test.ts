import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROBE_INTERVAL_MS, DEFAULT_PROBE_JITTER, DEFAULT_PROBE_MODELS, worstCaseDailyCost } from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it.each(['claude-haiku-4-5', 'claude-sonnet-4-6', 'claude-opus-4-7'])('states the worst-case cost of %s at the defaults as computed from the price table', (model) => {
    const cost = worstCaseDailyCost(model, DEFAULT_PROBE_INTERVAL_MS, DEFAULT_PROBE_JITTER);
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${model}\``));
    expect(row, model).toBeDefined();
    const cells = row!.split('|').map((c) => c.trim());
    expect(cells.slice(2, 6)).toEqual([cost.requests.toLocaleString('en-US'), cost.tokens.toLocaleString('en-US'), cost.usd!.toFixed(2), (cost.usd! * 30).toFixed(2)]);
  });

  it('names the default model and pace', () => {
    expect(DEFAULT_PROBE_MODELS).toEqual(['claude-haiku-4-5']);
    expect(readme).toContain('| `claude-haiku-4-5` (the default) |');
    expect(readme).toContain(`every \`intervalMs\` (${DEFAULT_PROBE_INTERVAL_MS / 1000} s`);
    expect(readme).toContain(`± \`jitter\` (${DEFAULT_PROBE_JITTER * 100} %)`);
  });
});
