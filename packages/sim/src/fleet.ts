/**
 * The fleet: the scenario's clients making calls through a policy, in virtual time.
 * Open-loop clients receive calls as Poisson processes; closed-loop clients are workers
 * that call, wait, think and call again. Each client draws its arrival times, call sizes
 * and think times from its own seeded stream, so an open-loop fleet offers exactly the
 * same calls to every policy.
 */
import type { Clock, Random } from '@stormwatch/core';
import { seededRandom } from '@stormwatch/core';
import type { Caller, SimCall, SimCallResult } from './policies/PolicyUnderTest.js';
import type { Scenario } from './scenarios/Scenario.js';
import { deriveSeed, exponential, uniformInt } from './rng.js';

/** How a logical call ended, as the application saw it. */
export interface CallRecord {
  readonly id: number;
  readonly client: number;
  readonly startMs: number;
  endMs: number | undefined;
  readonly deadlineMs: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly stream: boolean;
  ok: boolean;
  /** The result's message id (names the attempt that produced it). */
  messageId: string | undefined;
  /** The model that answered. */
  model: string | undefined;
  /** The error's class name when the call failed. */
  error: string | undefined;
  /**
   * Virtual ms at which the policy deferred the call to a durable queue (the answer, or the
   * failure, then came from the drain); undefined when it was not deferred.
   */
  deferredAtMs?: number | undefined;
}

export interface FleetOptions {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly clock: Clock;
  /** Builds client `i`'s caller. */
  createCaller(clientIndex: number): Caller;
  /**
   * The scenario's clients to start, by index; all of them by default. A fleet split over
   * processes (the live fleet) starts each process's share: a client draws the same calls
   * whichever process runs it.
   */
  readonly clients?: readonly number[];
  /**
   * The id of this fleet's `n`-th call (0, 1, 2, … by default). Processes that share one
   * service give their calls disjoint ids, as the service and the figures tell calls apart by id.
   */
  callId?(n: number): number;
  /** Stops new calls (open-loop arrivals and closed-loop workers); calls in progress go on. */
  readonly signal?: AbortSignal;
  /** Called when a call starts and when it ends. */
  onCallStart?(record: CallRecord): void;
  onCallEnd?(record: CallRecord): void;
}

/** The random stream of client `i`'s workload (arrivals, sizes, think times). */
export function clientWorkloadRandom(seed: number, client: number): Random {
  return seededRandom(deriveSeed(seed, `workload:${client}`));
}

/**
 * Starts every client; returns the records (filled in as calls end). The caller drives
 * the clock until it runs dry, which happens once the last call has ended.
 */
export function startFleet(options: FleetOptions): CallRecord[] {
  const { scenario, clock } = options;
  const fleet = scenario.fleet;
  const arrivalsEndMs = (scenario.arrivalsEndS ?? scenario.durationS) * 1000;
  const records: CallRecord[] = [];
  let made = 0;

  const makeCall = (client: number, random: Random): { call: SimCall; record: CallRecord } => {
    const id = options.callId === undefined ? made : options.callId(made);
    made++;
    const inputTokens = uniformInt(random, fleet.inputTokens.min, fleet.inputTokens.max);
    const outputTokens = uniformInt(random, fleet.outputTokens.min, fleet.outputTokens.max);
    const stream = random() < fleet.streamShare;
    const deadlineMs = fleet.deadlineS * 1000;
    const call: SimCall = {
      callId: id,
      client,
      model: fleet.model,
      fallbackModels: fleet.fallbackModels,
      inputTokens,
      outputTokens,
      stream,
      deadlineMs,
    };
    const record: CallRecord = {
      id,
      client,
      startMs: clock.now(),
      endMs: undefined,
      deadlineMs,
      inputTokens,
      outputTokens,
      stream,
      ok: false,
      messageId: undefined,
      model: undefined,
      error: undefined,
    };
    records.push(record);
    return { call, record };
  };

  const run = async (caller: Caller, call: SimCall, record: CallRecord): Promise<void> => {
    options.onCallStart?.(record);
    let result: SimCallResult | undefined;
    try {
      result = await caller(call);
      record.ok = true;
      record.messageId = result.messageId;
      record.model = result.model;
      if (result.deferredAtMs !== undefined) record.deferredAtMs = result.deferredAtMs;
    } catch (error) {
      record.error = errorName(error);
      const deferredAtMs = (error as { deferredAtMs?: unknown } | null)?.deferredAtMs;
      if (typeof deferredAtMs === 'number') record.deferredAtMs = deferredAtMs;
    }
    record.endMs = clock.now();
    options.onCallEnd?.(record);
  };

  const clients = options.clients ?? Array.from({ length: fleet.clients }, (_, i) => i);
  const outside = clients.find((c) => !Number.isInteger(c) || c < 0 || c >= fleet.clients);
  if (outside !== undefined) throw new RangeError(`startFleet: clients must be indices of the scenario's ${fleet.clients} clients, got ${outside}`);
  for (const client of clients) {
    const random = clientWorkloadRandom(options.seed, client);
    const caller = options.createCaller(client);
    if (fleet.kind === 'open') {
      const meanGapMs = 1000 / (fleet.callsPerSecond ?? 1);
      void (async () => {
        let at = exponential(random, meanGapMs);
        while (at < arrivalsEndMs) {
          try {
            await clock.sleep(at - clock.now(), options.signal);
          } catch {
            return; // stopped
          }
          const { call, record } = makeCall(client, random);
          void run(caller, call, record);
          at += exponential(random, meanGapMs);
        }
      })();
    } else {
      const meanThinkMs = (fleet.thinkTimeS ?? 1) * 1000;
      void (async () => {
        // Workers start spread over the first think time, not all at once.
        try {
          await clock.sleep(exponential(random, meanThinkMs), options.signal);
          while (clock.now() < arrivalsEndMs && options.signal?.aborted !== true) {
            const { call, record } = makeCall(client, random);
            await run(caller, call, record);
            await clock.sleep(exponential(random, meanThinkMs), options.signal);
          }
        } catch {
          // stopped
        }
      })();
    }
  }
  return records;
}

/** A short, stable name for what a call failed with. */
export function errorName(error: unknown): string {
  if (error instanceof Error) {
    const { status, type } = error as { status?: unknown; type?: unknown };
    if (typeof status === 'number') return `${error.constructor.name}(${status})`;
    // An SSE `error` event after HTTP 200 has no status, only its error type.
    return typeof type === 'string' ? `${error.constructor.name}(${type})` : error.constructor.name;
  }
  return typeof error;
}
