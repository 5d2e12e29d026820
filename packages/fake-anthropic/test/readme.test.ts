import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('README', () => {
  it('starts with the runnable example, verbatim', async () => {
    const [readme, example] = await Promise.all([readFile(new URL('../README.md', import.meta.url), 'utf8'), readFile(new URL('../examples/quickstart.ts', import.meta.url), 'utf8')]);
    expect(/```ts\n([\s\S]*?)```/.exec(readme)?.[1]).toBe(example);
  });

  it('runs the example and prints what its comments say', async () => {
    const lines: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args));
    await import('../examples/quickstart.js');
    expect(lines).toEqual([
      [529, 'overloaded_error', '2'],
      ['"The storm passed; "', undefined, 'overloaded_error'],
      [[{ type: 'text', text: 'The storm passed; the answer arrived.' }]],
      [{ '200': 2, '529': 1 }],
    ]);
  });
});
