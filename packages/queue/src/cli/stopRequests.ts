/**
 * Subscribes `listener` to requests to stop (a typed event: returns the unsubscribe). The
 * CLI's drain listens while it runs; tests pass their own.
 */
export type StopRequests = (listener: (signal: string) => void) => () => void;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * SIGINT and SIGTERM as stop requests: the first one is told to `listener` (the drain then
 * finishes or releases what it holds); a second one, while the drain is still stopping, is not
 * caught — the process ends as that signal would have ended it, and the tasks it held come
 * back to the queue once their lease expires.
 */
export const processStopRequests: StopRequests = (listener) => {
  let told = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!told) {
      told = true;
      listener(signal);
      return;
    }
    unsubscribe();
    process.kill(process.pid, signal);
  };
  const unsubscribe = () => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return unsubscribe;
};
