import type { Counter, Histogram, Meter, MetricOptions, ObservableCounter, ObservableGauge } from '@opentelemetry/api';
import {
  METRIC_ADMISSION_QUEUE_DEPTH,
  METRIC_ADMISSION_RATE,
  METRIC_ADMISSION_REFUSALS,
  METRIC_ADMISSION_WAIT,
  METRIC_ATTEMPTS,
  METRIC_BREAKER_STATE,
  METRIC_BREAKER_TRANSITIONS,
  METRIC_BUDGET_REJECTIONS,
  METRIC_CALL_ATTEMPTS,
  METRIC_CALL_DURATION,
  METRIC_CALLS,
  METRIC_COST_USD,
  METRIC_FALLBACKS,
  METRIC_GEN_AI_OPERATION_DURATION,
  METRIC_GEN_AI_TOKEN_USAGE,
  METRIC_LIMITER_RATE,
  METRIC_RATELIMIT_REMAINING,
  METRIC_RETRY_DELAY,
  METRIC_STORE_ERRORS,
  METRIC_STORE_LOCAL_ANSWERS,
  METRIC_STORE_SHARING,
  METRIC_TOKENS_WASTED,
  metricDefinition,
} from '@stormwatch/conventions';
import { SharedGauges } from './gauges.js';

/** Every instrument of the contract, created with the contract's unit, description and buckets. */
export interface Instruments {
  readonly calls: Counter;
  readonly attempts: Counter;
  readonly callDuration: Histogram;
  readonly callAttempts: Histogram;
  readonly retryDelay: Histogram;
  readonly budgetRejections: Counter;
  readonly breakerTransitions: Counter;
  readonly breakerState: ObservableGauge;
  readonly fallbacks: Counter;
  readonly tokensWasted: Counter;
  readonly costUsd: Counter;
  readonly ratelimitRemaining: ObservableGauge;
  readonly limiterRate: ObservableGauge;
  readonly admissionWait: Histogram;
  readonly admissionRefusals: Counter;
  readonly admissionQueueDepth: ObservableGauge;
  readonly admissionRate: ObservableGauge;
  readonly storeSharing: ObservableGauge;
  /** Observed: the stores count their local answers themselves (cumulative, read at collection). */
  readonly storeLocalAnswers: ObservableCounter;
  readonly storeErrors: Counter;
  readonly operationDuration: Histogram;
  readonly tokenUsage: Histogram;
}

function optionsOf(name: string): MetricOptions {
  const d = metricDefinition(name);
  return {
    description: d.description,
    unit: d.unit,
    ...(d.buckets ? { advice: { explicitBucketBoundaries: [...d.buckets] } } : {}),
  };
}

function createInstruments(meter: Meter): Instruments {
  const counter = (name: string) => meter.createCounter(name, optionsOf(name));
  const histogram = (name: string) => meter.createHistogram(name, optionsOf(name));
  const gauge = (name: string) => meter.createObservableGauge(name, optionsOf(name));
  return {
    calls: counter(METRIC_CALLS),
    attempts: counter(METRIC_ATTEMPTS),
    callDuration: histogram(METRIC_CALL_DURATION),
    callAttempts: histogram(METRIC_CALL_ATTEMPTS),
    retryDelay: histogram(METRIC_RETRY_DELAY),
    budgetRejections: counter(METRIC_BUDGET_REJECTIONS),
    breakerTransitions: counter(METRIC_BREAKER_TRANSITIONS),
    breakerState: gauge(METRIC_BREAKER_STATE),
    fallbacks: counter(METRIC_FALLBACKS),
    tokensWasted: counter(METRIC_TOKENS_WASTED),
    costUsd: counter(METRIC_COST_USD),
    ratelimitRemaining: gauge(METRIC_RATELIMIT_REMAINING),
    limiterRate: gauge(METRIC_LIMITER_RATE),
    admissionWait: histogram(METRIC_ADMISSION_WAIT),
    admissionRefusals: counter(METRIC_ADMISSION_REFUSALS),
    admissionQueueDepth: gauge(METRIC_ADMISSION_QUEUE_DEPTH),
    admissionRate: gauge(METRIC_ADMISSION_RATE),
    storeSharing: gauge(METRIC_STORE_SHARING),
    storeLocalAnswers: meter.createObservableCounter(METRIC_STORE_LOCAL_ANSWERS, optionsOf(METRIC_STORE_LOCAL_ANSWERS)),
    storeErrors: counter(METRIC_STORE_ERRORS),
    operationDuration: histogram(METRIC_GEN_AI_OPERATION_DURATION),
    tokenUsage: histogram(METRIC_GEN_AI_TOKEN_USAGE),
  };
}

/** Instruments (and the gauges' callbacks) are shared by every instrumentation on the same meter. */
const byMeter = new WeakMap<Meter, { instruments: Instruments; gauges: SharedGauges }>();

/** The instruments of `meter`, created on first use, and the gauges every policy on it adds to. */
export function instrumentsFor(meter: Meter): { instruments: Instruments; gauges: SharedGauges } {
  let found = byMeter.get(meter);
  if (!found) {
    const instruments = createInstruments(meter);
    byMeter.set(meter, (found = { instruments, gauges: new SharedGauges(instruments, meter) }));
  }
  return found;
}
