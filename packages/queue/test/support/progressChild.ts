// A drain script as a user writes one, in a process of its own, for the progress-line test:
// node progressChild.ts '<json options>'. Drains a Redis queue through the built packages
// (dist/), each task taking `taskMs` of real time, with drainProgress on stderr (not a
// terminal here: plain periodic lines); prints the summary on stdout.
import { setTimeout as sleep } from 'node:timers/promises';
import type * as Redis from '@stormwatch/redis';
import type * as Queue from '../../src/index.js';

interface ChildOptions {
  url: string;
  prefix: string;
  taskMs: number;
  intervalMs: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
const { drainDeferred, drainProgress } = (await import(new URL('../../dist/index.js', import.meta.url).href)) as typeof Queue;
const { redisDeferrer } = (await import('@stormwatch/redis')) as typeof Redis;
const queue = redisDeferrer({ url: options.url, prefix: options.prefix });
const progress = drainProgress({ intervalMs: options.intervalMs });
const summary = await drainDeferred(queue, () => sleep(options.taskMs), { concurrency: 2, stopWhenIdle: true, onOutcome: progress.onOutcome });
progress.stop();
await queue.close();
process.stdout.write(`${JSON.stringify(summary)}\n`);
