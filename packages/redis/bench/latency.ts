/**
 * Latency the Redis store adds per operation, on loopback: each operation is run one at a
 * time (a call waits for its admission before it goes), `BENCH_OPS` times after a warm-up,
 * against a redis-server this script starts (Debian's, `--save '' --appendonly no`) and
 * against the in-memory store, and the percentiles are printed as a table.
 *
 * Run from the repository root after `npm run build`:
 *   node packages/redis/bench/latency.ts
 * Options (env): BENCH_OPS (default 10000), BENCH_REDIS_URL (use that server instead of starting one).
 */
import { randomUUID } from 'node:crypto';
import { InMemoryOverloadStore, type OverloadStore } from '@stormwatch/core';
import { redisStore } from '@stormwatch/redis';
import { startRedis } from '../test/support/redisServer.ts';

const OPS = Number(process.env.BENCH_OPS ?? 10_000);
const WARM_UP = Math.min(1000, OPS);

interface Row {
  readonly operation: string;
  readonly store: string;
  readonly samples: number[];
}

async function measure(store: OverloadStore, run: (store: OverloadStore) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARM_UP; i++) await run(store);
  const samples = new Array<number>(OPS);
  for (let i = 0; i < OPS; i++) {
    const start = performance.now();
    await run(store);
    samples[i] = (performance.now() - start) * 1000;
  }
  return samples.sort((a, b) => a - b);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

const operations: [string, (store: OverloadStore) => Promise<unknown>, (store: OverloadStore) => Promise<void>][] = [
  ['reserveSlot (calm)', (store) => store.reserveSlot('calm'), async () => {}],
  ['reserveSlot (paced)', (store) => store.reserveSlot('paced'), async (store) => store.reportOverload('paced')],
  ['recordCalls', (store) => store.recordCalls('calls', 1), async () => {}],
  ['tryWithdraw', (store) => store.tryWithdraw('budget'), async () => {}],
  ['deposit', (store) => store.deposit('deposits'), async () => {}],
];

const server = process.env.BENCH_REDIS_URL ? undefined : await startRedis();
const url = process.env.BENCH_REDIS_URL ?? server!.url;
const rows: Row[] = [];
try {
  for (const [operation, run, prepare] of operations) {
    const budget = { minRetriesPerSecond: 1e6 }; // a reserve so large that every withdrawal is taken (the longer path)
    const memory = new InMemoryOverloadStore({ budget });
    const redis = redisStore({ url, prefix: `bench:${randomUUID()}:`, budget });
    let degraded = 0;
    redis.onDegraded(() => degraded++);
    await Promise.all([prepare(memory), prepare(redis)]);
    rows.push({ operation, store: 'in-memory', samples: await measure(memory, run) });
    rows.push({ operation, store: 'redis', samples: await measure(redis, run) });
    await Promise.all([memory.close(), redis.close()]);
    if (degraded > 0) throw new Error(`${operation}: the Redis store degraded ${degraded} times; the figures would mix local answers in`);
  }
} finally {
  await server?.stop();
}

const fmt = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`);
console.log(`${OPS} sequential operations per row after ${WARM_UP} to warm up; node ${process.version}; Redis on loopback (${process.env.BENCH_REDIS_URL ? 'given' : 'redis-server started here'}).`);
console.log('');
console.log('| operation | store | p50 | p99 | p99.9 | max | added p50 | added p99 |');
console.log('|---|---|---|---|---|---|---|---|');
for (let i = 0; i < rows.length; i += 2) {
  const [memory, redis] = [rows[i]!, rows[i + 1]!];
  for (const row of [memory, redis]) {
    const added = row === redis ? [fmt(percentile(redis.samples, 50) - percentile(memory.samples, 50)), fmt(percentile(redis.samples, 99) - percentile(memory.samples, 99))] : ['', ''];
    console.log(`| ${row.operation} | ${row.store} | ${fmt(percentile(row.samples, 50))} | ${fmt(percentile(row.samples, 99))} | ${fmt(percentile(row.samples, 99.9))} | ${fmt(row.samples.at(-1)!)} | ${added.join(' | ')} |`);
  }
}
