/**
 * The figures of one run, computed from the service's attempt records and the fleet's
 * call records (the ground truth), never from what a policy says about itself.
 */
import type { CallRecord } from './fleet.js';
import type { PolicyRun } from './runPolicy.js';
import type { AttemptRecord } from './SimulatedService.js';
import { DEFAULT_PRICES, costUsd, type PriceTable } from './pricing.js';
import { inWindow } from './scenarios/windows.js';

export interface Figures {
  readonly policyId: string;
  readonly label: string;
  /** Logical calls the application made. */
  readonly calls: number;
  /** HTTP attempts that reached the service. */
  readonly attempts: number;
  /** Attempts per call over the whole run. */
  readonly amplification: number;
  /** Attempts per call for the calls started during the storm window. */
  readonly stormAmplification: number;
  /** HTTP 529 answers (refused at arrival or shed before the first byte). */
  readonly http529: number;
  /** `overloaded_error` events inside a 200 stream. */
  readonly streamOverloaded: number;
  /** HTTP 429 answers. */
  readonly http429: number;
  /** Connection resets. */
  readonly resets: number;
  /** Input tokens sent again: those of every attempt after a call's first. */
  readonly resentInputTokens: number;
  /** Tokens billed for results thrown away (streams broken or abandoned after they started). */
  readonly billedWasteInputTokens: number;
  readonly billedWasteOutputTokens: number;
  /** Their cost in USD. */
  readonly wastedUsd: number;
  /** Share of calls that succeeded within their deadline, in [0, 1]. */
  readonly successWithinDeadline: number;
  /** Calls that succeeded at all (some after their deadline). */
  readonly succeeded: number;
  /** Calls answered by a fallback model. */
  readonly fallbackAnswers: number;
  /** Latency of successful calls (start to answer), ms. */
  readonly p50LatencyMs: number;
  readonly p99LatencyMs: number;
  /**
   * Time from the storm's end until the backlog is gone and calls no longer fail: the
   * first whole second, no earlier than the last failed call's end after the storm, at
   * which the calls in progress are back to at most the most seen in the 30 s before the
   * storm. Undefined when it never happens before the run ends.
   */
  readonly drainMs: number | undefined;
  /** {@link drainMs} over the oracle's; undefined for the oracle itself or when either is undefined/0. */
  readonly drainVsOracle: number | undefined;
  /** Share of calls that succeeded within their deadline, by when they started: before, during and after the storm. */
  readonly successByPhase: { readonly before: number; readonly storm: number; readonly after: number };
  /** Failed calls by what they failed with (error class, and HTTP status when there was one). */
  readonly failures: Readonly<Record<string, number>>;
  /** Every token billed (useful answers and waste), input and output, the Message Batches' included. */
  readonly billedInputTokens: number;
  readonly billedOutputTokens: number;
  /** Their cost in USD, at the price table (list price; a batch's tokens at half of it). */
  readonly billedUsd: number;
  /** What went through the Message Batches API (see {@link BatchFigures}); all 0 for a row that sends no batch. */
  readonly batch: BatchFigures;
  /** Calls the policy deferred to a durable queue, and what became of them (see {@link DeferralFigures}). */
  readonly deferral: DeferralFigures;
  /** HTTP 529s around the moment capacity returns (see {@link RecoveryFigures}). */
  readonly recovery: RecoveryFigures;
}

/** What became of the calls a policy deferred (all 0 for a policy that defers nothing). */
export interface DeferralFigures {
  /** Calls deferred to the queue. */
  readonly deferred: number;
  /**
   * Deferred calls the drain completed (answered) by the end of the run: after recovery, or
   * earlier through the trickle of capacity the outage left.
   */
  readonly completed: number;
  /** {@link completed} / {@link deferred}: none lost, none dead. Undefined when nothing was deferred. */
  readonly completedShare: number | undefined;
  /** Of {@link completed}, those answered after the storm's end (capacity back). */
  readonly completedAfterRecovery: number;
  /** Deferred calls answered within their original deadline. */
  readonly completedWithinDeadline: number;
  /** Attempts of deferred calls sent after they were deferred: the drain's requests. */
  readonly drainAttempts: number;
  /** HTTP 529s the drain's requests received, in all and in the first {@link RECOVERY_WINDOW_S} s after the storm's end. */
  readonly drain529s: number;
  readonly drain529sFirst30s: number;
}

