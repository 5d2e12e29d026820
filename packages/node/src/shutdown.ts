import { diag } from '@opentelemetry/api';
import { shutDownOwnProviders, unregisterOwnProviders } from './internal/ownProviders.js';
import { slot, type Running } from './internal/state.js';

/**
 * Stops the telemetry {@link start} set up: removes the policy instrumentation, flushes
 * the spans and metrics still queued, shuts down the providers `start()` made and removes
 * them from the global API (so `start()` may be called again). Providers the application
 * registered are never shut down or unregistered: when `start()` found some, this only
 * removes the instrumentation it added. Never rejects; returns within the
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
  const own = running.own;
  const flushed = (own ? shutDownOwnProviders(own) : Promise.resolve()).then(
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
    if (own) unregisterOwnProviders(own);
  }
}
