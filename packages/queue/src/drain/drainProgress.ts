import { systemClock, type Clock } from '@stormwatch/core';
import type { DrainOutcome } from './DrainOptions.js';

/** Where the progress line goes: a writable stream, a terminal or not. */
export interface ProgressStream {
  write(text: string): unknown;
  /** True on a terminal: one line, rewritten in place. Otherwise (a log, a pipe) plain lines. */
  readonly isTTY?: boolean;
}

/** Options of {@link drainProgress}. Durations in milliseconds. */
export interface DrainProgressOptions {
  /** Where to write. Defaults to `process.stderr`. */
  stream?: ProgressStream;
  /** Where elapsed time and the pace of the lines are read. Defaults to the system clock. */
  clock?: Clock;
  /** Off a terminal: at most one line per this many ms, only when something changed. Defaults to 10 s. */
  intervalMs?: number;
  /** On a terminal: the line is rewritten at most this often. Defaults to 200 ms. */
  ttyIntervalMs?: number;
  /** Words before the figures. Defaults to `drain`. */
  label?: string;
}

/** What {@link drainProgress} returns. */
export interface DrainProgress {
  /** Pass as `drainDeferred`'s `onOutcome` (or call from yours). */
  readonly onOutcome: (outcome: DrainOutcome) => void;
  /** Writes the final line (ending the terminal's line) and stops. Idempotent. */
  stop(): void;
  /** The line as it reads now. */
  line(): string;
}

/**
 * A progress line for a drain: on a terminal one line rewritten in place (`\r`, cleared to its
 * end) as tasks settle; in a log or a pipe a plain line at most every `intervalMs` while the
 * figures change, so a long drain shows it is alive without flooding the log; the final line
 * on `stop()`. Counts what `drainDeferred` reports: done (duplicates included), failed (to be
 * retried), dead, released, and the pace of done tasks since the first outcome.
 *
 * @example
 * const progress = drainProgress();
 * await drainDeferred(queue, handler, { onOutcome: progress.onOutcome, stopWhenIdle: true });
 * progress.stop();
 */
export function drainProgress(options: DrainProgressOptions = {}): DrainProgress {
  const stream = options.stream ?? process.stderr;
  const clock = options.clock ?? systemClock;
  const intervalMs = positive('intervalMs', options.intervalMs ?? 10_000);
  const ttyIntervalMs = positive('ttyIntervalMs', options.ttyIntervalMs ?? 200);
  const label = options.label ?? 'drain';
  if (typeof stream?.write !== 'function') throw new TypeError(`drainProgress: stream must have write(), got ${String(stream)}`);
  if (typeof clock?.now !== 'function') throw new TypeError('drainProgress: clock must have now()');
  const tty = stream.isTTY === true;
  const counts = { done: 0, failed: 0, dead: 0, released: 0 };
  const startedAt = clock.now();
  let writtenAt: number | undefined;
  let changed = false;
  let stopped = false;

  const line = (): string => {
    const seconds = Math.max(0, clock.now() - startedAt) / 1000;
    const pace = seconds > 0 ? ` (${(counts.done / seconds).toFixed(1)}/s)` : '';
    return `${label}: ${counts.done} done, ${counts.failed} failed, ${counts.dead} dead, ${counts.released} released in ${formatSeconds(seconds)}${pace}`;
  };
  const write = (final: boolean) => {
    writtenAt = clock.now();
    changed = false;
    stream.write(tty ? `\r\x1b[2K${line()}${final ? '\n' : ''}` : `${line()}\n`);
  };

  return {
    onOutcome(outcome) {
      if (stopped) return;
      switch (outcome.outcome) {
        case 'drained':
          counts.done++;
          break;
        case 'failed':
          counts.failed++;
          break;
        case 'dead':
          counts.dead++;
          break;
        case 'released':
          counts.released++;
          break;
      }
      changed = true;
      const now = clock.now();
      if (writtenAt === undefined || now - writtenAt >= (tty ? ttyIntervalMs : intervalMs)) write(false);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      // Off a terminal, a final line only when it says something the last one did not.
      if (tty || changed || writtenAt === undefined) write(true);
    },
    line,
  };
}

function positive(name: string, value: number): number {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) throw new RangeError(`drainProgress: ${name} must be a positive number of milliseconds, got ${String(value)}`);
  return value;
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.floor(s % 60)} s`;
  return `${(s / 3600).toFixed(1)} h`;
}
