/**
 * Policies on the Redis store, as a fleet runs them: one store (one connection) per
 * process, attempts against a service in a storm, real time.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ErrorType } from '@stormwatch/conventions';
import { createPolicy, seededRandom, type Classification, type Policy, type PolicyOptions } from '@stormwatch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisStore, type RedisOverloadStore, type RedisStoreOptions } from '../src/index.js';
import { redisTestsRun, startRedis, type RedisServer } from './support/redisServer.js';

class Transient extends Error {
  constructor(readonly overload: boolean) {
    super(overload ? 'overloaded' : 'connection reset');
  }
}

/** Overloads are 529s; anything else a connection reset: both retryable. */
function classify(error: unknown): Classification {
  const overload = error instanceof Transient && error.overload;
  return { errorType: overload ? ErrorType.OVERLOADED : ErrorType.CONNECTION, retryable: true, overload, slowDown: false };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!redisTestsRun)('policies of a fleet on one Redis', () => {
  let server: RedisServer;
  const stores: RedisOverloadStore[] = [];

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await server?.stop();
  });

  /** `n` processes' policies, each on its own connection to one Redis under one prefix. */
  async function fleet(n: number, store: Omit<RedisStoreOptions, 'url' | 'prefix'>, policy: Partial<PolicyOptions>): Promise<{ policies: Policy[]; stores: RedisOverloadStore[] }> {
    const prefix = `policy:${randomUUID()}:`;
    const made = Array.from({ length: n }, () => redisStore({ timeoutMs: 500, ...store, url: server.url, prefix }));
    stores.push(...made);
    await Promise.all(made.map((s) => s.pace('warm-up')));
    const policies = made.map((s, i) => createPolicy({ name: `process-${i}`, classify, random: seededRandom(i + 1), store: s, ...policy }));
    return { policies, stores: made };
  }

  /** Runs `calls` calls per policy at once, every attempt failing with a reset; returns the retries made. */
  async function retriesOfAStorm(policies: Policy[], calls: number): Promise<number> {
    let attempts = 0;
    const failing = async () => {
      attempts++;
      await sleep(1);
      throw new Transient(false);
    };
    const runs = policies.flatMap((p) => Array.from({ length: calls }, () => p.execute(failing, { model: 'm' }).catch(() => undefined)));
    await Promise.all(runs);
    return attempts - policies.length * calls;
  }

  const budget = { ratio: 0.1, minRetriesPerSecond: 1, windowMs: 10_000 };
  const retrying = { admission: false as const, breaker: false as const, maxAttempts: 1000, backoff: { baseMs: 1, capMs: 1 }, budget };

  it("20 processes spend one pool of retries: the fleet's retries stay within it ± 10 %", async () => {
    // The processes keep no reserve of their own here, so every retry comes from the pool.
    const { policies } = await fleet(20, { budget }, { ...retrying, budget: { ...budget, minRetriesPerSecond: 0 } });
    const retries = await retriesOfAStorm(policies, 10);
    // 200 calls deposit 20 retries, and the pool's reserve is 1 retry/s over 10 s: 30 for the fleet.
    expect(retries).toBeGreaterThanOrEqual(27);
    expect(retries).toBeLessThanOrEqual(33);
  });

  it('each process adds its own reserve to the pool (20 reserves, as 20 processes alone have)', async () => {
    const { policies } = await fleet(20, { budget: { ...budget, minRetriesPerSecond: 0 } }, retrying);
    const retries = await retriesOfAStorm(policies, 10);
    // 20 × 10 (each process's reserve of 1 retry/s over 10 s) + 20 (the pool's share of 200 calls).
    expect(retries).toBeGreaterThanOrEqual(200 + 18);
    expect(retries).toBeLessThanOrEqual(200 + 22);
  });

  it('killing Redis mid-storm fails no call: the processes go on from their own state', async () => {
    const rules = { rate: { calmRate: 50, doublingMs: 500, calmAfterMs: 1000 }, budget: { ratio: 10 } };
    const { policies, stores: made } = await fleet(5, rules, { admission: rules.rate, budget: rules.budget, deadlineMs: 20_000 });
    const stormEnds = performance.now() + 1500;
    let flip = 0;
    const service = async () => {
      await sleep(5);
      if (performance.now() < stormEnds && flip++ % 2 === 0) throw new Transient(true);
      return 'answer';
    };
    const calls: Array<Promise<string>> = [];
    const launching = (async () => {
      for (let round = 0; round < 20; round++) {
        for (const p of policies) calls.push(p.execute(service, { model: 'm' }));
        if (round === 5) await server.kill(); // mid-storm
        await sleep(50);
      }
    })();
    await launching;
    const results = await Promise.allSettled(calls);
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    expect(results).toHaveLength(100);
    expect(made.every((s) => !s.health().sharing)).toBe(true);
    expect(made.some((s) => Object.values(s.health().localAnswers).some((n) => n > 0))).toBe(true);
    await server.restart();
  });

  it("a store never keeps a process alive: a script that forgets close() exits", async () => {
    const script = `
      import { redisStore } from '@stormwatch/redis';
      const store = redisStore({ url: process.env.REDIS_URL });
      await store.reportOverload('m');
      console.log(JSON.stringify(await store.pace('m')));
    `;
    const packageDir = fileURLToPath(new URL('..', import.meta.url));
    const started = performance.now();
    const output = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: packageDir, env: { PATH: process.env.PATH ?? '', REDIS_URL: server.url }, timeout: 10_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(JSON.parse(output)).toMatchObject({ ratePerSecond: expect.any(Number) });
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
