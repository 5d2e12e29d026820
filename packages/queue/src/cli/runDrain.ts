import { drainDeferred } from '../drain/drainDeferred.js';
import type { DrainHandler } from '../drain/DrainOptions.js';
import { drainProgress, type ProgressStream } from '../drain/drainProgress.js';
import type { TaskQueue } from '../TaskQueue.js';
import type { StopRequests } from './stopRequests.js';

/** What `stormwatch-queue drain` was asked for. */
export interface DrainCommand {
  /** Most tasks run at once (`--concurrency`); drainDeferred's default (4) when absent. */
  readonly concurrency?: number;
  /** How long a claim holds a task (`--lease-ms`), in milliseconds; drainDeferred's default (60 s) when absent. */
  readonly leaseMs?: number;
  /** `--stop-when-idle`: end once nothing is due and nothing runs (a batch job), instead of waiting for more work. */
  readonly stopWhenIdle: boolean;
  /** `--json`: print the summary as JSON on stdout at the end. */
  readonly json: boolean;
}

/** Where the drain writes, and what tells it to stop. */
export interface DrainIo {
  readonly stdout: { write(text: string): void };
  /** The progress line goes here: rewritten in place on a terminal (`isTTY`), plain lines otherwise. */
  readonly stderr: ProgressStream & { write(text: string): void };
  /** SIGINT/SIGTERM in the command; none, nothing stops the drain but idleness or a queue failure. */
  readonly stopRequests?: StopRequests;
}

/**
 * Drains `queue` through `handler` with a progress line on stderr, until a stop request (the
 * tasks in hand finish, or are released to `pending` when their handler gives up on its
 * signal) or — with `stopWhenIdle` — until nothing is left to do. Resolves with exit status 0;
 * a failing queue rejects (after the tasks in hand settle), as `drainDeferred` does.
 */
export async function runDrain(queue: TaskQueue, handler: DrainHandler, command: DrainCommand, io: DrainIo): Promise<number> {
  const stop = new AbortController();
  const progress = drainProgress({ stream: io.stderr });
  const unsubscribe = io.stopRequests?.((signal) => {
    // On a terminal, the progress line is being rewritten in place: clear it first.
    const clear = io.stderr.isTTY === true ? '\r\x1b[2K' : '';
    io.stderr.write(`${clear}stormwatch-queue: ${signal}: stopping — the tasks in hand finish, or go back to pending (${signal} again ends the process now; what it holds then returns after its lease)\n`);
    stop.abort(new Error(`stormwatch-queue drain stopped by ${signal}`));
  });
  let summary;
  try {
    summary = await drainDeferred(queue, handler, {
      signal: stop.signal,
      stopWhenIdle: command.stopWhenIdle,
      onOutcome: progress.onOutcome,
      ...(command.concurrency === undefined ? {} : { concurrency: command.concurrency }),
      ...(command.leaseMs === undefined ? {} : { leaseMs: command.leaseMs }),
    });
  } finally {
    unsubscribe?.();
    progress.stop();
  }
  if (command.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
  return 0;
}
