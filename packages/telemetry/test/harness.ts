import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint, type MetricData } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { ErrorType } from '@stormwatch/conventions';
import { createPolicy, seededRandom, VirtualClock, type AttemptContext, type Classification, type Classifier, type Policy, type PolicyOptions } from '@stormwatch/core';
import { instrumentPolicy } from '../src/index.js';
import type { TelemetryOptions } from '../src/index.js';

/** Wall time at which the virtual clock starts (span times are read from it). */
export const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

/** An error that carries the classification the test wants the policy to see. */
export class ScriptedError extends Error {
  constructor(readonly classification: Classification) {
    super(`scripted ${classification.errorType}`);
  }
}

export const classify: Classifier = (error) =>
  error instanceof ScriptedError ? error.classification : { errorType: ErrorType.OTHER, retryable: false, overload: false, slowDown: false };

export const overloaded = (retryAfterMs?: number) =>
  new ScriptedError({ errorType: ErrorType.OVERLOADED, retryable: true, overload: true, slowDown: true, status: 529, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
export const badRequest = () => new ScriptedError({ errorType: ErrorType.INVALID_REQUEST, retryable: false, overload: false, slowDown: false, status: 400 });

/**
 * A metric reader collected by hand. Delta temporality: a gauge series not observed at a
 * collection is absent from it (a cumulative reader repeats the last value of every series it saw).
 */
export class TestReader extends MetricReader {
  constructor(temporality: AggregationTemporality = AggregationTemporality.CUMULATIVE) {
    super({ aggregationTemporalitySelector: () => temporality });
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

let contextManager: AsyncLocalStorageContextManager | undefined;
/** Context propagation across awaits, as the Node SDK sets it up. */
export function ensureContextManager(): void {
  if (contextManager) return;
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
}

/** A policy on a virtual clock, instrumented into in-memory trace and metric exporters. */
export function setup(options: Partial<PolicyOptions> = {}, telemetry: TelemetryOptions = {}) {
  ensureContextManager();
  const clock = new VirtualClock(T0);
  const policy: Policy = createPolicy({ name: 'chat', classify, clock, random: seededRandom(1), ...options });
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const handle = instrumentPolicy(policy, { tracerProvider, meterProvider, ...telemetry });

  const spans = () => exporter.getFinishedSpans();
  const spanNamed = (name: string): ReadableSpan[] => spans().filter((s) => s.name === name);
  const collect = () => collectFrom(reader);
  const points = (name: string) => pointsFrom(reader, name);
  return { clock, policy, exporter, tracerProvider, meterProvider, handle, spans, spanNamed, collect, points };
}

/** Every metric one collection of `reader` holds. */
export async function collectFrom(reader: MetricReader): Promise<MetricData[]> {
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length) throw new AggregateError(errors);
  return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
}

/** Every point of one metric in one collection of `reader`, as { attributes, value }. */
export async function pointsFrom(reader: MetricReader, name: string): Promise<Array<{ attributes: Record<string, unknown>; value: unknown }>> {
  const metric = (await collectFrom(reader)).find((m) => m.descriptor.name === name);
  return (metric?.dataPoints ?? []).map((p: DataPoint<unknown>) => ({ attributes: { ...p.attributes }, value: p.value }));
}

/** An attempt function that plays outcomes in order: an Error is thrown, anything else returned. */
export function script<T>(outcomes: Array<T | Error>, during?: (ctx: AttemptContext) => void) {
  return async (ctx: AttemptContext): Promise<T> => {
    during?.(ctx);
    if (outcomes.length === 0) throw new Error('script ran out of outcomes');
    const next = outcomes.shift()!;
    if (next instanceof Error) throw next;
    return next;
  };
}

/** Runs `promise` to completion in virtual time and returns how it settled. */
export async function settle<T>(clock: VirtualClock, promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const result = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await clock.runAll();
  return result;
}

/** A span's events as { name, attributes }, for comparing whole attribute objects. */
export function eventsOf(span: ReadableSpan): Array<{ name: string; attributes: Record<string, unknown> }> {
  return span.events.map((e) => ({ name: e.name, attributes: { ...e.attributes } }));
}

/** Span start/end in epoch milliseconds. */
export function msOf(time: readonly [number, number]): number {
  return time[0] * 1000 + time[1] / 1e6;
}
