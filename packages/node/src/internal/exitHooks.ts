import { slot } from './state.js';
import { shutdownRunning } from '../shutdown.js';

/**
 * Flushes, then reports whether the flush gave up at its timeout: exports to a collector
 * that is down or stuck may then still hold the event loop (retry timers, open sockets).
 */
async function flushForExit(): Promise<boolean> {
  const running = slot.current;
  if (!running) return false;
  await shutdownRunning(running);
  return running.outcome === 'timeout';
}

/**
 * Flushes telemetry when the process ends on its own (`beforeExit`) or on SIGTERM/SIGINT.
 * On a signal nobody else handles, the signal is raised again after the flush, so the
 * process still ends the way it would have without us. When the application ended on its
 * own but the flush gave up (collector down or stuck), the process exits at once with the
 * application's exit code instead of waiting for the exporters' own retries to time out.
 */
export function installExitHooks(): void {
  process.once('beforeExit', () => {
    void flushForExit().then((gaveUp) => {
      if (gaveUp) process.exit();
    });
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const onSignal = (): void => {
      const alone = process.listenerCount(signal) === 1;
      process.removeListener(signal, onSignal);
      void flushForExit().finally(() => {
        if (alone) process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
}
