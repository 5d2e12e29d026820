import { EmbeddedScene, SceneDataLayerControls, SceneFlexLayout } from '@grafana/scenes';
import type { ResolvedSettings } from '../settings';
import { OVERVIEW_TABLE_ROW, overviewPage } from '../spec/pages/overview';
import { toSceneAnnotations, toSceneRows } from '../spec/toScene';
import { defaultControls, defaultTimeRange } from './common';
import { metricsNotice, row } from './panels';
import { serviceModelTable } from './serviceModelTable';
import { StormAnnotationsLayer } from './StormAnnotationsLayer';
import { stormRunner } from './stormsScene';
import { tracesDrilldownInstalled } from './tracePanels';
import { createVariables } from './variables';

/** Panels of the Overview the bundled dashboard does not have (the agreement test allows exactly these). */
export const OVERVIEW_APP_ONLY = ['By service and model'];

/**
 * Overview, rendered from its page spec (src/spec/pages/overview.ts): the verdict per
 * service and model and the firing alerts first, the probe and the status page beside the
 * services' overload, then the figures; plus the per-service-and-model table.
 */
export function overviewScene(settings: ResolvedSettings) {
  const page = overviewPage({ drilldown: tracesDrilldownInstalled() });
  const rows = toSceneRows(page);
  rows.splice(OVERVIEW_TABLE_ROW, 0, row(240, [serviceModelTable()]));
  return new EmbeddedScene({
    $timeRange: defaultTimeRange(),
    $variables: createVariables(settings),
    $data: toSceneAnnotations(page, [
      new StormAnnotationsLayer({ thresholds: settings.stormThresholds, $data: stormRunner() }),
    ]),
    controls: [...defaultControls(), new SceneDataLayerControls()],
    body: new SceneFlexLayout({ direction: 'column', children: [metricsNotice(), ...rows] }),
  });
}
