import { FieldType, type DataFrame } from '@grafana/data';
import type { Series } from '@stormwatch/queries';

/**
 * Turns Prometheus data frames (one time field and one or more labelled number fields
 * each) into the plain series storm detection reads. Frames without a time field and
 * null or NaN samples are skipped.
 */
export function framesToSeries(frames: readonly DataFrame[]): Series[] {
  const out: Series[] = [];
  for (const frame of frames) {
    const time = frame.fields.find((f) => f.type === FieldType.time);
    if (!time) {
      continue;
    }
    for (const field of frame.fields) {
      if (field.type !== FieldType.number) {
        continue;
      }
      const points: Array<readonly [number, number]> = [];
      for (let i = 0; i < frame.length; i++) {
        const t = time.values[i];
        const v = field.values[i];
        if (typeof t === 'number' && typeof v === 'number' && Number.isFinite(v)) {
          points.push([t, v]);
        }
      }
      out.push({ labels: { ...(field.labels ?? {}) }, points });
    }
  }
  return out;
}

/**
 * The distance between samples of the frames, in ms: the smallest positive gap between
 * consecutive times of any frame, or `fallbackMs` when no frame has two samples.
 */
export function stepOf(frames: readonly DataFrame[], fallbackMs: number): number {
  let step = Infinity;
  for (const frame of frames) {
    const time = frame.fields.find((f) => f.type === FieldType.time);
    if (!time) {
      continue;
    }
    for (let i = 1; i < time.values.length; i++) {
      const gap = Number(time.values[i]) - Number(time.values[i - 1]);
      if (gap > 0 && gap < step) {
        step = gap;
      }
    }
  }
  return Number.isFinite(step) ? step : fallbackMs;
}
