import type { Clock } from '@stormwatch/core';
import { BatchDeferralRun, type BatchDeferralLog } from './batchRun.js';
import type { PolicyUnderTest } from './PolicyUnderTest.js';
import { deferringCallerTo } from './stormwatchDefer.js';
import { BATCH_POLICY_ID } from '../scenarios/longOutageBatch.js';

/** The batch deferral of each run in progress, keyed by the run's clock. */
const runs = new WeakMap<Clock, BatchDeferralRun>();

/**
 * `stormwatch-defer` with its deferred calls sent to the Message Batches API instead of an
 * interactive drain, as a batch job with a day of deadline configures it: the same
 * `abandon: { deferrer: sqliteDeferrer(...) }` and `defer: true`, and a worker that calls
 * `submitBatches` once a minute and `resumeBatches` to poll (see {@link BatchDeferralRun}).
 * Only tasks with more than 24 h of deadline left go to a batch; the row has no interactive
 * drain, so it is meant for deadlines beyond the window (`long-outage-batch`: 26 h).
 */
export const stormwatchBatch: PolicyUnderTest = {
  id: BATCH_POLICY_ID,
  label: 'Stormwatch + deferral to Message Batches',
  description:
    "Stormwatch's default policy with a durable deferrer (sqliteDeferrer, abandon.deferrer) and defer: true on every call, as stormwatch-defer; the deferred tasks go to the Message Batches API (submitBatches once a minute, resumeBatches polling 30 s doubling to 5 min) at half the price, processed outside the interactive capacity, instead of an interactive drain.",
  usesStore: true,
  createCaller: (env) => {
    let run = runs.get(env.clock);
    if (run === undefined) {
      run = new BatchDeferralRun(env.clock, env.fetch, env.baseURL);
      runs.set(env.clock, run);
    }
    return deferringCallerTo(env, {}, run);
  },
  finishRun: async (clock) => {
    const run = runs.get(clock);
    if (run === undefined) return undefined;
    runs.delete(clock);
    return { batch: await run.finish() };
  },
};

export type { BatchDeferralLog };
