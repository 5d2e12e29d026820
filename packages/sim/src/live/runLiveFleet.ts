/**
 * `--live --processes N [--redis <url>|auto]`: the scenario in real time, with its clients
 * split among N worker processes (round robin), as a fleet of services runs. This process
 * serves the simulated service over HTTP on 127.0.0.1, forks the workers
 * (`fleetWorker.ts`), gathers the call records they report, and computes the figures from
 * them and the service's records, as `runLive` does. With Redis every worker shares one
 * Redis store among its clients, so the whole fleet admits calls on one schedule, learns
 * one rate, honours one pause and spends one retry budget per model; without, each client
 * keeps its own state, as in the simulator.
 *
 * A worker that fails or dies fails the run (the others are stopped) with a
 * {@link LiveFleetError} naming it; a stop (Ctrl-C) ends the arrivals in every worker and
 * the run ends once the calls in progress have; whatever happens, the workers, the server
 * and a private redis-server (`auto`) are stopped before this returns.
 *
 * Bad options fail before anything starts: `processes` out of range (`RangeError`), a
 * `redis` that is no Redis URL, or `redis` with a policy that uses no store (`TypeError`:
 * only the Stormwatch rows, `PolicyUnderTest.usesStore`, share anything through it).
 */
import { randomUUID } from 'node:crypto';
import { seededRandom, systemClock } from '@stormwatch/core';
import { computeFigures } from '../figures.js';
import { storeUserIds } from '../policies/index.js';
import type { CallRecord } from '../fleet.js';
import type { PolicyUnderTest } from '../policies/PolicyUnderTest.js';
import { formatTextTable } from '../report/table.js';
import { deriveSeed } from '../rng.js';
import type { PolicyRun } from '../runPolicy.js';
import type { Scenario } from '../scenarios/Scenario.js';
import { validateScenario } from '../scenarios/validateScenario.js';
import { SimulatedService } from '../SimulatedService.js';
import { FleetProcess } from './FleetProcess.js';
import { clientsOf, type RedisAssignment, type StoreUse } from './fleetProtocol.js';
import { LiveFleetError } from './LiveFleetError.js';
import { liveRun, tickLine } from './liveReport.js';
import { LiveServer } from './LiveServer.js';
import { startPrivateRedis, type PrivateRedis } from './privateRedis.js';
import { redactRedisUrl, redisUrlProblem } from './redisUrl.js';
import { relativeClock } from './relativeClock.js';
import { workerEntry } from './workerEntry.js';

export interface LiveFleetOptions {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly policy: PolicyUnderTest;
  /** Port of the local server; 0 picks a free one. */
  readonly port: number;
  /** Worker processes, from 1 to the scenario's number of clients; client `i` runs in worker `i mod processes`. */
  readonly processes: number;
  /**
   * A `redis://` or `rediss://` URL the workers share their overload state through (one
   * store per worker, passed to every client's policy), or `'auto'`: a private
   * redis-server started on a free loopback port for the run and stopped after it.
   * Absent, each client keeps its own state.
   */
  readonly redis?: string;
  /** Prefix of the run's Redis keys. Defaults to `stormwatch-sim:<random UUID>:`, so no two runs share state. */
  readonly redisPrefix?: string;
  /**
   * How long a store operation waits for Redis before the process answers it from its own
   * state (`redisStore`'s `timeoutMs`), in ms. Defaults to the store's default, 50 ms, as an
   * application gets it; a test on a busy machine may want the shared answer whatever it costs.
   */
  readonly redisTimeoutMs?: number;
  readonly stdout: { write(text: string): void };
  readonly stderr: { write(text: string): void };
  /** Stops new calls early (Ctrl-C); the run ends when the calls in progress have ended. */
  readonly signal?: AbortSignal;
  /** Called with each worker's number (0-based) and pid once it is forked. */
  readonly onProcess?: (index: number, pid: number) => void;
}

/** How the workers' Redis store was used over the run, summed over the workers. */
export interface FleetStoreUse extends StoreUse {
  /** The Redis URL, without its password. */
  readonly url: string;
  readonly prefix: string;
  /** Operations per worker, by its number. */
  readonly operationsByProcess: readonly number[];
}

/** A live fleet run: its records (what the figures are computed from), and how the fleet ran. */
export interface LiveFleetRun extends PolicyRun {
  readonly processes: number;
  /** Undefined without Redis. */
  readonly store: FleetStoreUse | undefined;
}

function checkOptions({ scenario, processes, redis, policy }: LiveFleetOptions): void {
  const clients = scenario.fleet.clients;
  if (!Number.isInteger(processes) || processes < 1 || processes > clients) {
    throw new RangeError(`runLiveFleet: processes must be an integer from 1 to the scenario's ${clients} clients, got ${processes}`);
  }
  const problem = redis === undefined || redis === 'auto' ? undefined : redisUrlProblem(redis);
  if (problem !== undefined) throw new TypeError(`runLiveFleet: redis must be a redis:// or rediss:// URL or "auto"; "${redactRedisUrl(redis!)}" ${problem}`);
  // A store the policy never asks would make a "shared" run that shares nothing: say so before forking anything.
  if (redis !== undefined && policy.usesStore !== true) {
    throw new TypeError(`runLiveFleet: redis is set, but policy "${policy.id}" keeps no overload state to share (the policies that use a store: ${storeUserIds()}); run it without redis`);
  }
}