/**
 * HTTP 529s when capacity returns, counted by when the service answered them, against the
 * calm rate before the storm. A **burst** is more 529s in the first
 * {@link RECOVERY_WINDOW_S} seconds after the storm's end than in the last
 * {@link RECOVERY_WINDOW_S} seconds before its start, plus a tolerance of 1 % of the
 * attempts sent in the window after (a stray 529 or two is no burst).
 */
export interface RecoveryFigures {
  /** 529s answered in `[storm.endS, storm.endS + 30 s)`. */
  readonly first30s: number;
  /** 529s answered in `[storm.endS, storm.endS + 60 s)`. */
  readonly first60s: number;
  /** 529s answered from the storm's end to the end of the run. */
  readonly after: number;
  /** 529s answered in the calm 30 s before the storm: the baseline. */
  readonly calm30s: number;
  /** Attempts sent in the first 30 s after the storm's end. */
  readonly attemptsFirst30s: number;
  /** Whether {@link first30s} is a burst (see {@link RecoveryFigures}). */
  readonly burst: boolean;
  /**
   * Calls in progress in the application's processes when capacity returned (started, not
   * ended, and not in a durable queue then): work held in memory, lost if a process restarts.
   */
  readonly heldInMemory: number;
  /** Deferred calls still in the durable queue when capacity returned. */
  readonly inQueue: number;
}

/**
 * The Message Batches a run sent, from the service's own records: the requests, what they
 * became, and what the succeeded ones were billed — at half the list price, the batch price
 * (`listUsd` is what the same tokens cost at the interactive endpoint).
 */
export interface BatchFigures {
  /** Batches created. */
  readonly batches: number;
  /** Requests sent in them (a task sent again after an expired batch counts again). */
  readonly requests: number;
  /** Requests answered `succeeded`. */
  readonly succeeded: number;
  /** Deferred calls whose answer came from a batch. */
  readonly callsAnswered: number;
  /** Tokens of the succeeded requests. */
  readonly billedInputTokens: number;
  readonly billedOutputTokens: number;
  /** What they were billed: half of {@link listUsd}. */
  readonly billedUsd: number;
  /** What the same tokens cost at the interactive (list) price. */
  readonly listUsd: number;
  /** Virtual ms from the first batch's creation to the last batch's end; 0 without batches. */
  readonly spanMs: number;
}

/** The share of the list price a Message Batch is billed: half. */
export const BATCH_PRICE_FACTOR = 0.5;

/** What the run's Message Batches did and cost (see {@link BatchFigures}). */
export function batchFigures(run: PolicyRun, prices: PriceTable = DEFAULT_PRICES): BatchFigures {
  const batches = run.batches ?? [];
  let requests = 0;
  let succeeded = 0;
  let input = 0;
  let output = 0;
  let listUsd = 0;
  const answeredCalls = new Set<number>();
  for (const b of batches) {
    for (const r of b.requests) {
      requests++;
      if (r.result !== 'succeeded') continue;
      succeeded++;
      answeredCalls.add(r.callId);
      input += r.inputTokens;
      output += r.outputTokens;
      listUsd += costUsd(prices, r.model, r.inputTokens, r.outputTokens);
    }
  }
  const ended = batches.filter((b) => b.endedAtMs !== undefined);
  return {
    batches: batches.length,
    requests,
    succeeded,
    // Answered by a batch: a deferred call with a succeeded batch request whose answer is not an interactive attempt's (`msg_sim_<seq>`).
    callsAnswered: run.calls.filter((c) => c.ok && c.deferredAtMs !== undefined && answeredCalls.has(c.id) && c.messageId?.startsWith('msg_sim_') === false).length,
    billedInputTokens: input,
    billedOutputTokens: output,
    billedUsd: listUsd * BATCH_PRICE_FACTOR,
    listUsd,
    spanMs: batches.length === 0 || ended.length === 0 ? 0 : Math.max(...ended.map((b) => b.endedAtMs!)) - Math.min(...batches.map((b) => b.createdAtMs)),
  };
}

/** Length of the windows {@link RecoveryFigures} compares, in s. */
export const RECOVERY_WINDOW_S = 30;

/** When the service gave an attempt its answer (or took it), ms. */
function answeredAtMs(a: AttemptRecord): number {
  return a.endedAtMs ?? a.arrivedAtMs ?? a.sentAtMs;
}

