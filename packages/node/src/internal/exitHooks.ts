import { shutdown } from '../shutdown.js';

/**
 * Flushes telemetry when the process ends on its own (`beforeExit`) or on SIGTERM/SIGINT.
 * On a signal nobody else handles, the signal is raised again after the flush, so the
 * process still ends the way it would have without us.
 */
export function installExitHooks(): void {
  process.once('beforeExit', () => void shutdown());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const onSignal = (): void => {
      const alone = process.listenerCount(signal) === 1;
      process.removeListener(signal, onSignal);
      void shutdown().finally(() => {
        if (alone) process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
}
