import { describe, expect, it } from 'vitest';
import { runLive } from '../src/live/runLive.js';
import { sdkDefault, stormwatchDefault } from '../src/policies/index.js';
import { storm50 } from '../src/scenarios/storm50.js';
import type { Scenario } from '../src/scenarios/Scenario.js';

/** A 4-second storm in real time: capacity at 10 % and a reset wave from 1.5 s to 3 s. */
const tiny: Scenario = {
  ...storm50,
  name: 'tiny',
  durationS: 4,
  models: [{ ...storm50.models[0]!, timeToFirstTokenMs: 50, outputTokensPerSecond: 2000 }],
  overloads: [{ startS: 1.5, endS: 3, factor: 0.1, streamBreakProbability: 0.5 }],
  resetWaves: [{ startS: 1.5, endS: 3, probability: 0.3 }],
  storm: { startS: 1, endS: 3 },
  fleet: { ...storm50.fleet, clients: 10, callsPerSecond: 2, deadlineS: 10 },
};

function sink() {
  const s = { text: '', write: (t: string) => void (s.text += t) };
  return s;
}

describe('live mode', () => {
  for (const policy of [sdkDefault, stormwatchDefault]) {
    it(`runs the storm in real time over HTTP on 127.0.0.1 (${policy.id})`, async () => {
      const stdout = sink();
      const stderr = sink();
      const run = await runLive({ scenario: tiny, seed: 1, policy, port: 0, stdout, stderr });
      expect(stderr.text).toMatch(/^live: tiny against http:\/\/127\.0\.0\.1:\d+ with /);
      expect(run.calls.length).toBeGreaterThan(40);
      expect(run.calls.every((c) => c.endMs !== undefined)).toBe(true);
      const results = new Set(run.attempts.map((a) => a.result));
      // Real 200s, real 529s and real connection resets went over the socket.
      expect(results.has('ok')).toBe(true);
      expect(results.has('overloaded')).toBe(true);
      expect(results.has('reset')).toBe(true);
      expect(results.has('invalid')).toBe(false);
      expect(results.has('pending')).toBe(false);
      expect(run.calls.filter((c) => c.ok).length).toBeGreaterThan(run.calls.length / 2);
      expect(stdout.text).toContain(policy.label);
    }, 30_000);
  }
});