/** HTTP 529s after and before the storm (see {@link RecoveryFigures}). */
export function recoveryFigures(run: PolicyRun): RecoveryFigures {
  const { storm } = run.scenario;
  const endMs = storm.endS * 1000;
  const windowMs = RECOVERY_WINDOW_S * 1000;
  const count529 = (from: number, to: number) => run.attempts.filter((a) => isHttp529(a) && answeredAtMs(a) >= from && answeredAtMs(a) < to).length;
  const first30s = count529(endMs, endMs + windowMs);
  const calm30s = count529(Math.max(0, storm.startS * 1000 - windowMs), storm.startS * 1000);
  const attemptsFirst30s = run.attempts.filter((a) => a.sentAtMs >= endMs && a.sentAtMs < endMs + windowMs).length;
  return {
    first30s,
    first60s: count529(endMs, endMs + 2 * windowMs),
    after: count529(endMs, Number.POSITIVE_INFINITY),
    calm30s,
    attemptsFirst30s,
    burst: first30s > calm30s + 0.01 * attemptsFirst30s,
    heldInMemory: run.calls.filter((c) => c.startMs < endMs && (c.endMs ?? Infinity) > endMs && !(c.deferredAtMs !== undefined && c.deferredAtMs <= endMs)).length,
    inQueue: run.calls.filter((c) => c.deferredAtMs !== undefined && c.deferredAtMs <= endMs && (c.endMs ?? Infinity) > endMs).length,
  };
}

/** What became of the deferred calls (see {@link DeferralFigures}). */
export function deferralFigures(run: PolicyRun): DeferralFigures {
  const endMs = run.scenario.storm.endS * 1000;
  const deferred = run.calls.filter((c) => c.deferredAtMs !== undefined);
  const completed = deferred.filter((c) => c.ok);
  const after = completed.filter((c) => c.endMs! >= endMs);
  const deferredAt = new Map(deferred.map((c) => [c.id, c.deferredAtMs!]));
  const drain = run.attempts.filter((a) => a.sentAtMs >= (deferredAt.get(a.callId) ?? Infinity));
  const drain529 = drain.filter(isHttp529);
  return {
    deferred: deferred.length,
    completed: completed.length,
    completedShare: deferred.length === 0 ? undefined : completed.length / deferred.length,
    completedAfterRecovery: after.length,
    completedWithinDeadline: completed.filter((c) => c.endMs! - c.startMs <= c.deadlineMs).length,
    drainAttempts: drain.length,
    drain529s: drain529.length,
    drain529sFirst30s: drain529.filter((a) => answeredAtMs(a) >= endMs && answeredAtMs(a) < endMs + RECOVERY_WINDOW_S * 1000).length,
  };
}

/** Results that are HTTP 529. */
export function isHttp529(a: AttemptRecord): boolean {
  return a.result === 'overloaded' || a.result === 'shed';
}

/** Whether an attempt's billed tokens were thrown away. */
export function isBilledWaste(a: AttemptRecord): boolean {
  return a.result !== 'ok' && (a.billedInputTokens > 0 || a.billedOutputTokens > 0);
}

/** The `q`-quantile (0..1) of ascending-sorted values by the nearest-rank method; 0 for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/** Calls in progress at each whole second `s` (started at or before `s`·1000 and not ended by then). */
export function openCallsPerSecond(run: PolicyRun, seconds: number): number[] {
  const delta = new Array<number>(seconds + 2).fill(0);
  for (const c of run.calls) {
    const from = Math.ceil(c.startMs / 1000);
    const to = Math.ceil((c.endMs ?? Infinity) / 1000); // open at s when start ≤ s·1000 < end
    if (from > seconds) continue;
    delta[from]! += 1;
    if (to <= seconds) delta[to]! -= 1;
  }
  const open: number[] = [];
  let n = 0;
  for (let s = 0; s <= seconds; s++) {
    n += delta[s]!;
    open.push(n);
  }
  return open;
}

/** Time to drain the backlog after the storm, in ms (see {@link Figures.drainMs}). */
export function drainMs(run: PolicyRun): number | undefined {
  const { storm } = run.scenario;
  const seconds = Math.ceil(run.endMs / 1000);
  const open = openCallsPerSecond(run, seconds);
  const before = open.slice(Math.max(0, storm.startS - 30), storm.startS);
  const normal = before.length > 0 ? Math.max(...before) : 0;
  // Calls still failing after the storm (an open breaker, retries running out) mean it is not over.
  let from = storm.endS;
  for (const c of run.calls) {
    if (!c.ok && c.endMs !== undefined && c.endMs >= storm.endS * 1000) from = Math.max(from, Math.ceil(c.endMs / 1000));
  }
  for (let s = from; s <= seconds; s++) if (open[s]! <= normal) return (s - storm.endS) * 1000;
  return undefined;
}

