import type { StartOptions } from '../StartOptions.js';
import { isProtocol } from './exporters.js';

const POSITIVE_INTS = [
  'exportTimeoutMs',
  'maxQueueSize',
  'maxExportBatchSize',
  'scheduledDelayMs',
  'metricExportIntervalMs',
  'shutdownTimeoutMs',
] as const satisfies readonly (keyof StartOptions)[];

/** Throws a TypeError or RangeError naming the first bad option. */
export function validateStartOptions(options: StartOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`start: options must be an object, got ${String(options)}`);
  for (const key of POSITIVE_INTS) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new RangeError(`start: ${key} must be a positive integer (ms or count), got ${String(value)}`);
    }
  }
  if (options.protocol !== undefined && !isProtocol(options.protocol)) {
    throw new RangeError(`start: protocol must be "http/protobuf" or "http/json", got ${JSON.stringify(options.protocol)}`);
  }
  for (const key of ['tracesEndpoint', 'metricsEndpoint'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
      throw new TypeError(`start: ${key} must be an http(s) URL, got ${JSON.stringify(value)}`);
    }
  }
  if (options.serviceName !== undefined && (typeof options.serviceName !== 'string' || options.serviceName === '')) {
    throw new TypeError(`start: serviceName must be a non-empty string, got ${JSON.stringify(options.serviceName)}`);
  }
  if (options.maxExportBatchSize !== undefined && options.maxQueueSize !== undefined && options.maxExportBatchSize > options.maxQueueSize) {
    throw new RangeError(`start: maxExportBatchSize (${options.maxExportBatchSize}) must not exceed maxQueueSize (${options.maxQueueSize})`);
  }
}
