import type { ResilientClient } from '@stormwatch/anthropic';
import type { Clock, Random } from '@stormwatch/core';
import { failureOf } from './failureOf.js';
import { nextDelay } from './nextDelay.js';
import type { ProbeMetrics } from './ProbeMetrics.js';

/** The fixed one-word prompt of every probe request (answered with `max_tokens: 1`). */
export const PROBE_PROMPT = 'ping';

export interface ModelProbeSettings {
  readonly client: ResilientClient;
  readonly model: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly intervalMs: number;
  readonly jitter: number;
  readonly timeoutMs: number;
  readonly metrics: ProbeMetrics;
  /** Called once when the API rejects the key; the loop then ends. */
  readonly onKeyRejected: (status: 401 | 403, cause: unknown) => void;
}

const aborted = Symbol('aborted');

/**
 * One model's probe loop: send, record, wait, send again. One request at a time by
 * construction — the next one is not started before the previous one ended — at a steady
 * pace counted from the previous start ({@link nextDelay}).
 */
export async function runModelProbe(s: ModelProbeSettings, signal: AbortSignal): Promise<void> {
  let lastStart: number | undefined;
  while (!signal.aborted) {
    const delay = lastStart === undefined ? 0 : nextDelay(s.intervalMs, s.jitter, s.clock.now() - lastStart, s.random);
    // No timer for a probe that is due already (the previous one took longer than the interval).
    if (delay > 0 && (await s.clock.sleep(delay, signal).catch(() => aborted)) === aborted) return;
    lastStart = s.clock.now();
    if (!(await probeOnce(s, lastStart, signal))) return;
  }
}

/** Sends one probe request and records it; false when the loop must end. */
async function probeOnce(s: ModelProbeSettings, startedAt: number, signal: AbortSignal): Promise<boolean> {
  try {
    await s.client.messages.create(
      { model: s.model, max_tokens: 1, messages: [{ role: 'user', content: PROBE_PROMPT }] },
      { signal, timeout: s.timeoutMs, deadlineMs: s.timeoutMs, allowFallback: false },
    );
    s.metrics.success(s.model, (s.clock.now() - startedAt) / 1000);
    return true;
  } catch (error) {
    // Stopping aborts the request in flight: that is no failure of the API.
    if (signal.aborted) return false;
    const failure = failureOf(error);
    if (failure.kind === 'key_rejected') {
      s.onKeyRejected(failure.status, error);
      return false;
    }
    s.metrics.failure(s.model, (s.clock.now() - startedAt) / 1000, failure.errorType);
    return true;
  }
}
