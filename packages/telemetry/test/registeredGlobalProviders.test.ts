import { metrics, trace } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { registeredGlobalProviders } from '../src/index.js';

afterEach(() => {
  trace.disable();
  metrics.disable();
});

describe('registeredGlobalProviders', () => {
  it('finds nothing behind the API when no SDK was registered', () => {
    expect(registeredGlobalProviders()).toEqual({});
  });

  it('finds the tracer provider behind the global proxy, and the meter provider', () => {
    const tracerProvider = new TracerProvider();
    trace.setGlobalTracerProvider(tracerProvider);
    expect(registeredGlobalProviders()).toEqual({ tracerProvider });
    const meterProvider = new MeterProvider();
    metrics.setGlobalMeterProvider(meterProvider);
    expect(registeredGlobalProviders()).toEqual({ tracerProvider, meterProvider });
  });
});
