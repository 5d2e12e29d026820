import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';

/** A metric reader collected by hand (cumulative), as in @stormwatch/telemetry's tests. */
export class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

export interface Point {
  attributes: Record<string, unknown>;
  value: unknown;
}

/** An in-memory meter provider and a way to read one metric's points from it. */
export function inMemoryMetrics() {
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const points = async (name: string): Promise<Point[]> => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length) throw new AggregateError(errors);
    const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? []).map((p: DataPoint<unknown>) => ({ attributes: { ...p.attributes }, value: p.value }));
  };
  return { meterProvider, points };
}
