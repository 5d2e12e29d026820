import { PanelBuilders, SceneFlexItem, SceneFlexLayout, type SceneObject } from '@grafana/scenes';
import { callsPerSecond } from '@stormwatch/queries';
import { FILTERS, promRunner, type PromTarget } from './common';
import { TelemetryNotice } from './TelemetryNotice';

/** A stat panel of one instant PromQL query. */
export function stat(title: string, target: PromTarget, unit: string, description?: string) {
  const builder = PanelBuilders.stat()
    .setTitle(title)
    .setData(promRunner([{ ...target, instant: true }]))
    .setUnit(unit)
    .setOption('graphMode', 'none' as never);
  if (description) {
    builder.setDescription(description);
  }
  return builder.build();
}

/** A time series panel. */
export function timeseries(
  title: string,
  targets: PromTarget[],
  unit: string,
  { description, ...options }: { minInterval?: string; description?: string } = {}
) {
  const builder = PanelBuilders.timeseries().setTitle(title).setData(promRunner(targets, options)).setUnit(unit);
  if (description) {
    builder.setDescription(description);
  }
  return builder.build();
}

/** A row of equally wide items. */
export function row(height: number, children: SceneObject[]) {
  return new SceneFlexItem({
    height,
    body: new SceneFlexLayout({
      direction: 'row',
      children: children.map((body) => new SceneFlexItem({ body })),
    }),
  });
}

/** The empty-state / error notice on Stormwatch metrics for the selected filters. */
export function metricsNotice() {
  return new SceneFlexItem({
    body: new TelemetryNotice({
      what: 'metrics',
      $data: promRunner([{ refId: 'probe', expr: callsPerSecond({ ...FILTERS, by: [] }), instant: true }]),
    }),
  });
}
