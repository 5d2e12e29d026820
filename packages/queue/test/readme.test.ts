import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it, vi } from 'vitest';

describe('README', () => {
  afterAll(() => {
    vi.restoreAllMocks();
  });

  it('starts with the runnable example, verbatim', async () => {
    const [readme, example] = await Promise.all([readFile(new URL('../README.md', import.meta.url), 'utf8'), readFile(new URL('../examples/quickstart.ts', import.meta.url), 'utf8')]);
    expect(/```ts\n([\s\S]*?)```/.exec(readme)?.[1]).toBe(example);
  });

  it('runs the example and prints what its comments say', async () => {
    const lines: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args));
    const warnings = vi.spyOn(process, 'emitWarning');
    await import('../examples/quickstart.js');
    expect(lines).toEqual([
      ['deferred'],
      [{ pending: 1, running: 0, done: 0, failed: 0, dead: 0 }],
      [[{ type: 'text', text: 'The summary, a little later' }]],
      [{ drained: 1, failed: 0, dead: 0, released: 0 }],
    ]);
    expect(warnings).not.toHaveBeenCalled();
  });
});
