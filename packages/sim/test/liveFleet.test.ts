import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type LiveCliOptions } from '../src/cliMain.js';
import { isLiveFleetError } from '../src/live/LiveFleetError.js';
import { findRedisServer, startPrivateRedis, type PrivateRedis } from '../src/live/privateRedis.js';
import type { LiveFleetOptions } from '../src/index.js';
import { runLiveFleet } from '../src/live/runLiveFleet.js';
import { sdkDefault, stormwatchDefault } from '../src/policies/index.js';
import type { Scenario } from '../src/scenarios/Scenario.js';
import { storm50 } from '../src/scenarios/storm50.js';

/**
 * As the Redis store's tests decide (packages/redis/test/support/redisServer.ts): skipped
 * only on a developer machine without redis-server; with STORMWATCH_E2E=1 (as .ci/run sets)
 * a missing redis-server fails them.
 */
const redisTestsRun = process.env.STORMWATCH_E2E === '1' || findRedisServer() !== undefined;

/** A 3-second storm in real time for 8 clients: capacity at 10 % from 1 s to 2.5 s. */
const tiny: Scenario = {
  ...storm50,
  name: 'tiny-fleet',
  durationS: 3,
  models: [{ ...storm50.models[0]!, timeToFirstTokenMs: 50, outputTokensPerSecond: 2000 }],
  overloads: [{ startS: 1, endS: 2.5, factor: 0.1, streamBreakProbability: 0.2 }],
  storm: { startS: 1, endS: 2.5 },
  fleet: { ...storm50.fleet, clients: 8, callsPerSecond: 2, deadlineS: 5 },
};
const MODEL = tiny.fleet.model;

function sink(onWrite?: (text: string) => void) {
  const s = {
    text: '',
    write: (t: string) => {
      s.text += t;
      onWrite?.(t);
    },
  };
  return s;
}

/** Whether something listens on `url`'s loopback port. */
function listening(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: Number(new URL(url).port) });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!redisTestsRun)('the live fleet on Redis', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('runs the clients in 4 processes that share their overload state through one Redis key per model', async () => {
    const prefix = `sim-test:${randomUUID()}:`;
    const stdout = sink();
    const stderr = sink();
    // A store timeout of 2 s rather than 50 ms: with the other test files running beside this one, a
    // worker's event loop can be late by more than 50 ms, and an answer it then gives alone would
    // make this test about the machine's load instead of about sharing.
    const run = await runLiveFleet({ scenario: tiny, seed: 1, policy: stormwatchDefault, port: 0, processes: 4, redis: redis.url, redisPrefix: prefix, redisTimeoutMs: 2000, stdout, stderr });

    // Every process reported its clients' calls, each once, all ended.
    expect(stderr.text).toMatch(/live: tiny-fleet against http:\/\/127\.0\.0\.1:\d+ with Stormwatch default in 4 processes, sharing overload state through redis:\/\/127\.0\.0\.1:\d+ \(prefix sim-test:/);
    expect(new Set(run.calls.map((c) => c.client))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));
    expect(run.calls.length).toBeGreaterThan(25);
    expect(new Set(run.calls.map((c) => c.id)).size).toBe(run.calls.length);
    expect(run.calls.every((c) => c.endMs !== undefined && c.id % 4 === c.client % 4)).toBe(true);
    // The service saw the storm and every attempt belongs to a reported call.
    const ids = new Set(run.calls.map((c) => c.id));
    expect(run.attempts.every((a) => ids.has(a.callId) && a.result !== 'pending')).toBe(true);
    expect(run.attempts.some((a) => a.result === 'overloaded')).toBe(true);
    expect(run.calls.some((c) => c.ok)).toBe(true);

    // Each process asked the store, Redis answered every operation, and the fleet's state is one hash under the run's prefix.
    const store = run.store!;
    expect(store).toMatchObject({ prefix, localAnswers: {} });
    expect(store.operationsByProcess).toHaveLength(4);
    expect(store.operationsByProcess.every((n) => n > 0)).toBe(true);
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      expect(await admin.keys(`${prefix}*`)).toEqual([`${prefix}overload:${MODEL}`]);
      // The storm's 529s cut the fleet's one admitted rate (a finite `rate`: calm is its absence).
      const state = await admin.hGetAll(`${prefix}overload:${MODEL}`);
      expect(Number(state.rate)).toBeGreaterThan(0);
      expect(Number.isFinite(Number(state.rate))).toBe(true);
    } finally {
      await admin.close();
    }
    expect(stdout.text).toContain('Stormwatch default, 4 processes, Redis');
    expect(stdout.text).toMatch(new RegExp(`store: redis://127\\.0\\.0\\.1:\\d+ \\(prefix ${prefix}\\): \\d+ operations from 4 processes, all answered by Redis`));
  }, 30_000);

  it('starts a private redis-server for "auto", and on a stop ends the arrivals in every process and stops it', async () => {
    const stop = new AbortController();
    let started = 0;
    let stoppedAtMs = 0;
    const stderr = sink((text) => {
      if (text.startsWith('live: ') && text.includes(' against ')) {
        started = performance.now();
        setTimeout(() => {
          stoppedAtMs = performance.now() - started;
          stop.abort();
        }, 1000);
      }
    });
    const run = await runLiveFleet({ scenario: { ...tiny, durationS: 30 }, seed: 2, policy: stormwatchDefault, port: 0, processes: 3, redis: 'auto', stdout: sink(), stderr, signal: stop.signal });
    expect(performance.now() - started).toBeLessThan(8000);
    const url = /live: started a private redis-server at (redis:\/\/127\.0\.0\.1:\d+) for this run/.exec(stderr.text)?.[1];
    expect(url).toBeDefined();
    expect(run.store?.url).toBe(url);
    expect(await listening(url!)).toBe(false);
    expect(stderr.text).toMatch(/live: stopping, waiting for \d+ calls in progress/);
    expect(run.calls.length).toBeGreaterThan(5);
    // None started after the stop (give or take the time a message takes to reach a worker).
    expect(run.calls.every((c) => c.endMs !== undefined && c.startMs <= stoppedAtMs + 300)).toBe(true);
    expect(run.attempts.every((a) => a.result !== 'pending')).toBe(true);
  }, 30_000);
});