/** `promise`, unless `signal` aborts first: then a {@link LiveFleetError} saying the run was stopped `when`. */
function unlessStopped<T>(promise: Promise<T>, signal: AbortSignal | undefined, when: string): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new LiveFleetError(`live fleet: stopped ${when}`));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function storeLine(policy: PolicyUnderTest, processes: number, store: FleetStoreUse): string {
  const where = `store: ${store.url} (prefix ${store.prefix})`;
  if (store.operations === 0) return `${where}: asked nothing (no call of ${policy.id} reached the store)\n`;
  const local = Object.entries(store.localAnswers);
  const localCount = local.reduce((sum, [, n]) => sum + n, 0);
  const how = localCount === 0 ? 'all answered by Redis' : `${localCount} answered by a process alone (${local.map(([reason, n]) => `${reason} ${n}`).join(', ')})`;
  return `${where}: ${store.operations} operations from ${processes} processes, ${how}\n`;
}

export async function runLiveFleet(options: LiveFleetOptions): Promise<LiveFleetRun> {
  const { scenario, seed, policy, processes, stderr, signal } = options;
  validateScenario(scenario);
  checkOptions(options);
  const workers: FleetProcess[] = [];
  // A parent that exits (a second Ctrl-C) takes its workers along.
  const killWorkers = () => workers.forEach((w) => w.kill());
  process.once('exit', killWorkers);
  let privateRedis: PrivateRedis | undefined;
  let service: SimulatedService | undefined;
  let server: LiveServer | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const calls: CallRecord[] = [];
  let started = 0;
  let open = 0;
  const stop = () => {
    // No new calls in any worker; the ones in progress finish (a second Ctrl-C ends the process).
    stderr.write(`live: stopping, waiting for ${open} calls in progress\n`);
    for (const w of workers) w.send({ type: 'stop' });
  };
  let uses: (StoreUse | undefined)[];
  let redis: RedisAssignment | undefined;
  let endMs: number;
  try {
    if (options.redis === 'auto') {
      const redisServer = await startPrivateRedis().catch((error: Error) => Promise.reject(new LiveFleetError(`live fleet: ${error.message}`, { cause: error })));
      privateRedis = redisServer;
      stderr.write(`live: started a private redis-server at ${redisServer.url} for this run\n`);
    }
    const url = privateRedis?.url ?? options.redis;
    redis = url === undefined ? undefined : { url, prefix: options.redisPrefix ?? `stormwatch-sim:${randomUUID()}:`, timeoutMs: options.redisTimeoutMs };
    const entry = workerEntry();
    for (let index = 0; index < processes; index++) {
      const worker = new FleetProcess(entry, index, processes, clientsOf(index, processes, scenario.fleet.clients), {
        onCallStart: () => {
          started++;
          open++;
        },
        onCallEnd: (record) => {
          open--;
          calls.push(record);
        },
        onOutput: (line) => stderr.write(`[p${index + 1}] ${line}\n`),
      });
      workers.push(worker);
      if (worker.pid !== undefined) options.onProcess?.(index, worker.pid);
      worker.send({ type: 'assign', assignment: { scenario, seed, policyId: policy.id, index, count: processes, redis } });
    }
    await unlessStopped(Promise.all(workers.map((w) => w.ready)), signal, 'before the fleet started');

    // Time 0 of the run, for the service and every worker alike.
    const originMs = systemClock.now();
    const clock = relativeClock(systemClock, originMs);
    const liveService = new SimulatedService(scenario, clock, seededRandom(deriveSeed(seed, 'service')));
    service = liveService;
    server = new LiveServer(liveService);
    const baseURL = await server.listen(options.port);
    const state = redis === undefined ? 'each client with its own state' : `sharing overload state through ${redactRedisUrl(redis.url)} (prefix ${redis.prefix})`;
    stderr.write(`live: ${scenario.name} against ${baseURL} with ${policy.label} in ${processes} processes, ${state}, ${scenario.durationS} s of arrivals\n`);
    for (const w of workers) w.send({ type: 'start', baseURL, originMs });
    ticker = setInterval(() => stderr.write(tickLine(clock.now(), started, open, liveService)), 1000);
    if (signal?.aborted === true) stop();
    else signal?.addEventListener('abort', stop, { once: true });
    uses = await Promise.all(workers.map((w) => w.finished));
    endMs = clock.now();
  } finally {
    clearInterval(ticker);
    signal?.removeEventListener('abort', stop);
    await Promise.all(workers.map((w) => w.stop()));
    process.off('exit', killWorkers);
    service?.dispose();
    await server?.close();
    await privateRedis?.stop();
  }
  const store: FleetStoreUse | undefined =
    redis === undefined
      ? undefined
      : {
          url: redactRedisUrl(redis.url),
          prefix: redis.prefix,
          operations: uses.reduce((sum, u) => sum + (u?.operations ?? 0), 0),
          operationsByProcess: uses.map((u) => u?.operations ?? 0),
          localAnswers: uses.reduce<Record<string, number>>((all, u) => {
            for (const [reason, n] of Object.entries(u?.localAnswers ?? {})) all[reason] = (all[reason] ?? 0) + n;
            return all;
          }, {}),
        };
  const label = `${policy.label}, ${processes} processes${redis === undefined ? '' : ', Redis'}`;
  const run: LiveFleetRun = { ...liveRun({ policy, label, scenario, seed, calls, service: service!, endMs }), processes, store };
  options.stdout.write(`\n${formatTextTable([computeFigures(run)])}\n`);
  if (store !== undefined) options.stdout.write(storeLine(policy, processes, store));
  return run;
}
