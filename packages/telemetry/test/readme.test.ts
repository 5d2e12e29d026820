import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('README', () => {
  it('starts with the runnable example, verbatim', async () => {
    const [readme, example] = await Promise.all([
      readFile(new URL('../README.md', import.meta.url), 'utf8'),
      readFile(new URL('../examples/quickstart.ts', import.meta.url), 'utf8'),
    ]);
    expect(/```ts\n([\s\S]*?)```/.exec(readme)?.[1]).toBe(example);
  });

  it('runs the example: two CLIENT attempt spans, the backoff between them, the call span', async () => {
    const lines: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args));
    await import('../examples/quickstart.js');
    expect(lines).toEqual([
      ['chat claude-sonnet-4-6', 'CLIENT', 'retryable_error', 529],
      ['stormwatch.backoff', 'INTERNAL', '', ''],
      ['chat claude-sonnet-4-6', 'CLIENT', 'success', 200],
      ['stormwatch.call', 'INTERNAL', 'success', ''],
    ]);
  });
});
