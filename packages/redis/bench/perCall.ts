/**
 * Latency the Redis store adds per call of a policy, on loopback: `policy.execute()` of an
 * attempt that answers at once, one call at a time, `BENCH_CALLS` times after a warm-up,
 * with the default (this process's own state) and with a Redis store, in three situations:
 *
 * - calm: a steady stream of calls on a calm model (the pace is read in the background);
 * - first call: every call names a model the process has not read yet (it waits for one
 *   pace read, as the first call of a model or of a quiet process does);
 * - paced: the fleet's rate was cut to far more than the calls need, so every call reserves
 *   its slot in Redis and goes at once (the paced path without the wait for capacity).
 *
 * Run from the repository root after `npm run build`:
 *   node packages/redis/bench/perCall.ts
 * Options (env): BENCH_CALLS (default 5000), BENCH_REDIS_URL (use that server instead of starting one).
 */
import { randomUUID } from 'node:crypto';
import { ErrorType } from '@stormwatch/conventions';
import { createPolicy, type OverloadStore, type Policy } from '@stormwatch/core';
import { redisStore } from '@stormwatch/redis';
import { startRedis } from '../test/support/redisServer.ts';

const CALLS = Number(process.env.BENCH_CALLS ?? 5000);
const WARM_UP = Math.min(500, CALLS);
const classify = () => ({ errorType: ErrorType.OTHER, retryable: false, overload: false, slowDown: false });
const answer = async () => 'answer';

async function measure(policy: Policy, model: (i: number) => string): Promise<number[]> {
  for (let i = 0; i < WARM_UP; i++) await policy.execute(answer, { model: model(-i - 1) });
  const samples = new Array<number>(CALLS);
  for (let i = 0; i < CALLS; i++) {
    const start = performance.now();
    await policy.execute(answer, { model: model(i) });
    samples[i] = (performance.now() - start) * 1000;
  }
  return samples.sort((a, b) => a - b);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const fmt = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`);

/** A situation: how the store is prepared, which model each call names. */
const situations: [string, (store: OverloadStore) => Promise<unknown>, (i: number) => string][] = [
  ['calm', async () => undefined, () => 'calm'],
  ['first call of a model', async () => undefined, (i) => `model-${i}`],
  ['paced (slots to spare)', (store) => store.reportOverload('paced'), () => 'paced'],
];

const server = process.env.BENCH_REDIS_URL ? undefined : await startRedis();
const url = process.env.BENCH_REDIS_URL ?? server!.url;
const lines: string[] = [];
try {
  for (const [situation, prepare, model] of situations) {
    // The fleet's rate after a cut: half of 100 000 calls/s, far above what one process sends.
    const rate = { calmRate: 100_000, calmAfterMs: 1e9 };
    const store = redisStore({ url, prefix: `bench:${randomUUID()}:`, rate });
    const degraded: string[] = [];
    store.onDegraded(({ reason, operation, error }) => degraded.push(`${operation}: ${reason} (${error.message})`));
    await prepare(store);
    const alone = await measure(createPolicy({ name: 'alone', classify, admission: rate }), model);
    const shared = await measure(createPolicy({ name: 'shared', classify, admission: rate, store }), model);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the last calls' background operations land
    await store.close();
    if (degraded.length > 0) throw new Error(`${situation}: the Redis store degraded (${degraded.join('; ')}); the figures would mix local answers in`);
    for (const [name, samples] of [['own state', alone], ['redis store', shared]] as const) {
      const added = samples === shared ? [fmt(percentile(shared, 50) - percentile(alone, 50)), fmt(percentile(shared, 99) - percentile(alone, 99))] : ['', ''];
      lines.push(`| ${situation} | ${name} | ${fmt(percentile(samples, 50))} | ${fmt(percentile(samples, 99))} | ${fmt(percentile(samples, 99.9))} | ${added.join(' | ')} |`);
    }
  }
} finally {
  await server?.stop();
}

console.log(`${CALLS} sequential calls per row after ${WARM_UP} to warm up; node ${process.version}; Redis on loopback (${process.env.BENCH_REDIS_URL ? 'given' : 'redis-server started here'}).`);
console.log('');
console.log('| situation | state | p50 | p99 | p99.9 | added p50 | added p99 |');
console.log('|---|---|---|---|---|---|---|');
for (const line of lines) console.log(line);