export function computeFigures(run: PolicyRun, oracleDrainMs?: number, prices: PriceTable = DEFAULT_PRICES): Figures {
  const { storm } = run.scenario;
  const attemptsByCall = new Map<number, number>();
  let resent = 0;
  let wasteIn = 0;
  let wasteOut = 0;
  let wastedUsd = 0;
  let billedUsd = 0;
  let billedIn = 0;
  let billedOut = 0;
  const firstSeen = new Set<number>();
  for (const a of run.attempts) {
    attemptsByCall.set(a.callId, (attemptsByCall.get(a.callId) ?? 0) + 1);
    if (firstSeen.has(a.callId)) resent += a.inputTokens;
    else firstSeen.add(a.callId);
    if (a.billedInputTokens > 0 || a.billedOutputTokens > 0) {
      billedIn += a.billedInputTokens;
      billedOut += a.billedOutputTokens;
      billedUsd += costUsd(prices, a.model, a.billedInputTokens, a.billedOutputTokens);
    }
    if (isBilledWaste(a)) {
      wasteIn += a.billedInputTokens;
      wasteOut += a.billedOutputTokens;
      wastedUsd += costUsd(prices, a.model, a.billedInputTokens, a.billedOutputTokens);
    }
  }
  const stormCalls = run.calls.filter((c) => inWindow(storm, c.startMs));
  const inDeadline = (c: CallRecord) => c.ok && c.endMs! - c.startMs <= c.deadlineMs;
  const share = (calls: readonly CallRecord[]) => (calls.length === 0 ? 0 : calls.filter(inDeadline).length / calls.length);
  const failures: Record<string, number> = {};
  for (const c of run.calls) if (!c.ok) failures[c.error ?? 'unknown'] = (failures[c.error ?? 'unknown'] ?? 0) + 1;
  const stormAttempts = stormCalls.reduce((sum, c) => sum + (attemptsByCall.get(c.id) ?? 0), 0);
  const ok = run.calls.filter((c) => c.ok);
  const inTime = ok.filter(inDeadline);
  const latencies = ok.map((c) => c.endMs! - c.startMs).sort((x, y) => x - y);
  const drain = drainMs(run);
  const batch = batchFigures(run, prices);
  const count = (pred: (a: AttemptRecord) => boolean) => run.attempts.filter(pred).length;
  return {
    policyId: run.policyId,
    label: run.label,
    calls: run.calls.length,
    attempts: run.attempts.length,
    amplification: run.calls.length === 0 ? 0 : run.attempts.length / run.calls.length,
    stormAmplification: stormCalls.length === 0 ? 0 : stormAttempts / stormCalls.length,
    http529: count(isHttp529),
    streamOverloaded: count((a) => a.result === 'stream_overloaded'),
    http429: count((a) => a.result === 'rate_limited'),
    resets: count((a) => a.result === 'reset'),
    resentInputTokens: resent,
    billedWasteInputTokens: wasteIn,
    billedWasteOutputTokens: wasteOut,
    wastedUsd,
    successWithinDeadline: run.calls.length === 0 ? 0 : inTime.length / run.calls.length,
    succeeded: ok.length,
    fallbackAnswers: ok.filter((c) => c.model !== undefined && c.model !== run.scenario.fleet.model).length,
    p50LatencyMs: quantile(latencies, 0.5),
    p99LatencyMs: quantile(latencies, 0.99),
    drainMs: drain,
    drainVsOracle:
      drain === undefined || oracleDrainMs === undefined || oracleDrainMs === 0 || run.policyId === 'oracle'
        ? undefined
        : drain / oracleDrainMs,
    successByPhase: {
      before: share(run.calls.filter((c) => c.startMs < storm.startS * 1000)),
      storm: share(stormCalls),
      after: share(run.calls.filter((c) => c.startMs >= storm.endS * 1000)),
    },
    failures: Object.fromEntries(Object.entries(failures).sort(([a, x], [b, y]) => y - x || a.localeCompare(b))),
    billedInputTokens: billedIn + batch.billedInputTokens,
    billedOutputTokens: billedOut + batch.billedOutputTokens,
    billedUsd: billedUsd + batch.billedUsd,
    batch,
    deferral: deferralFigures(run),
    recovery: recoveryFigures(run),
  };
}
