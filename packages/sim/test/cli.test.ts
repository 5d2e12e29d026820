import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELP, main, parseCli, type CliIo } from '../src/cliMain.js';

function capture(extra: Partial<CliIo> = {}): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    cwd: process.cwd(),
    stdout: { write: (t: string) => void (io.out += t) },
    stderr: { write: (t: string) => void (io.err += t), isTTY: false },
    ...extra,
  };
  return io;
}

describe('command line', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stormwatch-sim-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the help with every flag and scenario', async () => {
    const io = capture();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out).toBe(HELP);
    for (const flag of ['--scenario', '--seed', '--clients', '--fleet', '--policies', '--out', '--json', '--markdown', '--live', '--port']) {
      expect(io.out).toContain(flag);
    }
    for (const s of ['storm-50', 'flapping', '429-wave', 'reset-wave', 'opus-overloaded', 'long-outage', 'stormwatch-defer']) expect(io.out).toContain(s);
  });

  const bad: [string[], string][] = [
    [['--nope'], "Unknown option '--nope'"],
    [['--seed', 'abc'], '--seed must be an integer >= 0, got "abc"'],
    [['--seed=-1'], '--seed must be an integer >= 0, got "-1"'],
    [['--seed', '-1'], "Option '--seed' argument is ambiguous"],
    [['--clients', '0'], '--clients must be an integer >= 1, got "0"'],
    [['--scenario', 'hurricane'], 'unknown scenario "hurricane"; known: storm-50, flapping, 429-wave, reset-wave, opus-overloaded'],
    [['--fleet', 'both'], '--fleet must be "open" or "closed", got "both"'],
    [['--policies', 'stormwatch,yolo'], 'unknown policy "yolo"'],
    [['--port', '8080'], '--policy and --port apply only with --live'],
    [['--live', '--port', '70000'], '--port must be at most 65535, got "70000"'],
    [['--live', '--scenario', 'all'], '--live runs one scenario'],
    [['stray'], "Unexpected argument 'stray'"],
  ];
  for (const [argv, message] of bad) {
    it(`rejects ${argv.join(' ')} with a clear error and exit code 2`, async () => {
      const io = capture();
      expect(await main(argv, io)).toBe(2);
      expect(io.err).toContain(`stormwatch-sim: `);
      expect(io.err).toContain(message);
      expect(io.err).toContain('Try --help');
      expect(io.out).toBe('');
    });
  }

  it('applies --clients, --fleet and --policies to the scenario', () => {
    const parsed = parseCli(['--scenario', 'flapping', '--clients', '7', '--fleet', 'open', '--policies', 'stormwatch,fixed-1s', '--seed', '9']);
    expect(parsed.scenarios.map((s) => [s.name, s.fleet.clients, s.fleet.kind])).toEqual([['flapping', 7, 'open']]);
    expect(parsed.policies?.map((p) => p.id)).toEqual(['stormwatch', 'fixed-1s']);
    expect(parsed.seed).toBe(9);
  });

  it('runs a scenario: progress on stderr, the table and the report path on stdout, the report and JSON written', async () => {
    const io = capture();
    const out = join(dir, 'r', 'storm.html');
    const json = join(dir, 'r', 'storm.json');
    const code = await main(['--clients', '6', '--policies', 'fixed-1s,stormwatch', '--out', out, '--json', json], io);
    expect(code).toBe(0);
    expect(io.err).toMatch(/storm-50 █+░* +\d+ % 1\/3 fixed-1s/);
    expect(io.err).toContain('3/3 oracle');
    expect(io.out).toContain('fixed 1 s ×3');
    expect(io.out).toContain('Stormwatch default');
    expect(io.out).toContain('oracle (physical limit)');
    expect(io.out).toContain(`Report: ${out}`);
    const html = await readFile(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    const figures = JSON.parse(await readFile(json, 'utf8')) as { results: { policyId: string }[]; seed: number };
    expect(figures.seed).toBe(1);
    expect(figures.results.map((r) => r.policyId)).toEqual(['fixed-1s', 'stormwatch', 'oracle']);
  });

  it('runs every scenario with --scenario all, one report and one JSON file each', async () => {
    const io = capture();
    const out = join(dir, 'all');
    expect(await main(['--scenario', 'all', '--clients', '2', '--policies', 'fixed-1s,stormwatch', '--out', out, '--json', out], io)).toBe(0);
    for (const name of ['storm-50', 'flapping', '429-wave', 'reset-wave', 'opus-overloaded', 'long-outage', 'long-outage-batch']) {
      expect(io.out).toContain(`Report: ${join(out, `${name}.html`)}`);
      const json = JSON.parse(await readFile(join(out, `${name}.json`), 'utf8')) as { scenario: { name: string }; targets: unknown[] };
      expect(json.scenario.name).toBe(name);
      // The targets are set for storm-50, and for long-outage's deferral rows (not run here: --policies names others).
      expect(json.targets.length > 0).toBe(name === 'storm-50');
    }
  });

  it('runs long-outage with its deferral rows by default: their columns and their targets', async () => {
    const io = capture();
    const json = join(dir, 'lo.json');
    expect(await main(['--scenario', 'long-outage', '--clients', '2', '--markdown', '--out', join(dir, 'lo.html'), '--json', json], io)).toBe(0);
    expect(io.out).toContain('| policy | calls | attempts | 529s | 529s calm 30 s | 529s 1st 30 s after |');
    expect(io.out).toContain('| Stormwatch + deferral |');
    expect(io.out).toContain('| Stormwatch + deferral, shared store |');
    expect(io.out).toContain('Targets for Stormwatch with deferral:');
    expect(io.out).toMatch(/(met {3}|missed) {2}deferred calls completed \(none lost or dead\): /);
    const figures = JSON.parse(await readFile(json, 'utf8')) as { results: { policyId: string }[]; targets: { name: string }[] };
    expect(figures.results.map((r) => r.policyId).slice(-3)).toEqual(['stormwatch-defer', 'stormwatch-defer-shared', 'oracle']);
    expect(figures.targets.map((t) => t.name)).toContain('shared store: deferred calls completed (none lost or dead)');
  });

  it('runs long-outage-batch with the interactive drain and the batch rows: the batch columns and targets', async () => {
    const io = capture();
    const json = join(dir, 'lob.json');
    expect(await main(['--scenario', 'long-outage-batch', '--clients', '2', '--policies', 'sdk-default,stormwatch-defer,stormwatch-batch', '--markdown', '--out', join(dir, 'lob.html'), '--json', json], io)).toBe(0);
    expect(io.out).toContain('| batched (batches) | batch billed (list) | billed | billed waste |');
    expect(io.out).toContain('| Stormwatch + deferral to Message Batches |');
    expect(io.out).toContain('Targets for Stormwatch with deferral to Message Batches:');
    expect(io.out).toMatch(/(met {3}|missed) {2}cost saved vs Stormwatch \+ deferral \(interactive drain\): \$/);
    const figures = JSON.parse(await readFile(json, 'utf8')) as { results: { policyId: string; figures: { batch: { batches: number } } }[]; targets: { name: string }[] };
    expect(figures.results.map((r) => r.policyId)).toEqual(['sdk-default', 'stormwatch-defer', 'stormwatch-batch', 'oracle']);
    expect(figures.results.map((r) => r.figures.batch.batches > 0)).toEqual([false, false, true, false]);
    expect(figures.targets.map((t) => t.name)).toContain('batch requests billed at half the list price');
    // The HTML report names the targets as the command line does.
    expect(await readFile(join(dir, 'lob.html'), 'utf8')).toContain('<h2>Targets for Stormwatch with deferral to Message Batches</h2>');
  });

  it('prints a Markdown table with --markdown', async () => {
    const io = capture();
    expect(await main(['--clients', '4', '--policies', 'sdk-default', '--markdown', '--out', join(dir, 'md.html')], io)).toBe(0);
    expect(io.out).toContain('| policy | calls | attempts |');
    expect(io.out).toContain('| SDK default (maxRetries 2) |');
  });

  it('hands --live to the live runner with the chosen policy and port', async () => {
    let got: unknown;
    const io = capture({
      live: async (o) => {
        got = { scenario: o.scenario.name, policy: o.policy.id, port: o.port, seed: o.seed };
        return 0;
      },
    });
    expect(await main(['--live', '--scenario', 'reset-wave', '--policy', 'sdk-default', '--port', '0', '--seed', '5'], io)).toBe(0);
    expect(got).toEqual({ scenario: 'reset-wave', policy: 'sdk-default', port: 0, seed: 5 });
  });
});
