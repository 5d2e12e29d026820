import { FieldType, createDataFrame, type DataFrame } from '@grafana/data';
import type { Storm } from '@stormwatch/queries';

/** Field names of the storms table. */
export const STORM_FIELDS = Object.freeze({
  START: 'Start',
  END: 'End',
  DURATION: 'Duration',
  PEAK_AMPLIFICATION: 'Peak amplification',
  PEAK_OVERLOAD: 'Peak overload ratio',
  OVERLOADED: '529s',
  WASTED_USD: 'Wasted USD',
  CAUSE: 'Cause',
  SERVICES: 'Services',
  MODELS: 'Models',
  DETAILS: 'Details',
});

/**
 * One table row per storm, newest first; durations in ms, ratios 0..1. With `detailUrl`,
 * a Details column links each storm to its drill-down page.
 */
export function stormsToFrame(storms: readonly Storm[], detailUrl?: (storm: Storm) => string): DataFrame {
  const rows = [...storms].sort((a, b) => b.start - a.start);
  return createDataFrame({
    name: 'storms',
    refId: 'storms',
    fields: [
      { name: STORM_FIELDS.START, type: FieldType.time, values: rows.map((s) => s.start) },
      { name: STORM_FIELDS.END, type: FieldType.time, values: rows.map((s) => s.end) },
      {
        name: STORM_FIELDS.DURATION,
        type: FieldType.number,
        values: rows.map((s) => s.end - s.start),
        config: { unit: 'ms' },
      },
      {
        name: STORM_FIELDS.PEAK_AMPLIFICATION,
        type: FieldType.number,
        values: rows.map((s) => s.peakAmplification),
        config: { unit: 'x', decimals: 2 },
      },
      {
        name: STORM_FIELDS.PEAK_OVERLOAD,
        type: FieldType.number,
        values: rows.map((s) => s.peakOverloadRatio),
        config: { unit: 'percentunit' },
      },
      {
        name: STORM_FIELDS.OVERLOADED,
        type: FieldType.number,
        values: rows.map((s) => Math.round(s.overloaded)),
        config: { unit: 'short' },
      },
      {
        name: STORM_FIELDS.WASTED_USD,
        type: FieldType.number,
        values: rows.map((s) => s.wastedUsd),
        config: { unit: 'currencyUSD', decimals: 2 },
      },
      { name: STORM_FIELDS.CAUSE, type: FieldType.string, values: rows.map((s) => s.cause) },
      { name: STORM_FIELDS.SERVICES, type: FieldType.string, values: rows.map((s) => s.services.join(', ')) },
      { name: STORM_FIELDS.MODELS, type: FieldType.string, values: rows.map((s) => s.models.join(', ')) },
      ...(detailUrl
        ? [
            {
              name: STORM_FIELDS.DETAILS,
              type: FieldType.string,
              values: rows.map(detailUrl),
              config: {
                links: [{ title: 'Open storm', url: '${__value.raw}' }],
                custom: { cellOptions: { type: 'data-links' } },
              },
            },
          ]
        : []),
    ],
  });
}
