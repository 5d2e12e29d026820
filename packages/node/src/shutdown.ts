import { context, diag, metrics, propagation, trace } from '@opentelemetry/api';
import { slot, type Running } from './internal/state.js';

/**
 * Stops the telemetry {@link start} set up: removes the policy instrumentation, flushes
 * the spans and metrics still queued, shuts the SDK down and restores the no-op global
 * providers (so `start()` may be called again). Never rejects; returns within the
 * `shutdownTimeoutMs` given to `start()` (default 5000 ms) even when the collector is
 * down or never answers — what is still unsent then is dropped and reported to `diag`.
 * Does nothing when telemetry is not running; concurrent calls share one shutdown.
 */
export function shutdown(): Promise<void> {
  const running = slot.current;
  if (!running) return Promise.resolve();
  return shutdownRunning(running);
}

/** Shuts one started instance down; every caller awaits the same shutdown. */
export function shutdownRunning(running: Running): Promise<void> {
  running.stopping ??= stop(running);
  return running.stopping;
}

async function stop(running: Running): Promise<void> {
  try {
    running.instrumentation?.dispose();
  } catch (error) {
    diag.error('@stormwatch/node: removing the policy instrumentation failed', error);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), running.shutdownTimeoutMs);
    timer.unref();
  });
  const flushed = running.sdk.shutdown().then(
    () => 'done' as const,
    (error: unknown) => {
      diag.error('@stormwatch/node: flushing telemetry at shutdown failed', error);
      return 'failed' as const;
    },
  );
  const result = await Promise.race([flushed, timedOut]);
  running.outcome = result;
  clearTimeout(timer);
  if (result === 'timeout') diag.warn(`@stormwatch/node: telemetry flush did not finish within ${running.shutdownTimeoutMs} ms; unsent data dropped`);
  if (slot.current === running) {
    slot.current = undefined;
    trace.disable();
    metrics.disable();
    propagation.disable();
    context.disable();
  }
}
