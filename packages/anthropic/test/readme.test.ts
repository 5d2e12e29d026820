import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('README', () => {
  it('starts with the runnable example, verbatim', async () => {
    const [readme, example] = await Promise.all([readFile(new URL('../README.md', import.meta.url), 'utf8'), readFile(new URL('../examples/quickstart.ts', import.meta.url), 'utf8')]);
    const first = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(first).toBe(example);
  });

  it('runs the example: a 529, a retry, the answer', async () => {
    const lines: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args));
    await import('../examples/quickstart.js');
    expect(lines).toEqual([
      ['attempt 1 on claude-opus-4-6: retryable_error', 'overloaded_error'],
      ['admitted to claude-opus-4-6 after about 1 s'],
      ['attempt 2 on claude-opus-4-6: success', ''],
      [[{ type: 'text', text: 'Hello through the storm' }]],
    ]);
  });
});
