import { describe, expect, test } from 'vitest';
import { DEFAULT_STORM_THRESHOLDS, detectStorms, type Series } from '../src/index.js';

const STEP = 15_000;
const T0 = 1_700_000_000_000;

/** A series of one service and model with one value per step from T0. */
function series(service: string, model: string, values: number[]): Series {
  return { labels: { job: service, gen_ai_request_model: model }, points: values.map((v, i) => [T0 + i * STEP, v] as const) };
}

describe('detectStorms', () => {
  test('finds one storm with its peak, 529s and wasted USD', () => {
    //            0    1    2    3    4    5    6    7
    const amp = [1.0, 1.1, 2.5, 3.2, 2.8, 2.1, 1.2, 1.0];
    const ovl = [0.0, 0.0, 0.3, 0.5, 0.4, 0.1, 0.0, 0.0];
    const per529 = [0, 0, 2, 4, 2, 1, 0, 0]; // per second
    const usdPerHour = [0, 0, 36, 72, 36, 36, 0, 0];
    const storms = detectStorms({
      amplification: [series('api', 'm1', amp)],
      overloadRatio: [series('api', 'm1', ovl)],
      overloadedPerSecond: [series('api', 'm1', per529)],
      wastedUsdPerHour: [series('api', 'm1', usdPerHour)],
      stepMs: STEP,
    });
    expect(storms).toEqual([
      {
        start: T0 + 2 * STEP,
        end: T0 + 6 * STEP,
        peakAmplification: 3.2,
        peakOverloadRatio: 0.5,
        overloaded: (2 + 4 + 2 + 1) * 15,
        wastedUsd: ((36 + 72 + 36 + 36) / 3600) * 15,
        cause: 'both',
        services: ['api'],
        models: ['m1'],
      },
    ]);
  });

  test('merges overlapping storms of different services and models', () => {
    const storms = detectStorms({
      amplification: [series('api', 'm1', [3, 3, 3, 3, 3, 1, 1, 1]), series('batch', 'm2', [1, 1, 1, 3, 3, 3, 3, 3])],
      overloadRatio: [],
      stepMs: STEP,
    });
    expect(storms.map((s) => [s.start, s.end, s.services, s.models, s.cause])).toEqual([
      [T0, T0 + 8 * STEP, ['api', 'batch'], ['m1', 'm2'], 'retries'],
    ]);
  });

  test('overload alone is a storm caused by the API', () => {
    const storms = detectStorms({
      amplification: [series('api', 'm1', [1, 1, 1, 1, 1, 1])],
      overloadRatio: [series('api', 'm1', [0.5, 0.5, 0.5, 0.5, 0.5, 0])],
      stepMs: STEP,
    });
    expect(storms.map((s) => [s.cause, s.peakAmplification, s.peakOverloadRatio])).toEqual([['api', 1, 0.5]]);
  });

  test('drops storms shorter than the minimum duration', () => {
    const storms = detectStorms({
      amplification: [series('api', 'm1', [1, 5, 1, 1, 1])],
      overloadRatio: [],
      stepMs: STEP,
    });
    expect(storms).toEqual([]);
  });

  test('splits storms separated by a calm sample', () => {
    const storms = detectStorms(
      { amplification: [series('api', 'm1', [3, 3, 1, 3, 3])], overloadRatio: [], stepMs: STEP },
      { ...DEFAULT_STORM_THRESHOLDS, minDurationMs: 0 },
    );
    expect(storms.map((s) => [s.start, s.end])).toEqual([
      [T0, T0 + 2 * STEP],
      [T0 + 3 * STEP, T0 + 5 * STEP],
    ]);
  });

  test('splits a storm where samples are missing', () => {
    const points: [number, number][] = [
      [T0, 3],
      [T0 + STEP, 3],
      [T0 + 10 * STEP, 3],
      [T0 + 11 * STEP, 3],
    ];
    const storms = detectStorms(
      { amplification: [{ labels: { job: 'a', gen_ai_request_model: 'm' }, points }], overloadRatio: [], stepMs: STEP },
      { ...DEFAULT_STORM_THRESHOLDS, minDurationMs: 0 },
    );
    expect(storms).toHaveLength(2);
  });

  test('uses the given thresholds', () => {
    const input = { amplification: [series('api', 'm1', [1.6, 1.6, 1.6, 1.6, 1.6])], overloadRatio: [], stepMs: STEP };
    expect(detectStorms(input)).toEqual([]);
    expect(detectStorms(input, { amplification: 1.5, overloadRatio: 0.2, minDurationMs: 60_000 })).toHaveLength(1);
  });

  test('ignores NaN samples', () => {
    const storms = detectStorms({ amplification: [series('api', 'm1', [NaN, NaN, NaN, NaN, NaN])], overloadRatio: [], stepMs: STEP });
    expect(storms).toEqual([]);
  });

  test('returns nothing without data', () => {
    expect(detectStorms({ amplification: [], overloadRatio: [], stepMs: STEP })).toEqual([]);
  });

  test('rejects bad thresholds and steps', () => {
    const input = { amplification: [], overloadRatio: [], stepMs: STEP };
    expect(() => detectStorms(input, { ...DEFAULT_STORM_THRESHOLDS, amplification: -1 })).toThrow(
      'storm threshold amplification must be a finite number >= 0, got -1',
    );
    expect(() => detectStorms(input, { ...DEFAULT_STORM_THRESHOLDS, overloadRatio: NaN })).toThrow(RangeError);
    expect(() => detectStorms({ ...input, stepMs: 0 })).toThrow('stepMs must be a positive number, got 0');
  });
});
