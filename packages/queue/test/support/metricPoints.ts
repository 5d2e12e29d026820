import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';

/** A metric reader collected by hand (cumulative), as in @stormwatch/probe's tests. */
class TestReader extends MetricReader {
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

/** A meter provider read by hand: `collect()` the metrics, `points(name)` one metric's [attributes, value] pairs. */
export function metricPoints() {
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const collect = async () => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length) throw new AggregateError(errors);
    return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  };
  const points = async (name: string) =>
    ((await collect()).find((m) => m.descriptor.name === name)?.dataPoints ?? []).map((p: DataPoint<unknown>) => [{ ...p.attributes }, p.value] as const);
  return { meterProvider, collect, points };
}
