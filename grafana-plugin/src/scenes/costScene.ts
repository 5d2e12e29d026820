import { EmbeddedScene, SceneDataLayerControls, SceneFlexLayout } from '@grafana/scenes';
import type { ResolvedSettings } from '../settings';
import { costPage } from '../spec/pages/cost';
import { toSceneAnnotations, toSceneRows } from '../spec/toScene';
import { defaultControls, defaultTimeRange } from './common';
import { metricsNotice } from './panels';
import { createVariables } from './variables';

/**
 * Cost, rendered from its page spec (src/spec/pages/cost.ts): USD/h and USD/day now, the
 * projections to the end of the day and month, this period against the previous, useful
 * against wasted by model, service and policy, wasted tokens by kind.
 */
export function costScene(settings: ResolvedSettings) {
  const page = costPage(settings.dailyBudgetUsd);
  return new EmbeddedScene({
    $timeRange: defaultTimeRange(),
    $variables: createVariables(settings),
    $data: toSceneAnnotations(page),
    controls: [...defaultControls(), new SceneDataLayerControls()],
    body: new SceneFlexLayout({ direction: 'column', children: [metricsNotice(), ...toSceneRows(page)] }),
  });
}
