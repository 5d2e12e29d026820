import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { costOf, priceOf } from '@stormwatch/anthropic';
import {
  ALERT_DEFERRED_WORK_STALE,
  ATTR_QUEUE_BATCH_OUTCOME,
  ATTR_QUEUE_NAME,
  ATTR_QUEUE_OUTCOME,
  ATTR_QUEUE_STATE,
  ATTR_SERVICE_NAME,
  ErrorType,
  METRIC_QUEUE_BATCH_COST_USD,
  METRIC_QUEUE_BATCH_TASKS,
  METRIC_QUEUE_DEADLINE_SLACK,
  METRIC_QUEUE_DRAINED,
  METRIC_QUEUE_OLDEST_PENDING_AGE,
  METRIC_QUEUE_TASKS,
  PROM_LABEL_SERVICE,
  QUEUE_METRICS,
  QueueBatchOutcome,
  QueueDrainOutcome,
  RECORDING_RULES,
  RULE_QUEUE_BATCH_COST_PER_HOUR,
  RULE_QUEUE_BATCH_TASKS_RATE,
  RULE_QUEUE_DEADLINE_SLACK,
  RULE_QUEUE_DRAINED_RATE,
  RULE_QUEUE_TASKS,
  metricDefinition,
  prometheusLabel,
} from '@stormwatch/conventions';
import { VirtualClock, type DeferredTask } from '@stormwatch/core';
import { batchErrored, batchSucceeded, FakeAnthropicFetch } from '@stormwatch/fake-anthropic';
import { WATCH_QUERIES, queryById } from '@stormwatch/queries';
import {
  batchDeferred,
  drainDeferred,
  instrumentQueue,
  sqliteDeferrer,
  type BatchSummary,
  type BatchTaskOutcome,
  type DrainSummary,
  type QueueTelemetry,
  type SqliteDeferrer,
} from '@stormwatch/queue';
import { serversAvailable } from '../support/servers.js';
import { eventually } from './support/poll.js';
import { activeAlerts, instantQuery, metricNames } from './support/prometheusApi.js';
import { runDir } from './support/runDir.js';
import { Stack } from './support/Stack.js';
import { poll } from '../../packages/queue/test/support/virtualPoll.js';

/*
 * The durable deferral queue's telemetry through the real pipeline: a SQLite queue
 * (`sqliteDeferrer` on a temporary file) instrumented with `instrumentQueue` on an
 * OpenTelemetry meter provider that exports OTLP to the real collector
 * (deploy/collector/config.yaml), which remote-writes into a real Prometheus running the
 * shipped recording rules and alerts (every second, alerts' `for` read as seconds: Stack's
 * testPrometheusConfig, as in storm.test.ts and probe.test.ts).
 *
 * The queue `summaries` (service `stormwatch-e2e-queue`) lives on a virtual clock started at
 * the real time: the Message Batches path (`batchDeferred`, the real SDK against the fake
 * Message Batches API of `FakeAnthropicFetch`, whose batches end one virtual minute after
 * creation) takes the tasks with a far deadline, then an interactive drain (`drainDeferred`)
 * runs the rest. Once that first round is in Prometheus, a second round (one more task
 * each way) makes the counters grow, so that the rate rules see work (a rate does not count
 * a new series' first sample). Afterwards one more task is deferred with its deadline
 * already passed, and no drain comes for it. The clock then stands still, so the gauges the queue reports at each
 * export are constant and compared exactly with the queue's own reads. A second queue,
 * `calm`, holds a task with a far deadline only: the stale-work alert must never even be
 * pending for it.
 *
 * Real time spent: the servers' start, a few metric exports (every 250 ms), rule evaluations
 * (every second) and the alert's 5 s (its 5 minutes, read as seconds). About 15 s.
 */

const SERVICE = 'stormwatch-e2e-queue';
const QUEUE = 'summaries';
const CALM = 'calm';
const MODEL = 'claude-opus-4-7';
const HOUR = 3_600_000;

