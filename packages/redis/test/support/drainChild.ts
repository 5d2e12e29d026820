// A drain of the Redis deferrer in a process of its own, for the SIGKILL test:
// node drainChild.ts '<json options>'. Runs the built packages (dist/), as a deployed worker
// would; Node strips the types of this file. Its handler's only side effect is a line with
// the task id appended to `log`, written before the drain marks the task done: the line is
// what "the handler did the work" means.
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock, type Clock } from '@stormwatch/core';
import type * as Queue from '../../../queue/src/index.js';
import type * as Redis from '../../src/index.js';

interface ChildOptions {
  url: string;
  prefix: string;
  log: string;
  concurrency: number;
  leaseMs: number;
  /** Real time each handler takes before its side effect, in ms. */
  beforeRecordMs: number;
  /** Real time each handler takes after its side effect, before it resolves, in ms. */
  afterRecordMs: number;
  /** This process's clock runs this far ahead: a later process, for which the dead one's leases have expired. */
  aheadMs: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
const { drainDeferred } = (await import(new URL('../../../queue/dist/index.js', import.meta.url).href)) as typeof Queue;
const { redisDeferrer } = (await import(new URL('../../dist/index.js', import.meta.url).href)) as typeof Redis;
const clock: Clock = { now: () => systemClock.now() + options.aheadMs, sleep: systemClock.sleep };
const queue = redisDeferrer({ url: options.url, prefix: options.prefix, clock });
const summary = await drainDeferred(
  queue,
  async (_task, { id }) => {
    await sleep(options.beforeRecordMs);
    appendFileSync(options.log, `${id}\n`);
    await sleep(options.afterRecordMs);
  },
  { concurrency: options.concurrency, leaseMs: options.leaseMs, stopWhenIdle: true },
);
await queue.close();
process.stdout.write(`${JSON.stringify(summary)}\n`);
