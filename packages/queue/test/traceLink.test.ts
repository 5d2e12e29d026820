import { SpanStatusCode, type SpanContext } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import {
  ATTR_ABANDON_DECISION,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_POLICY,
  ATTR_QUEUE_DEAD_REASON,
  ATTR_QUEUE_OUTCOME,
  ATTR_QUEUE_RETRY_AT,
  ATTR_QUEUE_TASK_ATTEMPT,
  ATTR_QUEUE_TASK_ID,
  AbandonDecision,
  EVENT_ABANDON,
  EVENT_QUEUE_DEFER,
  EVENT_QUEUE_DRAIN,
  SPAN_CALL,
  SPAN_QUEUE_TASK,
} from '@stormwatch/conventions';
import { isCallDeferredError, VirtualClock } from '@stormwatch/core';
import { redisDeferrer } from '@stormwatch/redis';
import { findRedisServer, startRedisServer } from '@stormwatch/redis/server';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { overloaded, settle, setup as instrumentedPolicy, T0 } from '../../telemetry/test/harness.js';
import { drainDeferred, sqliteDeferrer, type SqliteDeferrer } from '../src/index.js';
import { opus, task, useTempDir } from './support/queueFiles.js';

const { queuePath } = useTempDir();
const open: SqliteDeferrer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((q) => q.close()));
});

const idsOf = (c: SpanContext) => ({ traceId: c.traceId, spanId: c.spanId });
const eventsOf = (span: ReadableSpan) => span.events.map((e) => ({ name: e.name, attributes: { ...e.attributes } }));

function drainTracing() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  return { tracerProvider, spans: (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name) };
}

