import { urlUtil } from '@grafana/data';
import {
  EmbeddedScene,
  PanelBuilders,
  SceneDataLayerControls,
  SceneDataTransformer,
  SceneFlexItem,
  SceneFlexLayout,
  type CustomTransformOperator,
} from '@grafana/scenes';
import {
  stormAmplification,
  stormOverloadRatio,
  stormOverloadedPerSecond,
  stormWastedUsdPerHour,
  type Storm,
  type StormThresholds,
} from '@stormwatch/queries';
import { map } from 'rxjs';
import { ROUTES, VAR_PROMETHEUS, VAR_TEMPO } from '../constants';
import type { ResolvedSettings } from '../settings';
import { STORM_REF, detectStormsInFrames } from '../transforms/detectStormsInFrames';
import { prefixRoute } from '../utils/routing';
import { stormsPage } from '../spec/pages/storms';
import { toSceneAnnotations, toSceneRows } from '../spec/toScene';
import { StormAnnotationsLayer } from './StormAnnotationsLayer';
import { FILTERS, defaultControls, defaultTimeRange, promRunner } from './common';
import { metricsNotice } from './panels';
import { tracesDrilldownInstalled } from './tracePanels';
import { createVariables } from './variables';

/** Step used when the result has fewer than two samples, in ms. */
const FALLBACK_STEP_MS = 15_000;

/** The storm queries, one refId each, as range queries over the page's time range. */
export function stormRunner() {
  return promRunner(
    [
      { refId: STORM_REF.AMPLIFICATION, expr: stormAmplification(FILTERS) },
      { refId: STORM_REF.OVERLOAD_RATIO, expr: stormOverloadRatio(FILTERS) },
      { refId: STORM_REF.OVERLOADED, expr: stormOverloadedPerSecond(FILTERS) },
      { refId: STORM_REF.WASTED, expr: stormWastedUsdPerHour(FILTERS) },
    ],
    { maxDataPoints: 500 }
  );
}

/** The drill-down URL of one storm: its interval, services and models, the same datasources. */
export function stormDetailUrl(storm: Storm, prometheusUid: string, tempoUid: string): string {
  return urlUtil.renderUrl(prefixRoute(`${ROUTES.Storms}/storm`), {
    from: storm.start,
    to: storm.end,
    'var-service': [...storm.services],
    'var-model': [...storm.models],
    [`var-${VAR_PROMETHEUS}`]: prometheusUid,
    [`var-${VAR_TEMPO}`]: tempoUid,
  });
}

/** Scenes transformation: storm queries' frames in, the storms table out. */
export function stormDetection(thresholds: StormThresholds): CustomTransformOperator {
  return (context) => (source) =>
    source.pipe(
      map((frames) => [
        detectStormsInFrames(frames, thresholds, FALLBACK_STEP_MS, (storm) =>
          stormDetailUrl(storm, context.interpolate(`\${${VAR_PROMETHEUS}}`), context.interpolate(`\${${VAR_TEMPO}}`))
        ),
      ])
    );
}

/** Panels of the Storms page the bundled dashboard does not have: the detected storms, computed in the browser. */
export const STORMS_APP_ONLY = ['Storms'];

/**
 * Storms: intervals where retry amplification or the overload ratio crossed the configured
 * thresholds, each opening its drill-down; then the page spec (src/spec/pages/storms.ts):
 * storm inputs, retry waves, admission control, the shared overload store and the waits.
 */
export function stormsScene(settings: ResolvedSettings) {
  const t = settings.stormThresholds;
  const stormTable = PanelBuilders.table()
    .setTitle('Storms')
    .setDescription(
      `Amplification above ${t.amplification} or overload ratio above ${t.overloadRatio * 100} % for at least ${
        t.minDurationMs / 1000
      } s (thresholds on the Configuration page). Cause: retries (amplification), api (overload) or both.`
    )
    .setNoValue('No storm in this time range')
    .setData(new SceneDataTransformer({ $data: stormRunner(), transformations: [stormDetection(t)] }))
    .build();
  const page = stormsPage({ drilldown: tracesDrilldownInstalled() });
  return new EmbeddedScene({
    $timeRange: defaultTimeRange(),
    $variables: createVariables(settings),
    $data: toSceneAnnotations(page, [new StormAnnotationsLayer({ thresholds: t, $data: stormRunner() })]),
    controls: [...defaultControls(), new SceneDataLayerControls()],
    body: new SceneFlexLayout({
      direction: 'column',
      children: [metricsNotice(), new SceneFlexItem({ height: 260, body: stormTable }), ...toSceneRows(page)],
    }),
  });
}
