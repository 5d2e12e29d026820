import type { DataFrame } from '@grafana/data';
import { detectStorms, type Storm, type StormThresholds } from '@stormwatch/queries';
import { framesToSeries, stepOf } from './framesToSeries';
import { stormsToFrame } from './stormsToFrame';

/** refIds of the storm-detection queries (see scenes/stormsScene). */
export const STORM_REF = Object.freeze({
  AMPLIFICATION: 'amplification',
  OVERLOAD_RATIO: 'overloadRatio',
  OVERLOADED: 'overloaded',
  WASTED: 'wasted',
});

/**
 * Runs storm detection on the frames of the storm queries, told apart by refId, and
 * returns the storms. `fallbackStepMs` is used when no series has two samples.
 */
export function stormsInFrames(
  frames: readonly DataFrame[],
  thresholds: StormThresholds,
  fallbackStepMs: number
): Storm[] {
  const byRef = (refId: string) => framesToSeries(frames.filter((f) => f.refId === refId));
  return detectStorms(
    {
      amplification: byRef(STORM_REF.AMPLIFICATION),
      overloadRatio: byRef(STORM_REF.OVERLOAD_RATIO),
      overloadedPerSecond: byRef(STORM_REF.OVERLOADED),
      wastedUsdPerHour: byRef(STORM_REF.WASTED),
      stepMs: stepOf(frames, fallbackStepMs),
    },
    thresholds
  );
}

/** The storms of {@link stormsInFrames} as the storms table. */
export function detectStormsInFrames(
  frames: readonly DataFrame[],
  thresholds: StormThresholds,
  fallbackStepMs: number,
  detailUrl?: (storm: Storm) => string
): DataFrame {
  return stormsToFrame(stormsInFrames(frames, thresholds, fallbackStepMs), detailUrl);
}
