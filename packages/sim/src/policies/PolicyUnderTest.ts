/**
 * A retry policy as the storm lab runs it: a factory of per-client callers. Each of the
 * fleet's clients gets its own SDK client and its own policy instance (breakers,
 * budgets and limiters are per process in real deployments, and so are they here).
 */
import type { Clock, OverloadStore, Random } from '@stormwatch/core';
import type { BatchDeferralLog } from './batchRun.js';
import type { DeferralLog } from './deferralRun.js';

/** One logical call a client makes. */
export interface SimCall {
  readonly callId: number;
  readonly client: number;
  readonly model: string;
  /** Models the call may fall back to (for policies that support it). */
  readonly fallbackModels: readonly string[];
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly stream: boolean;
  /** The call's deadline, in ms from its start (policies that take a deadline get it). */
  readonly deadlineMs: number;
}

/** What a successful call returned. */
export interface SimCallResult {
  /** The message id (`msg_sim_<seq>`): names the attempt that produced the result. */
  readonly messageId: string;
  readonly model: string;
  /** Virtual ms at which the call was deferred to a queue, when it was (its answer came from the drain). */
  readonly deferredAtMs?: number;
}

/** What a client of the fleet is given. */
export interface ClientEnv {
  readonly clock: Clock;
  /** Seeded; the policy's jitter draws from it. */
  readonly random: Random;
  /** The simulated service's fetch. */
  readonly fetch: typeof globalThis.fetch;
  readonly baseURL: string;
  readonly clientIndex: number;
  /** Models the application accepts as fallbacks, in order (empty when none). */
  readonly fallbackModels: readonly string[];
  /**
   * An overload store the fleet's processes share (the live fleet with `--redis`: one Redis
   * store per process). The Stormwatch policies pass it as `policyOptions.store`, in place
   * of any store of their own; policies without overload state ignore it. Absent, each
   * policy keeps the state it keeps in the simulator.
   */
  readonly store?: OverloadStore;
}

export type Caller = (call: SimCall) => Promise<SimCallResult>;

export interface PolicyUnderTest {
  /** CLI id (`sdk-default`). */
  readonly id: string;
  /** Table label. */
  readonly label: string;
  /** Its definition, one sentence. */
  readonly description: string;
  /**
   * The name its seeded random streams derive from; defaults to `id`. A policy kept as a
   * peer under a new id keeps the old name, so it draws what it drew before.
   */
  readonly seedName?: string;
  /**
   * True when its callers hand {@link ClientEnv.store} to their policy (the Stormwatch rows),
   * so that a fleet of processes given one store (the live fleet with `--redis`) shares its
   * overload state; absent or false for a policy that keeps no overload state of that kind
   * (the peers), which a shared store would not change. Defaults to false.
   */
  readonly usesStore?: boolean;
  createCaller(env: ClientEnv): Caller;
  /**
   * Called once the run driven by `clock` is over (every call ended): releases what the
   * run's clients shared (a queue file) and returns what the figures need of it. Optional.
   */
  finishRun?(clock: Clock): Promise<PolicyRunExtras | undefined>;
}

/** What a policy adds to a run's records (see {@link PolicyUnderTest.finishRun}). */
export interface PolicyRunExtras {
  /** The durable deferral of the `stormwatch-defer` row. */
  readonly deferral?: DeferralLog;
  /** The deferral to Message Batches of the `stormwatch-batch` row. */
  readonly batch?: BatchDeferralLog;
}