const label = prometheusLabel;
const prom = (name: string) => metricDefinition(name).prometheusName;
const q = (s: string) => JSON.stringify(s);
const sel = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${q(v)}`)
    .join(',')}}`;
const JOB = PROM_LABEL_SERVICE;
const QUEUE_NAME = label(ATTR_QUEUE_NAME);
const ofQueue = (name = QUEUE) => ({ [JOB]: SERVICE, [QUEUE_NAME]: name });

const body = (i: number) => ({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: `Summarise report ${i}` }] });
const httpError = (status: number) => Object.assign(new Error(`${status} error`), { name: 'APIError', status });

describe.runIf(serversAvailable('otelcol-stormwatch', 'jaeger', 'prometheus'))('the deferral queue through the collector into Prometheus', () => {
  const dir = runDir('queue');
  let files: string | undefined;
  const clock = new VirtualClock(Date.now());
  let stack: Stack;
  let provider: MeterProvider;
  let queue: SqliteDeferrer;
  let calm: SqliteDeferrer;
  const telemetry: QueueTelemetry[] = [];
  let batch: BatchSummary;
  let drain: DrainSummary;
  const batchOutcomes: BatchTaskOutcome[] = [];
  /** Ids of the tasks by role. */
  const ids: Record<string, string> = {};
  const query = (expr: string) => instantQuery(stack.endpoints.prometheus, expr);

  const defer = async (key: string, into: SqliteDeferrer, i: number, deadlineIn?: number) => {
    const t: DeferredTask = {
      callId: i,
      policy: 'summaries',
      model: MODEL,
      payload: body(i),
      deferredAt: clock.now(),
      reason: ErrorType.OVERLOADED,
      ...(deadlineIn === undefined ? {} : { deadlineAt: clock.now() + deadlineIn }),
    };
    ids[key] = (await into.defer(t)).id;
  };

  beforeAll(async () => {
    files = mkdtempSync(path.join(tmpdir(), 'stormwatch-e2e-queue-'));
    stack = await Stack.start({ runDir: dir });
    provider = new MeterProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: SERVICE }),
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({ url: `${stack.endpoints.otlpHttp}/v1/metrics` }),
          exportIntervalMillis: 250,
        }),
      ],
    });
    queue = sqliteDeferrer({ path: path.join(files, 'summaries.db'), clock });
    calm = sqliteDeferrer({ path: path.join(files, 'calm.db'), clock });
    const summaries = instrumentQueue(queue, { name: QUEUE, meterProvider: provider });
    telemetry.push(summaries, instrumentQueue(calm, { name: CALM, meterProvider: provider }));

    // The batch path: four tasks with two days to go (past the 24 h window) go to one batch.
    // Two succeed (priced at the batch price), one is refused for good, one is overloaded
    // and goes back to the queue for the interactive drain.
    await defer('batchOk', queue, 1, 48 * HOUR);
    await defer('batchOk2', queue, 2, 48 * HOUR);
    await defer('batchInvalid', queue, 3, 48 * HOUR);
    await defer('batchOverloaded', queue, 4, 48 * HOUR);
    // Tasks whose deadline is within the window: the batch path leaves them to the drain.
    for (let i = 0; i < 4; i++) await defer(`soon${i}`, queue, 10 + i, HOUR);
    const fake = new FakeAnthropicFetch({ batches: { now: () => clock.now(), processingMs: 60_000 } });
    fake.batches
      .script(ids.batchOk!, batchSucceeded({ text: 'summary 1', inputTokens: 1_000_000, outputTokens: 100_000 }))
      .script(ids.batchOk2!, batchSucceeded({ text: 'summary 2', inputTokens: 200_000, outputTokens: 30_000 }))
      .script(ids.batchInvalid!, batchErrored('invalid_request_error', 'max_tokens: too large'))
      .script(ids.batchOverloaded!, batchErrored('overloaded_error'));
    const client = new Anthropic({ baseURL: fake.url, fetch: fake.fetch, apiKey: 'sk-ant-e2e-placeholder', maxRetries: 0 });
    const runBatches = () =>
      poll(
        clock,
        batchDeferred(queue, client, {
          costOf: (model, usage) => costOf(usage, priceOf(model)),
          onOutcome: (o) => {
            batchOutcomes.push(o);
            summaries.onBatchOutcome(o);
          },
        }),
      );
    const batches = [await runBatches()];

    // Two tasks whose deadline passed before any drain came: the drain sends them to dead.
    await defer('late0', queue, 20, -60_000);
    await defer('late1', queue, 21, -1);
    // The interactive drain: soon0 and soon1 succeed, soon2 is refused (400, not retryable:
    // dead), soon3 fails with a 503 (retryable: failed, until its retry time), the task the
    // batch gave back succeeds.
    const handler = async (t: { id: string }) => {
      if (t.id === ids.soon2) throw httpError(400);
      if (t.id === ids.soon3) throw httpError(503);
    };
    // A fixed jitter and backoff: soon3's retry is 5 minutes ahead (a zero delay would make it due again at once).
    const runDrain = () =>
      drainDeferred(queue, handler, { stopWhenIdle: true, random: () => 0.5, backoff: { baseMs: 600_000, capMs: 600_000 }, onOutcome: summaries.onOutcome });
    const drains = [await runDrain()];

    // The counters' series reach Prometheus, then grow: a rate over 5 minutes does not count
    // a new series' first sample, so the rate rules see work only in a second round.
    const total = (expr: string) => query(`sum(${expr}${sel(ofQueue())})`).then((r) => r[0]?.value);
    // Drained: 3 done, 1 failed, 3 dead. Batch tasks: 4 submitted, then 2 done, 1 retried, 1 dead.
    await eventually('the first round in Prometheus', async () =>
      (await total(prom(METRIC_QUEUE_DRAINED))) === 7 && (await total(prom(METRIC_QUEUE_BATCH_TASKS))) === 8 ? true : undefined,
    );
    // Second round: one more task for a batch (done, priced), then one for the drain (done).
    // The batch comes first (the drain would take its task too); its polling moves the
    // virtual clock by about 90 s, still short of soon3's retry time.
    await defer('batchAgain', queue, 51, 48 * HOUR);
    fake.batches.script(ids.batchAgain!, batchSucceeded({ text: 'summary 3', inputTokens: 400_000, outputTokens: 40_000 }));
    batches.push(await runBatches());
    await defer('again', queue, 50, HOUR);
    drains.push(await runDrain());
    drain = { drained: 0, failed: 0, dead: 0, released: 0 };
    for (const d of drains) for (const k of Object.keys(drain) as (keyof DrainSummary)[]) drain[k] += d[k];
    batch = batches.reduce((a, b) => ({
      ...a,
      submitted: a.submitted + b.submitted,
      interactive: a.interactive + b.interactive,
      done: a.done + b.done,
      retried: a.retried + b.retried,
      released: a.released + b.released,
      dead: a.dead + b.dead,
      handlerFailed: a.handlerFailed + b.handlerFailed,
      unpriced: a.unpriced + b.unpriced,
      batchCostUsd: a.batchCostUsd + b.batchCostUsd,
    }));

    // Deferred after the drains, its deadline already passed: no drain takes it, it goes stale.
    await defer('stale', queue, 30, -10 * 60_000);
    // The calm queue: one task with a far deadline, nothing else.
    await defer('calm', calm, 40, 48 * HOUR);
    // From here on the virtual clock stands still: the gauges are constant.
  }, 120_000);

  afterAll(async () => {
    for (const t of telemetry) t.stop();
    await provider?.shutdown();
    await queue?.close();
    await calm?.close();
    await stack?.stop();
    if (files) rmSync(files, { recursive: true, force: true });
  });

  it('did what the scenario says: the batch, the drain and the queue agree', async () => {
    expect(batch).toMatchObject({ submitted: 5, interactive: 4, done: 3, retried: 1, dead: 1, released: 0, handlerFailed: 0, unpriced: 0 });
    expect(batch.batchCostUsd).toBeGreaterThan(0);
    expect(batchOutcomes.filter((o) => o.outcome === 'submitted')).toHaveLength(5);
    expect(drain).toEqual({ drained: 4, failed: 1, dead: 3, released: 0 });
    expect(await queue.counts()).toEqual({ pending: 1, running: 0, done: 7, failed: 1, dead: 4 });
    expect(await queue.nearestDeadlineMs()).toBe(-10 * 60_000);
  });

  it("exports every queue metric under the contract's Prometheus name, for the service and the queue", async () => {
    const expected = QUEUE_METRICS.map((m) => (m.kind === 'histogram' ? `${m.prometheusName}_bucket` : m.prometheusName));
    expect(expected).toHaveLength(6);
    const missing = async () => {
      const all = new Set(await metricNames(stack.endpoints.prometheus));
      const absent: string[] = [];
      for (const name of expected) {
        if (!all.has(name) || (await query(`${name}${sel(ofQueue())}`)).length === 0) absent.push(name);
      }
      return absent;
    };
    const absent = await eventually(`queue metrics in Prometheus (logs: ${dir})`, async () => {
      const a = await missing();
      return a.length === 0 ? a : undefined;
    }, { timeoutMs: 30_000 }).catch(missing);
    expect(absent).toEqual([]);
  });

  it('reports the tasks by state, the oldest pending age and the deadline slack exactly as the queue reads them', async () => {
    const STATE = label(ATTR_QUEUE_STATE);
    const counts = await queue.counts();
    const ageS = ((await queue.oldestPendingAgeMs()) ?? 0) / 1000;
    const slackS = ((await queue.nearestDeadlineMs()) ?? Number.NaN) / 1000;
    const expected = { tasks: { ...counts }, age: ageS, slack: slackS };
    const read = async () => ({
      tasks: Object.fromEntries((await query(`${prom(METRIC_QUEUE_TASKS)}${sel(ofQueue())}`)).map((s) => [s.metric[STATE], s.value])),
      age: (await query(`${prom(METRIC_QUEUE_OLDEST_PENDING_AGE)}${sel(ofQueue())}`))[0]?.value,
      slack: (await query(`${prom(METRIC_QUEUE_DEADLINE_SLACK)}${sel(ofQueue())}`))[0]?.value,
    });
    const found = await eventually('the queue gauges', async () => {
      const r = await read();
      return isDeepStrictEqual(r, expected) ? r : undefined;
    }).catch(read);
    expect(found).toEqual(expected);
    expect(found.slack).toBeLessThan(0);
    // The calm queue: its one pending task, a positive slack.
    const calmSlack = await query(`${prom(METRIC_QUEUE_DEADLINE_SLACK)}${sel(ofQueue(CALM))}`);
    expect(calmSlack.map((s) => s.value)).toEqual([((await calm.nearestDeadlineMs()) ?? 0) / 1000]);
    expect(calmSlack[0]!.value).toBeGreaterThan(0);
  });

  it('counts what the drain settled by outcome, and the batch tasks and cost as the batch path reported them', async () => {
    const OUTCOME = label(ATTR_QUEUE_OUTCOME);
    const BATCH_OUTCOME = label(ATTR_QUEUE_BATCH_OUTCOME);
    const drained = Object.fromEntries(
      [
        [QueueDrainOutcome.DONE, drain.drained],
        [QueueDrainOutcome.FAILED, drain.failed],
        [QueueDrainOutcome.DEAD, drain.dead],
        [QueueDrainOutcome.RELEASED, drain.released],
      ].filter(([, n]) => (n as number) > 0),
    );
    const batchTasks: Record<string, number> = {};
    for (const o of batchOutcomes) batchTasks[o.outcome] = (batchTasks[o.outcome] ?? 0) + 1;
    const expected = { drained, batchTasks, cost: batch.batchCostUsd };
    const read = async () => ({
      drained: Object.fromEntries(
        (await query(`sum by (${OUTCOME}) (${prom(METRIC_QUEUE_DRAINED)}${sel(ofQueue())})`)).map((s) => [s.metric[OUTCOME], s.value]),
      ),
      batchTasks: Object.fromEntries(
        (await query(`sum by (${BATCH_OUTCOME}) (${prom(METRIC_QUEUE_BATCH_TASKS)}${sel(ofQueue())})`)).map((s) => [s.metric[BATCH_OUTCOME], s.value]),
      ),
      cost: (await query(`sum(${prom(METRIC_QUEUE_BATCH_COST_USD)}${sel(ofQueue())})`))[0]?.value,
    });
    const close = (r: Awaited<ReturnType<typeof read>>) =>
      isDeepStrictEqual([r.drained, r.batchTasks], [expected.drained, expected.batchTasks]) && Math.abs((r.cost ?? -1) - expected.cost) < 1e-9;
    const found = await eventually('the drain and batch counters', async () => {
      const r = await read();
      return close(r) ? r : undefined;
    }).catch(read);
    expect(found.drained).toEqual({ [QueueDrainOutcome.DONE]: 4, [QueueDrainOutcome.FAILED]: 1, [QueueDrainOutcome.DEAD]: 3 });
    expect(found.batchTasks).toEqual({
      [QueueBatchOutcome.SUBMITTED]: batch.submitted,
      [QueueBatchOutcome.DONE]: batch.done,
      [QueueBatchOutcome.RETRIED]: batch.retried,
      [QueueBatchOutcome.DEAD]: batch.dead,
    });
    expect(found.cost).toBeCloseTo(expected.cost, 9);
    // Opus at $5 / $25 per million, half in a batch: (5 + 2.5) / 2 + (1 + 0.75) / 2 + (2 + 1) / 2.
    expect(found.cost).toBeCloseTo(6.125, 9);
    // Nothing of the drain or the batches on the calm queue.
    expect(await query(`${prom(METRIC_QUEUE_DRAINED)}${sel(ofQueue(CALM))}`)).toEqual([]);
  });

  it('gives a series for the queue from every queue recording rule, and data for every queue query of the Grafana app', async () => {
    const rules = RECORDING_RULES.filter((r) => r.startsWith('stormwatch:queue_'));
    expect(rules).toHaveLength(6);
    const queries = WATCH_QUERIES.filter((w) => w.id.startsWith('queue'));
    expect(queries).toHaveLength(6);
    const withoutData = async () => {
      const empty: string[] = [];
      for (const rule of rules) if ((await query(`${rule}${sel(ofQueue())}`)).length === 0) empty.push(rule);
      for (const w of queries) {
        const expr = w.build({ service: SERVICE });
        const series = await query(expr);
        if (!series.some((s) => s.metric[JOB] === SERVICE && s.metric[QUEUE_NAME] === QUEUE)) empty.push(`${w.id}: ${expr}`);
        // Filtered by service: nothing of any other job.
        for (const s of series) expect(s.metric[JOB], `${w.id}: ${expr}`).toBe(SERVICE);
      }
      return empty;
    };
    const empty = await eventually('data for every queue rule and query', async () => {
      const e = await withoutData();
      return e.length === 0 ? e : undefined;
    }, { timeoutMs: 30_000 }).catch(withoutData);
    expect(empty).toEqual([]);
    // The rate rules see the second round's work (the first round made the series).
    const rates = async () => ({
      drainedDone: (await query(`${RULE_QUEUE_DRAINED_RATE}${sel({ ...ofQueue(), [label(ATTR_QUEUE_OUTCOME)]: QueueDrainOutcome.DONE })}`))[0]?.value ?? 0,
      batchSubmitted: (await query(`${RULE_QUEUE_BATCH_TASKS_RATE}${sel({ ...ofQueue(), [label(ATTR_QUEUE_BATCH_OUTCOME)]: QueueBatchOutcome.SUBMITTED })}`))[0]?.value ?? 0,
      costPerHour: (await query(`${RULE_QUEUE_BATCH_COST_PER_HOUR}${sel(ofQueue())}`))[0]?.value ?? 0,
    });
    const positive = (r: Record<string, number>) => Object.values(r).every((v) => v > 0);
    const seen = await eventually('the rate rules over the second round', async () => {
      const r = await rates();
      return positive(r) ? r : undefined;
    }, { timeoutMs: 20_000 }).catch(rates);
    expect(seen).toEqual({ drainedDone: expect.any(Number), batchSubmitted: expect.any(Number), costPerHour: expect.any(Number) });
    expect(positive(seen), JSON.stringify(seen)).toBe(true);
    // The recorded depth is the queue's own, state by state.
    const STATE = label(ATTR_QUEUE_STATE);
    const recorded = await query(`${RULE_QUEUE_TASKS}${sel(ofQueue())}`);
    expect(Object.fromEntries(recorded.map((s) => [s.metric[STATE], s.value]))).toEqual(await queue.counts());
    const slack = await query(`${RULE_QUEUE_DEADLINE_SLACK}${sel(ofQueue())}`);
    expect(slack.map((s) => s.value)).toEqual([-600]);
    // What the app's panels show for the queue: the depth without the done tasks, the oldest
    // age and the slack, as the queue reads them.
    const panel = async (id: string) => (await query(queryById(id).build({ service: SERVICE }))).filter((s) => s.metric[QUEUE_NAME] === QUEUE);
    const { done, ...waiting } = await queue.counts();
    expect(done).toBeGreaterThan(0);
    expect(Object.fromEntries((await panel('queueTasksByState')).map((s) => [s.metric[STATE], s.value]))).toEqual(waiting);
    expect((await panel('queueOldestPendingAge')).map((s) => s.value)).toEqual([((await queue.oldestPendingAgeMs()) ?? 0) / 1000]);
    expect((await panel('queueDeadlineSlack')).map((s) => s.value)).toEqual([-600]);
  });

  it('fires StormwatchDeferredWorkStale for the queue whose task is past its deadline, never for the calm one', async () => {
    const firing = await eventually(
      `${ALERT_DEFERRED_WORK_STALE} firing for ${QUEUE}`,
      async () =>
        (await activeAlerts(stack.endpoints.prometheus)).find(
          (a) => a.labels.alertname === ALERT_DEFERRED_WORK_STALE && a.labels[QUEUE_NAME] === QUEUE && a.state === 'firing',
        ),
      { timeoutMs: 60_000 },
    );
    expect(firing.labels).toEqual({ alertname: ALERT_DEFERRED_WORK_STALE, severity: 'warning', [JOB]: SERVICE, [QUEUE_NAME]: QUEUE });
    expect(firing.annotations.summary).toBe(`${SERVICE}: deferred work in queue ${QUEUE} is past its deadline`);
    expect(firing.annotations.runbook_url).toBe(`docs/runbooks/${ALERT_DEFERRED_WORK_STALE}.md`);
    // The calm queue was evaluated all along (its slack is recorded, positive) and the alert
    // was never even pending for it.
    const calmSlack = await query(`${RULE_QUEUE_DEADLINE_SLACK}${sel(ofQueue(CALM))}`);
    expect(calmSlack).toHaveLength(1);
    expect(calmSlack[0]!.value).toBeGreaterThan(0);
    expect(await query(`count_over_time(ALERTS${sel({ alertname: ALERT_DEFERRED_WORK_STALE, [QUEUE_NAME]: CALM })}[10m])`)).toEqual([]);
  });
});
