import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('examples/existing-sdk.ts', () => {
  it("runs: the service's own NodeSDK gets Stormwatch's spans under its request span, each request carries its attempt's traceparent", async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
    await import('../examples/existing-sdk.js');
    expect(lines).toEqual([
      'chat claude-sonnet-4-6 CLIENT',
      'chat claude-sonnet-4-6 CLIENT',
      'stormwatch.call INTERNAL',
      'POST /summary INTERNAL',
      'stormwatch.call is a child of POST /summary: true',
      'traceparent of request 1 is attempt span 1: true',
      'traceparent of request 2 is attempt span 2: true',
    ]);
  });
});
