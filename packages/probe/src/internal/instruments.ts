import type { Counter, Histogram, Meter, ObservableGauge } from '@opentelemetry/api';
import { metricDefinition } from '@stormwatch/conventions';

/** Unit, description and bucket advice of a contract instrument, from its definition. */
function optionsOf(name: string) {
  const def = metricDefinition(name);
  return { unit: def.unit, description: def.description, ...(def.buckets ? { advice: { explicitBucketBoundaries: [...def.buckets] } } : {}) };
}

export const counter = (meter: Meter, name: string): Counter => meter.createCounter(name, optionsOf(name));
export const histogram = (meter: Meter, name: string): Histogram => meter.createHistogram(name, optionsOf(name));
export const observableGauge = (meter: Meter, name: string): ObservableGauge => meter.createObservableGauge(name, optionsOf(name));
