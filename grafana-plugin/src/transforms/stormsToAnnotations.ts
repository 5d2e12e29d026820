import { DataTopic, FieldType, createDataFrame, type DataFrame } from '@grafana/data';
import type { Storm } from '@stormwatch/queries';

/** Colour of the storm regions by cause. */
const CAUSE_COLOR: Record<Storm['cause'], string> = { retries: 'orange', api: 'red', both: 'purple' };

/**
 * The storms as an annotation frame: one region per storm (time, timeEnd), titled with its
 * cause and services, for Grafana's time series panels to shade.
 */
export function stormsToAnnotations(storms: readonly Storm[]): DataFrame {
  return createDataFrame({
    name: 'storms',
    meta: { dataTopic: DataTopic.Annotations },
    fields: [
      { name: 'time', type: FieldType.time, values: storms.map((s) => s.start) },
      { name: 'timeEnd', type: FieldType.time, values: storms.map((s) => s.end) },
      { name: 'isRegion', type: FieldType.boolean, values: storms.map(() => true) },
      {
        name: 'title',
        type: FieldType.string,
        values: storms.map((s) => `storm (${s.cause}): ${s.services.join(', ')}`),
      },
      {
        name: 'text',
        type: FieldType.string,
        values: storms.map(
          (s) =>
            `models ${s.models.join(', ')}; peak amplification ${s.peakAmplification.toFixed(2)}, ` +
            `peak overload ${(s.peakOverloadRatio * 100).toFixed(0)} %, ${Math.round(s.overloaded)} 529s, ` +
            `${s.wastedUsd.toFixed(2)} USD wasted`
        ),
      },
      { name: 'color', type: FieldType.string, values: storms.map((s) => CAUSE_COLOR[s.cause]) },
      { name: 'source', type: FieldType.other, values: storms.map(() => ({ name: 'Storms', enable: true })) },
    ],
  });
}
