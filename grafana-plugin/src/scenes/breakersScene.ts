import { EmbeddedScene, SceneFlexLayout } from '@grafana/scenes';
import type { ResolvedSettings } from '../settings';
import { breakersPage } from '../spec/pages/breakers';
import { toSceneRows } from '../spec/toScene';
import { defaultControls, defaultTimeRange } from './common';
import { metricsNotice } from './panels';
import { tracesDrilldownInstalled } from './tracePanels';
import { createVariables } from './variables';

export { breakerStateMappings } from '../spec/pages/breakers';

/** Breakers & fallbacks, rendered from its page spec (src/spec/pages/breakers.ts). */
export function breakersScene(settings: ResolvedSettings) {
  const rows = toSceneRows(breakersPage({ drilldown: tracesDrilldownInstalled() }));
  return new EmbeddedScene({
    $timeRange: defaultTimeRange(),
    $variables: createVariables(settings),
    controls: defaultControls(),
    body: new SceneFlexLayout({ direction: 'column', children: [metricsNotice(), ...rows] }),
  });
}
