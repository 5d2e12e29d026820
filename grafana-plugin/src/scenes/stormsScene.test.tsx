import { act } from '@testing-library/react';
import { FieldType, createDataFrame, type DataQueryRequest } from '@grafana/data';
import { VizPanel, sceneGraph, type SceneQueryRunner } from '@grafana/scenes';
import {
  DEFAULT_STORM_THRESHOLDS,
  LABEL,
  admissionQueueDepth,
  admissionRefusalsByReason,
  admissionWaitP95,
  admittedRate,
  storeErrorsByOperation,
  storeInstancesLocal,
  storeLocalAnswersByReason,
  stormOverloadedPerSecond,
} from '@stormwatch/queries';
import { VAR_MODEL, VAR_SERVICE } from '../constants';
import { activateFullSceneTree } from '../test/activateFullSceneTree';
import { PROM_UID, TEMPO_UID, installFakeGrafana } from '../test/fakeGrafana';
import { STORM_REF } from '../transforms/detectStormsInFrames';
import { STORM_FIELDS } from '../transforms/stormsToFrame';
import { stormsScene } from './stormsScene';

const STEP = 15_000;
const T0 = 1_700_000_000_000;

function frame(refId: string, values: number[]) {
  return createDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: values.map((_, i) => T0 + i * STEP) },
      {
        name: 'Value',
        type: FieldType.number,
        values,
        labels: { job: 'checkout', gen_ai_request_model: 'claude-opus-4-7' },
      },
    ],
  });
}

/** Answers each storm query by refId; every other query with nothing. */
function respond(request: DataQueryRequest) {
  const values: Record<string, number[]> = {
    [STORM_REF.AMPLIFICATION]: [1, 4, 4, 4, 4, 4, 4, 1],
    [STORM_REF.OVERLOAD_RATIO]: [0, 0.5, 0.6, 0.5, 0.5, 0.5, 0.5, 0],
    [STORM_REF.OVERLOADED]: [0, 1, 1, 1, 1, 1, 1, 0],
    [STORM_REF.WASTED]: [0, 36, 36, 36, 36, 36, 36, 0],
  };
  return { frames: request.targets.filter((t) => values[t.refId]).map((t) => frame(t.refId, values[t.refId]!)) };
}

describe('the storms table', () => {
  it('lists detected storms with a drill-down link carrying the storm and the datasources', async () => {
    installFakeGrafana(respond);
    const scene = stormsScene({
      prometheusDatasourceUid: PROM_UID,
      tempoDatasourceUid: TEMPO_UID,
      stormThresholds: DEFAULT_STORM_THRESHOLDS,
    });
    const deactivate = activateFullSceneTree(scene);
    for (let i = 0; i < 5; i++) {
      await act(async () => {
        await new Promise((r) => setTimeout(r, 0));
      });
    }
    const panel = sceneGraph.findObject(scene, (o) => o instanceof VizPanel && o.state.title === 'Storms') as VizPanel;
    const table = sceneGraph.getData(panel).state.data!.series[0]!;
    const row = Object.fromEntries(table.fields.map((f) => [f.name, f.values[0]]));
    expect(table.length).toBe(1);
    expect(row[STORM_FIELDS.START]).toBe(T0 + STEP);
    expect(row[STORM_FIELDS.END]).toBe(T0 + 7 * STEP);
    expect(row[STORM_FIELDS.PEAK_AMPLIFICATION]).toBe(4);
    expect(row[STORM_FIELDS.OVERLOADED]).toBe(90);
    expect(row[STORM_FIELDS.WASTED_USD]).toBeCloseTo(0.9, 10);
    expect(row[STORM_FIELDS.CAUSE]).toBe('both');
    const link = new URL(row[STORM_FIELDS.DETAILS], 'http://grafana');
    expect(link.pathname).toBe('/a/stormwatch-stormwatch-app/storms/storm');
    expect(Object.fromEntries(link.searchParams)).toEqual({
      from: String(T0 + STEP),
      to: String(T0 + 7 * STEP),
      'var-service': 'checkout',
      'var-model': 'claude-opus-4-7',
      'var-prometheus': PROM_UID,
      'var-tempo': TEMPO_UID,
    });
    deactivate();
  });
});

describe('admission control on the storms page', () => {
  const settings = {
    prometheusDatasourceUid: PROM_UID,
    tempoDatasourceUid: TEMPO_UID,
    stormThresholds: DEFAULT_STORM_THRESHOLDS,
  };
  const filters = { service: { variable: VAR_SERVICE }, model: { variable: VAR_MODEL } };
  const queriesOf = (title: string) => {
    const panel = sceneGraph.findObject(
      stormsScene(settings),
      (o) => o instanceof VizPanel && o.state.title === title
    ) as VizPanel | null;
    expect(panel).not.toBeNull();
    return (panel!.state.$data as SceneQueryRunner).state.queries.map((q) => [q.expr, q.legendFormat]);
  };
  const perModel = `{{${LABEL.SERVICE}}} · {{${LABEL.MODEL}}}`;

  it('sets the admitted rate against the 529s, per service and model', () => {
    expect(queriesOf('Admitted rate vs 529s')).toEqual([
      [stormOverloadedPerSecond(filters), `529 ${perModel}`],
      [admittedRate(filters), `admitted ${perModel}`],
    ]);
  });

  it('shows the calls waiting, their wait and the refusals by reason', () => {
    expect(queriesOf('Calls waiting for admission')).toEqual([[admissionQueueDepth(filters), perModel]]);
    expect(queriesOf('Admission wait p95')).toEqual([[admissionWaitP95(filters), perModel]]);
    expect(queriesOf('Refused by admission/s')).toEqual([
      [admissionRefusalsByReason({ ...filters, by: [] }), `{{${LABEL.REFUSAL_REASON}}}`],
    ]);
  });

  it('shows the shared store: the instances answering locally, why, and the operations that rejected', () => {
    expect(queriesOf('Overload store: instances answering locally')).toEqual([
      [storeInstancesLocal(filters), `{{${LABEL.SERVICE}}}`],
    ]);
    expect(queriesOf('Overload store: local answers/s')).toEqual([
      [storeLocalAnswersByReason(filters), `{{${LABEL.SERVICE}}} · {{${LABEL.STORE_REASON}}}`],
    ]);
    expect(queriesOf('Overload store: rejected operations/s')).toEqual([
      [storeErrorsByOperation(filters), `${perModel} · {{${LABEL.STORE_OPERATION}}}`],
    ]);
  });
});
