import { metrics, trace, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { createModelAllowList, type ModelAllowList } from '@stormwatch/conventions';
import { CAPTURE_CONTENT_ENV, type TelemetryOptions } from '../TelemetryOptions.js';

const DEFAULT_MAX_CONTENT_LENGTH = 16_384;

/** Content capture settings of one instrumentation. */
export interface ContentCapture {
  /** Longest content attribute, in characters. */
  readonly maxLength: number;
}

/** {@link TelemetryOptions} checked, with every default applied. */
export interface ResolvedOptions {
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  /** The model allow-list of metrics. */
  readonly modelOf: ModelAllowList;
  /** Undefined when content capture is off. */
  readonly capture: ContentCapture | undefined;
}

function validate(options: TelemetryOptions, caller: string): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${caller}: options must be an object, got ${String(options)}`);
  const { maxContentLength, captureMessageContent } = options;
  if (maxContentLength !== undefined && !(Number.isInteger(maxContentLength) && maxContentLength > 0)) {
    throw new RangeError(`${caller}: maxContentLength must be a positive integer, got ${String(maxContentLength)}`);
  }
  if (captureMessageContent !== undefined && typeof captureMessageContent !== 'boolean') {
    throw new TypeError(`${caller}: captureMessageContent must be a boolean, got ${String(captureMessageContent)}`);
  }
}

/** Checks `options` (a bad value throws, naming it and `caller`, the function the user called) and applies the defaults. */
export function resolveOptions(options: TelemetryOptions, caller = 'instrumentPolicy'): ResolvedOptions {
  validate(options, caller);
  const capture = options.captureMessageContent ?? process.env[CAPTURE_CONTENT_ENV]?.toLowerCase() === 'true';
  return {
    tracerProvider: options.tracerProvider ?? trace.getTracerProvider(),
    meterProvider: options.meterProvider ?? metrics.getMeterProvider(),
    modelOf: createModelAllowList(options.models),
    capture: capture ? { maxLength: options.maxContentLength ?? DEFAULT_MAX_CONTENT_LENGTH } : undefined,
  };
}
