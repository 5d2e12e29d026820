import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { redisTestsRun, startRedis, type RedisServer } from './support/redisServer.js';

describe('README', () => {
  it('starts with the runnable example, verbatim', async () => {
    const [readme, example] = await Promise.all([readFile(new URL('../README.md', import.meta.url), 'utf8'), readFile(new URL('../examples/quickstart.ts', import.meta.url), 'utf8')]);
    expect(/```ts\n([\s\S]*?)```/.exec(readme)?.[1]).toBe(example);
  });

  describe.skipIf(!redisTestsRun)('against a real Redis', () => {
    let server: RedisServer;
    beforeAll(async () => {
      server = await startRedis();
    });
    afterAll(async () => {
      vi.unstubAllEnvs();
      vi.restoreAllMocks();
      await server?.stop();
    });

    it('runs the example and prints what its comments say', async () => {
      vi.stubEnv('STORMWATCH_REDIS_URL', server.url);
      const lines: unknown[][] = [];
      vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args));
      const warnings = vi.spyOn(console, 'warn');
      await import('../examples/quickstart.js');
      expect(lines).toEqual([['1.0 calls/s admitted across the fleet'], [[0, 1, 1]], [true]]);
      expect(warnings).not.toHaveBeenCalled();
    });
  });
});
