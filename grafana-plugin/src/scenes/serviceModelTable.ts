import { PanelBuilders, SceneDataTransformer } from '@grafana/scenes';
import {
  LABEL,
  attemptsPerSecond,
  callsPerSecond,
  overloadRatio,
  retryAmplification,
  successRatio,
  wasteShare,
  wastedUsdPerHour,
} from '@stormwatch/queries';
import { serviceLink } from '../spec/panels';
import { FILTERS, promRunner } from './common';

/** The columns of the per-service-and-model table: refId, header, unit, query. */
export const SERVICE_MODEL_COLUMNS = [
  { refId: 'calls', title: 'Calls/s', unit: 'reqps', expr: callsPerSecond(FILTERS) },
  { refId: 'attempts', title: 'Attempts/s', unit: 'reqps', expr: attemptsPerSecond(FILTERS) },
  { refId: 'amplification', title: 'Amplification', unit: 'x', expr: retryAmplification(FILTERS) },
  { refId: 'overload', title: 'Overload ratio', unit: 'percentunit', expr: overloadRatio(FILTERS) },
  { refId: 'success', title: 'Success ratio', unit: 'percentunit', expr: successRatio(FILTERS) },
  { refId: 'wasted', title: 'Wasted USD/h', unit: 'currencyUSD', expr: wastedUsdPerHour(FILTERS) },
  {
    refId: 'wasteShare',
    title: 'Waste share',
    unit: 'percentunit',
    expr: wasteShare({ ...FILTERS, range: '$__range' }),
  },
] as const;

/** The value field of a Prometheus table-format query: `Value #<refId>`. */
export function valueField(refId: string): string {
  return `Value #${refId}`;
}

/**
 * One row per service and model with every headline figure, as instant table queries
 * merged on their labels; worst amplification first.
 */
export function serviceModelTable() {
  const runner = promRunner(
    SERVICE_MODEL_COLUMNS.map((c) => ({ refId: c.refId, expr: c.expr, instant: true, format: 'table' as const }))
  );
  return PanelBuilders.table()
    .setTitle('By service and model')
    .setData(
      new SceneDataTransformer({
        $data: runner,
        transformations: [
          { id: 'merge', options: {} },
          { id: 'organize', options: { excludeByName: { Time: true } } },
          { id: 'sortBy', options: { sort: [{ field: valueField('amplification'), desc: true }] } },
        ],
      })
    )
    .setOverrides((b) => {
      b.matchFieldsWithName(LABEL.SERVICE)
        .overrideDisplayName('Service')
        .overrideLinks([serviceLink('${__value.raw}')]);
      b.matchFieldsWithName(LABEL.MODEL).overrideDisplayName('Model');
      for (const c of SERVICE_MODEL_COLUMNS) {
        b.matchFieldsWithName(valueField(c.refId)).overrideDisplayName(c.title).overrideUnit(c.unit);
      }
    })
    .build();
}