describe('the live fleet', () => {
  it('fails the run, naming the process, when one dies, and stops the others', async () => {
    const pids: number[] = [];
    const stderr = sink((text) => {
      if (text.startsWith('live: ') && text.includes(' against ')) setTimeout(() => process.kill(pids[1]!, 'SIGKILL'), 500);
    });
    const started = performance.now();
    const failure = await runLiveFleet({
      scenario: { ...tiny, durationS: 30 },
      seed: 1,
      policy: sdkDefault,
      port: 0,
      processes: 3,
      stdout: sink(),
      stderr,
      onProcess: (index, pid) => (pids[index] = pid),
    }).catch((error: unknown) => error);
    expect(isLiveFleetError(failure)).toBe(true);
    expect((failure as Error).message).toMatch(/^live fleet: process 2 of 3 \(pid \d+, clients 1, 4, 7\) was killed by SIGKILL before it finished/);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(pids.filter(alive)).toEqual([]);
  }, 30_000);

  it('refuses a number of processes it cannot split the clients among, and a Redis that is no URL', async () => {
    const options = { scenario: tiny, seed: 1, policy: stormwatchDefault, port: 0, stdout: sink(), stderr: sink() };
    await expect(runLiveFleet({ ...options, processes: 0 })).rejects.toThrow(new RangeError("runLiveFleet: processes must be an integer from 1 to the scenario's 8 clients, got 0"));
    await expect(runLiveFleet({ ...options, processes: 9 })).rejects.toThrow(RangeError);
    await expect(runLiveFleet({ ...options, processes: 2, redis: 'localhost:6379' })).rejects.toThrow(
      new TypeError('runLiveFleet: redis must be a redis:// or rediss:// URL or "auto"; "localhost:6379" uses localhost: instead of redis: or rediss:'),
    );
  });

  it('refuses Redis for a policy that keeps no overload state to share, before starting anything', async () => {
    const stderr = sink();
    const refused = runLiveFleet({ scenario: tiny, seed: 1, policy: sdkDefault, port: 0, processes: 2, redis: 'auto', stdout: sink(), stderr });
    await expect(refused).rejects.toThrow(
      new TypeError(
        'runLiveFleet: redis is set, but policy "sdk-default" keeps no overload state to share (the policies that use a store: stormwatch-0.1, stormwatch, stormwatch-shared, stormwatch-defer, stormwatch-defer-shared, stormwatch-batch); run it without redis',
      ),
    );
    expect(stderr.text).toBe(''); // no redis-server started, no worker forked
  });

  it('is part of the public API, with its error and guard', async () => {
    const sim = await import('../src/index.js');
    expect(sim.runLiveFleet).toBe(runLiveFleet);
    expect(sim.isLiveFleetError).toBe(isLiveFleetError);
    expect(sim.isLiveFleetError(new sim.LiveFleetError('x'))).toBe(true);
    const options: LiveFleetOptions = { scenario: tiny, seed: 1, policy: stormwatchDefault, port: 0, processes: 9, stdout: sink(), stderr: sink() };
    await expect(sim.runLiveFleet(options)).rejects.toThrow(RangeError);
  });
});