describe('defer → drain trace link', () => {
  it('links the span of the drained task to the span of the call the instrumented policy deferred, and runs the re-run inside it', async () => {
    // The queue's clock reads the same times as the policy's (both start at T0).
    const queue = sqliteDeferrer({ path: queuePath(), clock: new VirtualClock(T0 + 60_000) });
    open.push(queue);
    const t = instrumentedPolicy({ breaker: false, admission: false, abandon: { deferrer: queue, deferIfRemainingMs: 300_000 } });

    // The call is overloaded, its deadline is far away: the policy defers it into the SQLite queue.
    const deferred = await settle(t.clock, t.policy.execute(async () => { throw overloaded(); }, { model: opus, deadlineMs: 3_600_000, deferPayload: { prompt: 'hi' } }));
    expect(isCallDeferredError(deferred.error)).toBe(true);
    const taskId = (deferred.error as { receipt: { id: string } }).receipt.id;
    const [deferredCall] = t.spanNamed(SPAN_CALL);
    expect(eventsOf(deferredCall!).map((e) => e.name)).toEqual([EVENT_ABANDON, EVENT_QUEUE_DEFER]);
    expect(eventsOf(deferredCall!)[0]!.attributes[ATTR_ABANDON_DECISION]).toBe(AbandonDecision.DEFER);
    expect(eventsOf(deferredCall!)[1]).toEqual({ name: EVENT_QUEUE_DEFER, attributes: { [ATTR_QUEUE_TASK_ID]: taskId } });
    // What the queue kept: the call span's W3C traceparent.
    const { traceId, spanId } = deferredCall!.spanContext();
    expect((await queue.get(taskId))?.traceparent).toBe(`00-${traceId}-${spanId}-01`);

    // Later, the drain runs the task through the same instrumented policy.
    const summary = await drainDeferred(
      queue,
      async (claimed) => {
        const rerun = t.policy.execute(async () => 'summary', { model: claimed.model });
        await t.clock.runAll();
        return rerun;
      },
      { stopWhenIdle: true, tracerProvider: t.tracerProvider },
    );
    expect(summary).toEqual({ drained: 1, failed: 0, dead: 0, released: 0 });

    const [drained] = t.spanNamed(SPAN_QUEUE_TASK);
    expect(drained!.links.map((l) => idsOf(l.context))).toEqual([{ traceId, spanId }]);
    expect(drained!.spanContext().traceId).not.toBe(traceId); // a trace of its own, linked
    expect({ ...drained!.attributes }).toEqual({
      [ATTR_QUEUE_TASK_ID]: taskId,
      [ATTR_QUEUE_TASK_ATTEMPT]: 1,
      [ATTR_POLICY]: 'chat',
      [ATTR_GEN_AI_REQUEST_MODEL]: opus,
    });
    expect(eventsOf(drained!)).toEqual([{ name: EVENT_QUEUE_DRAIN, attributes: { [ATTR_QUEUE_OUTCOME]: 'done' } }]);
    expect(drained!.status.code).toBe(SpanStatusCode.UNSET);
    // The re-run's call span is a child of the drained task's span.
    const rerunCall = t.spanNamed(SPAN_CALL)[1];
    expect(rerunCall!.spanContext().traceId).toBe(drained!.spanContext().traceId);
    expect(rerunCall!.parentSpanContext?.spanId).toBe(drained!.spanContext().spanId);
  });

  it('records the failed and dead decisions, and a task without a trace context gets no link', async () => {
    const queue = sqliteDeferrer({ path: queuePath(), clock: new VirtualClock(1_000) });
    open.push(queue);
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const retried = await queue.defer(task({ callId: 1, traceparent }));
    const rejected = await queue.defer(task({ callId: 2, deferredAt: 1 }));
    const { tracerProvider, spans } = drainTracing();
    const badRequest = Object.assign(new Error('400 bad'), { status: 400 });
    let runs = 0;
    await drainDeferred(
      queue,
      async (claimed) => {
        runs++;
        throw claimed.id === retried.id ? Object.assign(new Error('529 overloaded'), { status: 529 }) : badRequest;
      },
      { stopWhenIdle: true, tracerProvider, random: () => 0.5, backoff: { baseMs: 60_000, capMs: 60_000 } },
    );
    expect(runs).toBe(2);
    const byId = new Map(spans(SPAN_QUEUE_TASK).map((s) => [s.attributes[ATTR_QUEUE_TASK_ID], s]));
    const failedSpan = byId.get(retried.id)!;
    expect(failedSpan.links.map((l) => idsOf(l.context))).toEqual([{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' }]);
    expect(eventsOf(failedSpan)).toEqual([{ name: EVENT_QUEUE_DRAIN, attributes: { [ATTR_QUEUE_OUTCOME]: 'failed', [ATTR_QUEUE_RETRY_AT]: 1_000 + 30_000 } }]);
    const deadSpan = byId.get(rejected.id)!;
    expect(deadSpan.links).toEqual([]);
    expect(eventsOf(deadSpan)).toEqual([{ name: EVENT_QUEUE_DRAIN, attributes: { [ATTR_QUEUE_OUTCOME]: 'dead', [ATTR_QUEUE_DEAD_REASON]: 'non_retryable' } }]);
    expect(deadSpan.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('refuses a tracerProvider that is not one', async () => {
    const queue = sqliteDeferrer({ path: queuePath() });
    open.push(queue);
    await expect(drainDeferred(queue, async () => undefined, { tracerProvider: {} as never })).rejects.toThrow(
      new TypeError('drainDeferred: tracerProvider must be an OpenTelemetry TracerProvider (with getTracer), got [object Object]'),
    );
  });
});

describe.skipIf(!(process.env.STORMWATCH_E2E === '1' || findRedisServer() !== undefined))('defer → drain trace link through a Redis queue', () => {
  it('links the drained task\'s span to the traceparent the Redis queue kept', async () => {
    const server = await startRedisServer();
    const queue = redisDeferrer({ url: server.url, prefix: `link:${randomUUID()}:` });
    try {
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const { id } = await queue.defer(task({ deferredAt: Date.now() - 1_000, traceparent }));
      const { tracerProvider, spans } = drainTracing();
      expect(await drainDeferred(queue, async () => undefined, { stopWhenIdle: true, tracerProvider })).toMatchObject({ drained: 1 });
      const [drained] = spans(SPAN_QUEUE_TASK);
      expect(drained!.attributes[ATTR_QUEUE_TASK_ID]).toBe(id);
      expect(drained!.links.map((l) => idsOf(l.context))).toEqual([{ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' }]);
      expect(drained!.links[0]!.context.isRemote).toBe(true);
    } finally {
      await queue.close();
      await server.stop();
    }
  }, 60_000);
});
