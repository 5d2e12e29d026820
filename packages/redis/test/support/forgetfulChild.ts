// A process that uses a Redis store (or deferrer) and never calls close(), for the test that
// it still exits by itself: node forgetfulChild.ts '<json options>'. Runs the built package
// (dist/), as a service would; Node strips the types of this file. It prints one JSON line per
// step; with `untilLost` it prints "shared" once Redis answered, then asks again every 50 ms
// (its own timers keep it up meanwhile) until the store answers locally — the parent kills
// Redis on "shared" — so it ends with node-redis reconnecting.
import { setTimeout as sleep } from 'node:timers/promises';
import type * as Redis from '../../src/index.js';

interface ChildOptions {
  url: string;
  kind: 'store' | 'deferrer';
  untilLost?: boolean;
}

const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
const { redisStore, redisDeferrer } = (await import(new URL('../../dist/index.js', import.meta.url).href)) as typeof Redis;
const print = (line: unknown) => process.stdout.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`);

if (options.kind === 'store') {
  const store = redisStore({ url: options.url, timeoutMs: 500 });
  await store.reserveSlot('m');
  print(store.health());
  if (options.untilLost && store.sharing) {
    print('shared');
    for (let i = 0; i < 200 && store.sharing; i++) {
      await sleep(50);
      await store.reserveSlot('m');
    }
    print(store.health());
  }
} else {
  const queue = redisDeferrer({ url: options.url, timeoutMs: 500 });
  try {
    print({ counts: await queue.counts() });
  } catch (error) {
    print({ problem: (error as { problem?: string }).problem });
  }
}
// No close(): the process must end by itself once nothing of its own is left to do.