describe('the live fleet on the command line', () => {
  async function cli(...argv: string[]) {
    const stdout = sink();
    const stderr = sink();
    const calls: LiveCliOptions[] = [];
    const code = await main(argv, { stdout, stderr, cwd: '/tmp', live: async (o) => (calls.push(o), 0) });
    return { code, stderr: stderr.text, calls };
  }

  it('passes --processes and --redis to the live run', async () => {
    const { code, calls } = await cli('--live', '--processes', '20', '--redis', 'auto');
    expect(code).toBe(0);
    expect(calls.map((o) => [o.scenario.name, o.policy.id, o.processes, o.redis])).toEqual([['storm-50', 'stormwatch', 20, 'auto']]);
    expect((await cli('--live', '--processes', '4', '--redis', 'redis://:secret@127.0.0.1:6380/2')).calls[0]?.redis).toBe('redis://:secret@127.0.0.1:6380/2');
    expect((await cli('--live')).calls[0]).toMatchObject({ processes: undefined, redis: undefined });
    // Every Stormwatch row keeps state a store shares, the 0.1 one too.
    expect((await cli('--live', '--processes', '4', '--redis', 'auto', '--policy', 'stormwatch-0.1')).calls[0]?.policy.id).toBe('stormwatch-0.1');
  });

  for (const [argv, message] of [
    [['--live', '--processes', '0'], '--processes must be an integer >= 1, got "0"'],
    [['--live', '--processes', 'many'], '--processes must be an integer >= 1, got "many"'],
    [['--live', '--processes', '51'], `--processes must be at most the scenario's 50 clients, got "51"`],
    [['--live', '--processes', '4', '--redis', 'not-a-url'], '--redis must be a redis:// or rediss:// URL or "auto"; "not-a-url" is not a URL'],
    [['--live', '--processes', '4', '--redis', 'http://127.0.0.1:6379'], '--redis must be a redis:// or rediss:// URL or "auto"; "http://127.0.0.1:6379" uses http: instead of redis: or rediss:'],
    [['--live', '--processes', '4', '--redis', 'redis://:hunter2@'], '--redis must be a redis:// or rediss:// URL or "auto"; "redis://:***@" is not a URL'],
    [['--live', '--processes', '4', '--redis', 'redis:///0'], '--redis must be a redis:// or rediss:// URL or "auto"; "redis:///0" names no host'],
    [['--live', '--redis', 'auto'], '--redis applies only with --processes (the live fleet)'],
    [
      ['--live', '--processes', '4', '--redis', 'auto', '--policy', 'sdk-default'],
      '--redis shares overload state that --policy sdk-default does not keep; it applies to stormwatch-0.1, stormwatch, stormwatch-shared, stormwatch-defer, stormwatch-defer-shared, stormwatch-batch',
    ],
    [['--live', '--policies', 'stormwatch,sdk-default'], '--policies chooses the rows of a comparison; --live runs one policy, chosen with --policy'],
    [['--processes', '4'], '--processes and --redis apply only with --live'],
    [['--redis', 'auto'], '--processes and --redis apply only with --live'],
  ] as const) {
    it(`exits with 2 for ${argv.join(' ')}`, async () => {
      const { code, stderr, calls } = await cli(...argv);
      expect(code).toBe(2);
      expect(stderr).toBe(`stormwatch-sim: ${message}\nTry --help for the options.\n`);
      expect(calls).toEqual([]);
    });
  }
});
