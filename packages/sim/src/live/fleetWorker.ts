/**
 * A process of the live fleet, forked by `runLiveFleet`: it runs its share of the
 * scenario's clients through the policy, against the parent's service over HTTP, on the
 * run's clock; with a Redis URL, every client of the process shares ONE Redis store (as a
 * service shares one per process), and with it the whole fleet's overload state. It
 * reports every call to the parent (see `fleetProtocol.ts`).
 */
import { seededRandom, systemClock, type OverloadStore } from '@stormwatch/core';
import { startFleet } from '../fleet.js';
import { ALL_POLICIES } from '../policies/index.js';
import { deriveSeed } from '../rng.js';
import { countOperations } from './countOperations.js';
import type { ParentMessage, StoreUse, WorkerAssignment, WorkerMessage } from './fleetProtocol.js';
import { clientsOf } from './fleetProtocol.js';
import { redactRedisUrl } from './redisUrl.js';
import { relativeClock } from './relativeClock.js';
import { startLiveTelemetry } from './telemetry.js';

/** How long a worker tries to reach Redis before it gives up, in ms. */
const REACH_REDIS_MS = 5000;
/** The model the store is first asked about: `pace` of a model nobody wrote creates no key. */
const WARM_UP_KEY = 'stormwatch-sim:warm-up';

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve, reject) => process.send!(message, undefined, undefined, (error) => (error ? reject(error) : resolve())));
}

/** Sends without waiting; a channel already closed is the parent gone, which `disconnect` handles. */
function post(message: WorkerMessage): void {
  send(message).catch(() => undefined);
}

function localAnswers(store: OverloadStore): Record<string, number> {
  return { ...store.health?.().localAnswers };
}

/** The local answers of `now` that `before` did not have, by reason (only the run's count, not the warm-up's). */
function since(before: Readonly<Record<string, number>>, now: Readonly<Record<string, number>>): Record<string, number> {
  const added: Record<string, number> = {};
  for (const [reason, n] of Object.entries(now)) if (n > (before[reason] ?? 0)) added[reason] = n - (before[reason] ?? 0);
  return added;
}

/** Asks until Redis answers (the first operations answer locally while the connection is made). */
async function reachRedis(store: OverloadStore, url: string): Promise<void> {
  const giveUpAt = performance.now() + REACH_REDIS_MS;
  for (;;) {
    const before = Object.values(localAnswers(store)).reduce((a, b) => a + b, 0);
    await store.pace(WARM_UP_KEY);
    if (Object.values(localAnswers(store)).reduce((a, b) => a + b, 0) === before) return;
    if (performance.now() > giveUpAt) throw new Error(`cannot reach Redis at ${redactRedisUrl(url)} within ${REACH_REDIS_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

class FleetWorker {
  #assignment: WorkerAssignment | undefined;
  #store: { readonly store: OverloadStore; count(): number } | undefined;
  #localBefore: Record<string, number> = {};
  readonly #arrivalsOver = new AbortController();

  async assign(assignment: WorkerAssignment): Promise<void> {
    this.#assignment = assignment;
    if (!ALL_POLICIES.some((p) => p.id === assignment.policyId)) throw new Error(`unknown policy "${assignment.policyId}"`);
    if (assignment.redis !== undefined) {
      // Loaded only when used: a fleet without Redis needs no Redis client.
      const { redisStore } = await import('@stormwatch/redis');
      const { url, prefix, timeoutMs } = assignment.redis;
      const store = redisStore({ url, prefix, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
      await reachRedis(store, url);
      // From here on, what the run's operations meet (the warm-up's wait for the connection is not news).
      this.#localBefore = localAnswers(store);
      store.onDegraded(({ reason, operation }) => process.stderr.write(`store degraded (${reason} on ${operation}): answering from this process's state\n`));
      store.onRecovered(({ degradedForMs }) => process.stderr.write(`store shared again after ${Math.round(degradedForMs)} ms\n`));
      // The policies get the counting proxy; the warm-up is not theirs to count.
      this.#store = countOperations<OverloadStore>(store);
    }
    await send({ type: 'ready' });
  }

  async start(baseURL: string, originMs: number): Promise<void> {
    const { scenario, seed, policyId, index, count } = this.#assignment!;
    const policy = ALL_POLICIES.find((p) => p.id === policyId)!;
    const counted = this.#store;
    const store = counted?.store;
    const clock = relativeClock(systemClock, originMs);
    const stopTelemetry = await startLiveTelemetry(undefined, process.stderr);
    let open = 0;
    let arrivalsOver = false;
    let settle: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => (settle = resolve));
    startFleet({
      scenario,
      seed,
      clock,
      signal: this.#arrivalsOver.signal,
      clients: clientsOf(index, count, scenario.fleet.clients),
      callId: (n) => n * count + index,
      createCaller: (clientIndex) =>
        policy.createCaller({
          clock,
          // As runLive and runPolicy derive it: a client draws the same numbers in any process.
          random: seededRandom(deriveSeed(seed, `policy:${policy.seedName ?? policy.id}:${clientIndex}`)),
          fetch: globalThis.fetch,
          baseURL,
          clientIndex,
          fallbackModels: scenario.fleet.fallbackModels,
          ...(store === undefined ? {} : { store }),
        }),
      onCallStart: () => {
        open++;
        post({ type: 'callStart' });
      },
      onCallEnd: (record) => {
        open--;
        post({ type: 'callEnd', record });
        if (arrivalsOver && open === 0) settle();
      },
    });
    await clock.sleep(scenario.durationS * 1000 - clock.now(), this.#arrivalsOver.signal).catch(() => undefined);
    arrivalsOver = true;
    if (open === 0) settle();
    await ended;
    await policy.finishRun?.(clock); // what the run's clients shared (stormwatch-defer: its queue file)
    let use: StoreUse | undefined;
    if (counted !== undefined) {
      use = { operations: counted.count(), localAnswers: since(this.#localBefore, localAnswers(counted.store)) };
      await counted.store.close();
    }
    await stopTelemetry?.();
    await send({ type: 'done', store: use });
    // Now, not when the SDK's idle keep-alive sockets let go.
    process.exit(0);
  }

  stop(): void {
    this.#arrivalsOver.abort();
  }
}

if (process.send === undefined) {
  process.stderr.write('fleetWorker: runs as a process of the live fleet (forked by runLiveFleet), not on its own\n');
  process.exit(2);
}
// Without the parent there is no one to report to (it was killed, or quit on a second Ctrl-C).
process.on('disconnect', () => process.exit(1));
const worker = new FleetWorker();

async function handle(message: ParentMessage): Promise<void> {
  switch (message.type) {
    case 'assign':
      return worker.assign(message.assignment);
    case 'start':
      return worker.start(message.baseURL, message.originMs);
    case 'stop':
      return worker.stop();
  }
}

process.on('message', (message: ParentMessage) => {
  handle(message).catch(async (error: unknown) => {
    await send({ type: 'failed', message: error instanceof Error ? error.message : String(error) }).catch(() => undefined);
    process.exit(1);
  });
});
