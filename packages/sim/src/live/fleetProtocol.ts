/**
 * What the live fleet's parent and its worker processes say to each other over the IPC
 * channel of `fork` (advanced serialization: structured clones, so a scenario and a call
 * record cross as they are).
 *
 * The parent assigns each worker its share; the worker builds what it needs (its Redis
 * store, connected) and says `ready`. When every worker is ready the parent starts the
 * service and sends `start` with the run's time origin; each worker starts its clients,
 * reports every call as it starts and ends, and says `done` once its arrivals are over and
 * its calls have ended, then exits. `stop` (Ctrl-C) ends the arrivals early.
 */
import type { CallRecord } from '../fleet.js';
import type { Scenario } from '../scenarios/Scenario.js';

/** A worker's share of the fleet. */
export interface WorkerAssignment {
  readonly scenario: Scenario;
  readonly seed: number;
  /** Id of the policy in `ALL_POLICIES`. */
  readonly policyId: string;
  /**
   * This worker's number (0-based) of `count`: it runs clients `index`, `index + count`,
   * `index + 2·count`… of the scenario, and its `n`-th call has id `n·count + index`.
   */
  readonly index: number;
  readonly count: number;
  /** The Redis every worker shares its overload state through; absent, each client keeps its own. */
  readonly redis: RedisAssignment | undefined;
}

/** Where the workers' stores share their state, and how long an operation waits for Redis. */
export interface RedisAssignment {
  readonly url: string;
  readonly prefix: string;
  /** `redisStore`'s `timeoutMs`; undefined for its default (50 ms). */
  readonly timeoutMs: number | undefined;
}

export type ParentMessage =
  | { readonly type: 'assign'; readonly assignment: WorkerAssignment }
  /** `originMs`: the run's time 0 on the system clock (`performance.timeOrigin + performance.now()`). */
  | { readonly type: 'start'; readonly baseURL: string; readonly originMs: number }
  | { readonly type: 'stop' };

/** How a worker's store was used over the run. */
export interface StoreUse {
  /** Operations the policies asked of the store. */
  readonly operations: number;
  /** Operations answered from the process's own state because Redis could not answer them, by reason. */
  readonly localAnswers: Readonly<Record<string, number>>;
}

export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'callStart' }
  | { readonly type: 'callEnd'; readonly record: CallRecord }
  | { readonly type: 'done'; readonly store: StoreUse | undefined }
  /** The worker cannot go on (its store never reached Redis…); it exits with 1 after saying so. */
  | { readonly type: 'failed'; readonly message: string };

/** The clients of worker `index` of `count` among the scenario's `clients`. */
export function clientsOf(index: number, count: number, clients: number): number[] {
  const mine: number[] = [];
  for (let client = index; client < clients; client += count) mine.push(client);
  return mine;
}
