/**
 * Per-second series of one run, for the report's charts: what the service saw each
 * second of virtual time.
 */
import type { PolicyRun } from './runPolicy.js';
import { isBilledWaste, isHttp529, openCallsPerSecond } from './figures.js';
import { DEFAULT_PRICES, costUsd, type PriceTable } from './pricing.js';

export interface Timeline {
  /** Number of one-second buckets; bucket `s` covers [s, s+1) s of virtual time. */
  readonly seconds: number;
  /** Attempts sent in each second. */
  readonly attempts: readonly number[];
  /** HTTP 529 answers in each second (by the time the service answered). */
  readonly http529: readonly number[];
  /** Calls that succeeded in each second. */
  readonly successes: readonly number[];
  /** Calls in progress at the start of each second. */
  readonly openCalls: readonly number[];
  /** Input tokens resent so far (attempts after a call's first), at the end of each second. */
  readonly cumulativeResentTokens: readonly number[];
  /** Billed waste in USD so far, at the end of each second. */
  readonly cumulativeWastedUsd: readonly number[];
  /** A close-up of the storm's onset: attempts sent per {@link ZOOM_BIN_MS} from {@link zoomStartMs}, {@link ZOOM_BINS} bins. */
  readonly zoomAttempts: readonly number[];
  /** Start of the close-up, ms of virtual time (1 s before the storm). */
  readonly zoomStartMs: number;
}

/** Width of a close-up bin, ms. */
export const ZOOM_BIN_MS = 100;
/** Number of close-up bins (20 s). */
export const ZOOM_BINS = 200;

export function computeTimeline(run: PolicyRun, seconds = Math.ceil(run.endMs / 1000), prices: PriceTable = DEFAULT_PRICES): Timeline {
  const zeros = () => new Array<number>(seconds).fill(0);
  const attempts = zeros();
  const http529 = zeros();
  const successes = zeros();
  const resent = zeros();
  const wasted = zeros();
  const bucket = (ms: number) => Math.min(seconds - 1, Math.max(0, Math.floor(ms / 1000)));
  const seen = new Set<number>();
  for (const a of run.attempts) {
    attempts[bucket(a.sentAtMs)]! += 1;
    if (isHttp529(a)) http529[bucket(a.endedAtMs ?? a.sentAtMs)]! += 1;
    if (seen.has(a.callId)) resent[bucket(a.sentAtMs)]! += a.inputTokens;
    else seen.add(a.callId);
    if (isBilledWaste(a)) wasted[bucket(a.endedAtMs ?? a.sentAtMs)]! += costUsd(prices, a.model, a.billedInputTokens, a.billedOutputTokens);
  }
  for (const c of run.calls) if (c.ok && c.endMs !== undefined) successes[bucket(c.endMs)]! += 1;
  const zoomStartMs = Math.max(0, run.scenario.storm.startS * 1000 - 1000);
  const zoomAttempts = new Array<number>(ZOOM_BINS).fill(0);
  for (const a of run.attempts) {
    const bin = Math.floor((a.sentAtMs - zoomStartMs) / ZOOM_BIN_MS);
    if (bin >= 0 && bin < ZOOM_BINS) zoomAttempts[bin]! += 1;
  }
  const cumulative = (xs: number[]) => {
    let sum = 0;
    return xs.map((x) => (sum += x));
  };
  return {
    seconds,
    attempts,
    http529,
    successes,
    openCalls: openCallsPerSecond(run, seconds - 1),
    cumulativeResentTokens: cumulative(resent),
    cumulativeWastedUsd: cumulative(wasted),
    zoomAttempts,
    zoomStartMs,
  };
}
