// A batch poller in a process of its own, for the SIGKILL test: node batchChild.ts '<json options>'.
// Runs the built package (dist/), as a deployed service would; Node strips the types of this file.
// It submits the due tasks to the Message Batches API at `baseURL`, then polls every few ms;
// each result it settles appends the task id to `log` (what "the handler did the work" means).
import { appendFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import type * as Queue from '../../src/index.js';

interface ChildOptions {
  path: string;
  log: string;
  baseURL: string;
}

const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
const { sqliteDeferrer, batchDeferred } = (await import(new URL('../../dist/index.js', import.meta.url).href)) as typeof Queue;
const queue = sqliteDeferrer({ path: options.path });
const client = new Anthropic({ baseURL: options.baseURL, apiKey: 'sk-ant-test', maxRetries: 0 });
const summary = await batchDeferred(queue, client, {
  poll: { initialMs: 10, maxMs: 20 },
  onResult: (task) => appendFileSync(options.log, `${task.id}\n`),
});
await queue.close();
process.stdout.write(`${JSON.stringify(summary)}\n`);
