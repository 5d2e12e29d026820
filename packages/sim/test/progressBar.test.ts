import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../src/progressBar.js';

function sink(isTTY: boolean) {
  const s = { text: '', isTTY, write: (t: string) => void (s.text += t) };
  return s;
}

describe('progress bar', () => {
  it('redraws one line in place on a terminal', () => {
    const out = sink(true);
    const bar = new ProgressBar(out, 'storm-50', 10);
    bar.update({ run: 0, runs: 2, policyId: 'fixed-1s', fraction: 0 });
    bar.update({ run: 1, runs: 2, policyId: 'oracle', fraction: 1 });
    bar.done();
    expect(out.text).toBe(
      '\rstorm-50 ░░░░░░░░░░   0 % 1/2 fixed-1s\x1b[K' + '\rstorm-50 ██████████ 100 % 2/2 oracle\x1b[K' + '\n',
    );
  });

  it('prints a line per finished run when stderr is not a terminal', () => {
    const out = sink(false);
    const bar = new ProgressBar(out, 'flapping', 4);
    bar.update({ run: 0, runs: 2, policyId: 'a', fraction: 0.5 });
    bar.update({ run: 0, runs: 2, policyId: 'a', fraction: 1 });
    bar.update({ run: 0, runs: 2, policyId: 'a', fraction: 1 });
    bar.update({ run: 1, runs: 2, policyId: 'b', fraction: 1 });
    bar.done();
    expect(out.text).toBe('flapping ██░░  50 % 1/2 a\nflapping ████ 100 % 2/2 b\n');
  });
});
