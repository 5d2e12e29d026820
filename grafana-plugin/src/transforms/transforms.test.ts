import { FieldType, createDataFrame, type DataFrame } from '@grafana/data';
import { DEFAULT_STORM_THRESHOLDS } from '@stormwatch/queries';
import { STORM_REF, detectStormsInFrames } from './detectStormsInFrames';
import { framesToSeries, stepOf } from './framesToSeries';
import { STORM_FIELDS, stormsToFrame } from './stormsToFrame';
import { drilldownTraceUrl, exploreTraceUrl } from './traceLinks';
import { drilldownTraceLink, exploreTraceLink } from './traceLinkTemplates';

const STEP = 15_000;
const T0 = 1_700_000_000_000;

function promFrame(refId: string, labels: Record<string, string>, values: Array<number | null>): DataFrame {
  return createDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: values.map((_, i) => T0 + i * STEP) },
      { name: 'Value', type: FieldType.number, values, labels },
    ],
  });
}

const key = { job: 'checkout', gen_ai_request_model: 'claude-sonnet-4-5' };

describe('framesToSeries', () => {
  it('turns labelled number fields into series and drops null and NaN samples', () => {
    expect(framesToSeries([promFrame('A', key, [1, null, NaN, 4])])).toEqual([
      {
        labels: key,
        points: [
          [T0, 1],
          [T0 + 3 * STEP, 4],
        ],
      },
    ]);
  });

  it('skips frames without a time field', () => {
    const frame = createDataFrame({ fields: [{ name: 'Value', type: FieldType.number, values: [1] }] });
    expect(framesToSeries([frame])).toEqual([]);
  });
});

describe('stepOf', () => {
  it('finds the smallest gap between samples', () => {
    expect(stepOf([promFrame('A', key, [1, 2, 3])], 60_000)).toBe(STEP);
  });
  it('falls back when no frame has two samples', () => {
    expect(stepOf([promFrame('A', key, [1])], 60_000)).toBe(60_000);
  });
});

describe('detectStormsInFrames', () => {
  it('detects a storm from the frames of the storm queries and links it', () => {
    const frames = [
      promFrame(STORM_REF.AMPLIFICATION, key, [1, 3, 3, 3, 3, 3, 1]),
      promFrame(STORM_REF.OVERLOAD_RATIO, key, [0, 0.1, 0.1, 0.1, 0.1, 0.1, 0]),
      promFrame(STORM_REF.OVERLOADED, key, [0, 2, 2, 2, 2, 2, 0]),
      promFrame(STORM_REF.WASTED, key, [0, 3600, 3600, 3600, 3600, 3600, 0]),
    ];
    const table = detectStormsInFrames(frames, DEFAULT_STORM_THRESHOLDS, 60_000, (s) => `/storm?from=${s.start}`);
    const row = Object.fromEntries(table.fields.map((f) => [f.name, f.values[0]]));
    expect(table.length).toBe(1);
    expect(row).toEqual({
      [STORM_FIELDS.START]: T0 + STEP,
      [STORM_FIELDS.END]: T0 + 6 * STEP,
      [STORM_FIELDS.DURATION]: 5 * STEP,
      [STORM_FIELDS.PEAK_AMPLIFICATION]: 3,
      [STORM_FIELDS.PEAK_OVERLOAD]: 0.1,
      [STORM_FIELDS.OVERLOADED]: 150,
      [STORM_FIELDS.WASTED_USD]: 75,
      [STORM_FIELDS.CAUSE]: 'retries',
      [STORM_FIELDS.SERVICES]: 'checkout',
      [STORM_FIELDS.MODELS]: 'claude-sonnet-4-5',
      [STORM_FIELDS.DETAILS]: `/storm?from=${T0 + STEP}`,
    });
  });

  it('returns an empty table when nothing crosses the thresholds', () => {
    const frames = [promFrame(STORM_REF.AMPLIFICATION, key, [1, 1.5, 1.2])];
    const table = detectStormsInFrames(frames, DEFAULT_STORM_THRESHOLDS, 60_000);
    expect(table.length).toBe(0);
    expect(table.fields.map((f) => f.name)).not.toContain(STORM_FIELDS.DETAILS);
  });
});

describe('stormsToFrame', () => {
  it('puts the newest storm first', () => {
    const storm = {
      peakAmplification: 3,
      peakOverloadRatio: 0.5,
      overloaded: 1.4,
      wastedUsd: 1,
      cause: 'both' as const,
      services: ['a', 'b'],
      models: ['m'],
    };
    const frame = stormsToFrame([
      { ...storm, start: 1, end: 2 },
      { ...storm, start: 5, end: 9 },
    ]);
    expect(frame.fields.find((f) => f.name === STORM_FIELDS.START)?.values).toEqual([5, 1]);
    expect(frame.fields.find((f) => f.name === STORM_FIELDS.OVERLOADED)?.values).toEqual([1, 1]);
    expect(frame.fields.find((f) => f.name === STORM_FIELDS.SERVICES)?.values).toEqual(['a, b', 'a, b']);
  });
});

describe('trace links', () => {
  it('opens a trace in Explore on the Tempo datasource', () => {
    const url = exploreTraceUrl('tempo-uid', 'abc123', { from: 'now-1h', to: 'now' });
    const panes = JSON.parse(new URL(url, 'http://x').searchParams.get('panes')!);
    expect(url.startsWith('/explore?')).toBe(true);
    expect(panes).toEqual({
      trace: {
        datasource: 'tempo-uid',
        queries: [
          { refId: 'A', datasource: { type: 'tempo', uid: 'tempo-uid' }, queryType: 'traceql', query: 'abc123' },
        ],
        range: { from: 'now-1h', to: 'now' },
      },
    });
  });

  it('opens a trace in Traces Drilldown', () => {
    const url = new URL(drilldownTraceUrl('tempo-uid', 'abc123', { from: 1, to: 2 }), 'http://x');
    expect(url.pathname).toBe('/a/grafana-exploretraces-app/explore');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      'var-ds': 'tempo-uid',
      from: '1',
      to: '2',
      actionView: 'traceList',
      traceId: 'abc123',
    });
  });

  it('data-link templates carry the row value, the Tempo variable and the time range', () => {
    const explore = exploreTraceLink();
    const panes = JSON.parse(decodeURIComponent(explore.split('panes=')[1]!));
    expect(panes.trace.queries[0].query).toBe('${__value.raw}');
    expect(panes.trace.datasource).toBe('${tempo}');
    expect(panes.trace.range).toEqual({ from: '${__from}', to: '${__to}' });
    expect(drilldownTraceLink()).toContain('traceId=${__value.raw}');
  });
});
