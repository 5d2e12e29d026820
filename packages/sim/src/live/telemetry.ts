/**
 * The live storm's telemetry: `@stormwatch/node` started before the fleet and shut down
 * (flushed) after it, in each process that runs clients.
 */
import type { StartOptions } from '@stormwatch/node';

/** `service.name` of the live storm's telemetry when `OTEL_SERVICE_NAME` is not set. */
export const LIVE_SERVICE_NAME = 'stormwatch-storm-lab';

/**
 * Starts `@stormwatch/node` when `wanted` (`true` or start options; `undefined`: when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set); resolves to
 * its shutdown, or undefined when off. Service name: `OTEL_SERVICE_NAME`, else
 * {@link LIVE_SERVICE_NAME}; metrics every 5 s unless `OTEL_METRIC_EXPORT_INTERVAL` says otherwise.
 */
export async function startLiveTelemetry(
  wanted: boolean | StartOptions | undefined,
  stderr: { write(text: string): void },
): Promise<(() => Promise<void>) | undefined> {
  const env = process.env;
  const on = wanted ?? Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (on === false) return undefined;
  // Loaded only when used: the OpenTelemetry SDK is not needed for the simulation.
  const node = await import('@stormwatch/node');
  const telemetry = node.start({
    serviceName: env.OTEL_SERVICE_NAME || LIVE_SERVICE_NAME,
    ...(env.OTEL_METRIC_EXPORT_INTERVAL ? {} : { metricExportIntervalMs: 5000 }),
    ...(on === true ? {} : on),
  });
  const where = (on === true ? undefined : on.tracesEndpoint) ?? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  stderr.write(`live: exporting telemetry over OTLP to ${where ?? 'the OTEL_* defaults'}\n`);
  return () => telemetry.shutdown();
}
