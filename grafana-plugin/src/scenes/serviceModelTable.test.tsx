import { act } from '@testing-library/react';
import {
  FieldType,
  createDataFrame,
  standardTransformers,
  standardTransformersRegistry,
  type DataQueryRequest,
} from '@grafana/data';
import { VizPanel, sceneGraph } from '@grafana/scenes';
import { DEFAULT_STORM_THRESHOLDS } from '@stormwatch/queries';
import { activateFullSceneTree } from '../test/activateFullSceneTree';
import { PROM_UID, TEMPO_UID, installFakeGrafana } from '../test/fakeGrafana';
import { serviceLink } from '../spec/panels';
import { overviewScene } from './overviewScene';
import { SERVICE_MODEL_COLUMNS, serviceModelTable, valueField } from './serviceModelTable';

beforeAll(() => {
  // Grafana registers its standard transformations at start-up; so does this test.
  standardTransformersRegistry.setInit(() => {
    const byId = new Map(Object.values(standardTransformers).map((t) => [t.id, t]));
    return [...byId.values()].map((t) => ({
      id: t.id,
      name: t.name,
      description: t.description,
      // Grafana 13 loads transformations lazily: the registry holds a loader.
      transformation: async () => t,
      imageDark: '',
      imageLight: '',
      editor: () => null,
    }));
  });
});

/** Instant table frames: two services, one value per column (amplification 2 for checkout, 3 for batch). */
function respond(request: DataQueryRequest) {
  const value: Record<string, [number, number]> = {
    calls: [10, 1],
    attempts: [20, 3],
    amplification: [2, 3],
    overload: [0.25, 0.5],
    success: [0.9, 0.6],
    wasted: [1.5, 0.2],
    wasteShare: [0.1, 0.3],
  };
  const frames = request.targets
    .filter((t) => value[t.refId] && (t as { format?: string }).format === 'table')
    .map((t) =>
      createDataFrame({
        refId: t.refId,
        fields: [
          { name: 'Time', type: FieldType.time, values: [1, 1] },
          { name: 'job', type: FieldType.string, values: ['checkout', 'batch'] },
          { name: 'gen_ai_request_model', type: FieldType.string, values: ['m', 'm'] },
          { name: `Value #${t.refId}`, type: FieldType.number, values: value[t.refId] },
        ],
      })
    );
  return { frames };
}

describe('the by-service-and-model table', () => {
  it('merges the headline figures into one row per service and model, worst amplification first', async () => {
    installFakeGrafana(respond);
    const scene = overviewScene({
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
    const panel = sceneGraph.findObject(
      scene,
      (o) => o instanceof VizPanel && o.state.title === 'By service and model'
    ) as VizPanel;
    const table = sceneGraph.getData(panel).state.data!.series[0]!;
    const rows = [0, 1].map((i) => Object.fromEntries(table.fields.map((f) => [f.name, f.values[i]])));
    expect(rows).toEqual([
      {
        job: 'batch',
        gen_ai_request_model: 'm',
        'Value #calls': 1,
        'Value #attempts': 3,
        'Value #amplification': 3,
        'Value #overload': 0.5,
        'Value #success': 0.6,
        'Value #wasted': 0.2,
        'Value #wasteShare': 0.3,
      },
      {
        job: 'checkout',
        gen_ai_request_model: 'm',
        'Value #calls': 10,
        'Value #attempts': 20,
        'Value #amplification': 2,
        'Value #overload': 0.25,
        'Value #success': 0.9,
        'Value #wasted': 1.5,
        'Value #wasteShare': 0.1,
      },
    ]);
    deactivate();
  });

  it('names the columns, sets their units and links each service to its page, with overrides', () => {
    const panel = serviceModelTable();
    const overrides = panel.state.fieldConfig.overrides.map((o) => [
      o.matcher.options,
      ...o.properties.map((p) => p.value),
    ]);
    expect(overrides).toEqual([
      ['job', 'Service', [serviceLink('${__value.raw}')]],
      ['gen_ai_request_model', 'Model'],
      ...SERVICE_MODEL_COLUMNS.map((c) => [valueField(c.refId), c.title, c.unit]),
    ]);
  });
});
