import {
  FieldType,
  createDataFrame,
  standardTransformers,
  standardTransformersRegistry,
  transformDataFrame,
  type DataFrame,
  type DataTransformerConfig,
} from '@grafana/data';
import { firstValueFrom } from 'rxjs';
import { overviewPage } from './pages/overview';
import { stormsPage } from './pages/storms';
import { tracesPage } from './pages/traces';
import { ATTEMPTS_FIELD, DASHBOARD_ENV, SPAN_DURATION_FIELD, SPAN_ID_FIELD } from './panels';
import { targetOf, transformationsOf } from './render';
import type { PanelSpec } from './PageSpec';

beforeAll(() => {
  // Grafana registers its standard transformations at start-up; so does this test.
  standardTransformersRegistry.setInit(() => {
    const byId = new Map(Object.values(standardTransformers).map((t) => [t.id, t]));
    return [...byId.values()].map((t) => ({
      id: t.id,
      name: t.name,
      description: t.description,
      transformation: async () => t,
      imageDark: '',
      imageLight: '',
      editor: () => null,
    }));
  });
});

const panels = [overviewPage, stormsPage, tracesPage].flatMap((page) => page(DASHBOARD_ENV).rows.flat());
const panel = (title: string): PanelSpec => {
  const found = panels.find((p) => p.title === title);
  if (!found) {
    throw new Error(`no panel ${title}`);
  }
  return found;
};

/** Tempo's `spans` table as its datasource builds it (createTableFrameFromTraceQlQueryAsSpans): attributes as strings, durations in ns, the most recent first. */
function spansFrame(attempts: Array<string | undefined>, durations: number[]): DataFrame {
  return createDataFrame({
    name: 'Spans',
    fields: [
      { name: 'traceIdHidden', type: FieldType.string, values: attempts.map((_, i) => `trace-${i}`) },
      { name: SPAN_ID_FIELD, type: FieldType.string, values: attempts.map((_, i) => `span-${i}`) },
      { name: 'traceService', type: FieldType.string, values: attempts.map(() => 'checkout') },
      { name: SPAN_DURATION_FIELD, type: FieldType.number, values: durations },
      { name: ATTEMPTS_FIELD, type: FieldType.string, values: attempts },
    ],
  });
}

async function run(spec: PanelSpec, frame: DataFrame): Promise<DataFrame> {
  const [out] = await firstValueFrom(transformDataFrame(transformationsOf(spec) as DataTransformerConfig[], [frame]));
  return out;
}
const column = (frame: DataFrame, name: string) => frame.fields.find((f) => f.name === name)?.values;

describe('trace tables are sorted by what they say', () => {
  it.each(['Most attempts', 'Calls with the most attempts', 'Failed after retries'])(
    '"%s": most attempts first, as numbers (10 before 9 and 2)',
    async (title) => {
      const out = await run(panel(title), spansFrame(['2', '10', '9', '3'], [1, 2, 3, 4]));
      expect(column(out, ATTEMPTS_FIELD)).toEqual([10, 9, 3, 2]);
      // Whole rows move: the trace id stays with its attempts.
      expect(column(out, 'traceIdHidden')).toEqual(['trace-1', 'trace-2', 'trace-3', 'trace-0']);
    }
  );

  it.each(['Longest backoff', 'Longest backoffs'])('"%s": the longest wait first', async (title) => {
    const out = await run(panel(title), spansFrame(['2', '2', '2'], [250, 4000, 1000]));
    expect(column(out, SPAN_DURATION_FIELD)).toEqual([4000, 1000, 250]);
    expect(column(out, SPAN_ID_FIELD)).toEqual(['span-1', 'span-2', 'span-0']);
  });

  it('leaves a row without the attribute last', async () => {
    const out = await run(panel('Most attempts'), spansFrame(['3', undefined, '5'], [1, 2, 3]));
    expect(column(out, 'traceIdHidden')).toEqual(['trace-2', 'trace-0', 'trace-1']);
  });

  it('an empty result stays empty', async () => {
    const out = await run(panel('Most attempts'), spansFrame([], []));
    expect(out.length).toBe(0);
  });

  it('asks Tempo for one row per span, so that the selected attributes are columns', () => {
    for (const title of ['Most attempts', 'Longest backoff', 'Failed after retries']) {
      expect(panel(title).queries.map(targetOf)).toEqual([expect.objectContaining({ tableType: 'spans' })]);
    }
  });

  it('opens the trace of the row from the span id', () => {
    expect(panel('Most attempts').links).toEqual([
      {
        field: SPAN_ID_FIELD,
        links: [{ title: 'Open in Explore', url: expect.stringContaining('__data.fields.traceIdHidden') }],
      },
    ]);
    expect(tracesPage({ drilldown: true }).rows[0][0].links?.[0].links.map((l) => l.title)).toEqual([
      'Open in Explore',
      'Open in Traces Drilldown',
    ]);
  });
});
