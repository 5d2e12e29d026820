import { urlUtil } from '@grafana/data';
import {
  EmbeddedScene,
  PanelBuilders,
  SceneDataTransformer,
  SceneFlexItem,
  SceneFlexLayout,
  type CustomTransformOperator,
} from '@grafana/scenes';
import {
  admissionQueueDepth,
  admissionRefusalsByReason,
  admissionWaitP95,
  admittedRate,
  LABEL,
  firstAttemptWaves,
  retryDelayBuckets,
  retryWaves,
  stormAmplification,
  stormOverloadRatio,
  stormOverloadedPerSecond,
  stormWastedUsdPerHour,
  storeErrorsByOperation,
  storeInstancesLocal,
  storeLocalAnswersByReason,
  type Storm,
  type StormThresholds,
} from '@stormwatch/queries';
import { map } from 'rxjs';
import { ROUTES, VAR_PROMETHEUS, VAR_TEMPO } from '../constants';
import type { ResolvedSettings } from '../settings';
import { STORM_REF, detectStormsInFrames } from '../transforms/detectStormsInFrames';
import { prefixRoute } from '../utils/routing';
import { FILTERS, SERVICE_MODEL_LEGEND, defaultControls, defaultTimeRange, promRunner } from './common';
import { metricsNotice, row, timeseries } from './panels';
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

/**
 * Admission control per model: the rate admission sends a paced model's calls at against
 * the 529s it answers, the calls waiting, how long they wait and what is refused.
 */
function admissionRows() {
  return [
    row(260, [
      timeseries(
        'Admitted rate vs 529s',
        [
          { refId: 'admitted', expr: admittedRate(FILTERS), legendFormat: `admitted ${SERVICE_MODEL_LEGEND}` },
          { refId: 'overloaded', expr: stormOverloadedPerSecond(FILTERS), legendFormat: `529 ${SERVICE_MODEL_LEGEND}` },
        ],
        'reqps',
        {
          description:
            'The rate admission control sends calls of a model at (learned from its 529s; no line while the model is calm) against the 529s it answers. Admission halves its rate at each wave of 529s and doubles it every 10 s without.',
        }
      ),
      timeseries(
        'Calls waiting for admission',
        [{ refId: 'depth', expr: admissionQueueDepth(FILTERS), legendFormat: SERVICE_MODEL_LEGEND }],
        'short',
        { description: "Calls in each model's admission queue, over the service's instances and policies." }
      ),
    ]),
    row(260, [
      timeseries(
        'Admission wait p95',
        [{ refId: 'waitP95', expr: admissionWaitP95(FILTERS), legendFormat: SERVICE_MODEL_LEGEND }],
        's',
        {
          description: 'How long admitted calls waited for their model (95th percentile over 5 minutes, worst policy).',
        }
      ),
      timeseries(
        'Refused by admission/s',
        [
          {
            refId: 'refusals',
            expr: admissionRefusalsByReason({ ...FILTERS, by: [] }),
            legendFormat: `{{${LABEL.REFUSAL_REASON}}}`,
          },
        ],
        'reqps',
        {
          description:
            'deadline: its turn would have come too late; queue_full: too many calls waiting; long_wait: sent to its fallback model rather than wait.',
        }
      ),
    ]),
  ];
}

/**
 * The fleet's shared overload store (a policy's `store`, e.g. Redis): the instances whose
 * store answers from their own state instead of sharing (the fleet no longer paces as one),
 * why, and the store operations that rejected. Empty for services without a shared store.
 */
function storeRow() {
  return row(220, [
    timeseries(
      'Overload store: instances answering locally',
      [{ refId: 'storeLocal', expr: storeInstancesLocal(FILTERS), legendFormat: `{{${LABEL.SERVICE}}}` }],
      'short',
      {
        description:
          'Instances of each service whose shared overload store (Redis) is not sharing: they admit and pace calls on their own, not as one fleet. 0 when every instance shares; no line for a service without a shared store. Alert: StormwatchStoreNotSharing.',
      }
    ),
    timeseries(
      'Overload store: local answers/s',
      [
        {
          refId: 'storeLocalAnswers',
          expr: storeLocalAnswersByReason(FILTERS),
          legendFormat: `{{${LABEL.SERVICE}}} · {{${LABEL.STORE_REASON}}}`,
        },
      ],
      'ops',
      {
        description:
          "Store operations answered from the instance's own state because Redis could not be used. connection: no connection; timeout: no answer within timeoutMs; error_reply: Redis answered an error; malformed_reply: an answer the store never expects.",
      }
    ),
    timeseries(
      'Overload store: rejected operations/s',
      [
        {
          refId: 'storeErrors',
          expr: storeErrorsByOperation(FILTERS),
          legendFormat: `${SERVICE_MODEL_LEGEND} · {{${LABEL.STORE_OPERATION}}}`,
        },
      ],
      'ops',
      {
        description:
          'Store operations that rejected (a closed or broken store; calls go on as if the store were calm). A Redis store that is down answers locally instead.',
      }
    ),
  ]);
}

/**
 * Storms: intervals where retry amplification or the overload ratio crossed the configured
 * thresholds, each opening its drill-down; the retry waves that show whether retries are
 * synchronized; admission control per model; and the fleet's shared overload store.
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
  return new EmbeddedScene({
    $timeRange: defaultTimeRange(),
    $variables: createVariables(settings),
    controls: defaultControls(),
    body: new SceneFlexLayout({
      direction: 'column',
      children: [
        metricsNotice(),
        new SceneFlexItem({ height: 260, body: stormTable }),
        row(300, [
          timeseries(
            'Retry waves',
            [
              {
                refId: 'retries',
                expr: retryWaves({ ...FILTERS, range: '30s' }),
                legendFormat: `retries ${SERVICE_MODEL_LEGEND}`,
              },
              {
                refId: 'first',
                expr: firstAttemptWaves({ ...FILTERS, range: '30s' }),
                legendFormat: `first ${SERVICE_MODEL_LEGEND}`,
              },
            ],
            'reqps',
            { minInterval: '5s' }
          ),
        ]),
        ...admissionRows(),
        storeRow(),
        row(260, [
          timeseries(
            'Amplification by service and model',
            [{ refId: 'amp', expr: stormAmplification(FILTERS), legendFormat: SERVICE_MODEL_LEGEND }],
            'x'
          ),
          PanelBuilders.heatmap()
            .setTitle('Waits between attempts')
            .setDescription('Spread of backoff delays: one narrow band means synchronized retries.')
            .setData(
              promRunner([
                {
                  refId: 'delays',
                  expr: retryDelayBuckets({ ...FILTERS, range: '$__rate_interval' }),
                  legendFormat: '{{le}}',
                  format: 'heatmap',
                },
              ])
            )
            .build(),
        ]),
      ],
    }),
  });
}
