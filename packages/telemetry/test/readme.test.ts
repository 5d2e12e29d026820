import { readFile } from 'node:fs/promises';
import { AdmissionOutcome, AttemptOutcome, attemptSpanName, CallOutcome, EVENT_ADMISSION_WAIT, SPAN_CALL } from '@stormwatch/conventions';
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

  it('runs the example: two CLIENT attempt spans, the call span with the admission wait between them', async () => {
    const lines: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args));
    await import('../examples/quickstart.js');
    expect(lines).toEqual([
      [attemptSpanName('claude-sonnet-4-6'), 'CLIENT', AttemptOutcome.RETRYABLE_ERROR, 529],
      [attemptSpanName('claude-sonnet-4-6'), 'CLIENT', AttemptOutcome.SUCCESS, 200],
      [SPAN_CALL, 'INTERNAL', CallOutcome.SUCCESS, ''],
      [' ', EVENT_ADMISSION_WAIT, AdmissionOutcome.ADMITTED, '1 s'],
    ]);
  });
});
