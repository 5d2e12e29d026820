import { EmbeddedScene, SceneDataLayerControls, SceneFlexLayout } from '@grafana/scenes';
import type { ResolvedSettings } from '../settings';
import { servicePage } from '../spec/pages/service';
import { toSceneAnnotations, toSceneRows } from '../spec/toScene';
import { defaultControls, defaultTimeRange } from './common';
import { metricsNotice } from './panels';
import { tracesDrilldownInstalled } from './tracePanels';
import { createVariables } from './variables';

/**
 * One service, rendered from its page spec (src/spec/pages/service.ts): opened from every
 * Overview cell that names a service, with the service in the URL (`var-service`).
 */
export function serviceScene(settings: ResolvedSettings) {
  const page = servicePage({ drilldown: tracesDrilldownInstalled() });
  return new EmbeddedScene({
    $timeRange: defaultTimeRange(),
    $variables: createVariables(settings),
    $data: toSceneAnnotations(page),
    controls: [...defaultControls(), new SceneDataLayerControls()],
    body: new SceneFlexLayout({ direction: 'column', children: [metricsNotice(), ...toSceneRows(page)] }),
  });
}
