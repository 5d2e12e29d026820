import { ALERT_THRESHOLDS, LABEL } from '@stormwatch/queries';
import { ROUTES } from '../../constants';
import { redFrom, type PageSpec } from '../PageSpec';
import { FILTERS, SERVICE_MODEL, SPAN_DURATION_FIELD, legend, timeseries, traceTable, type PageEnv } from '../panels';

/**
 * Storms: the inputs of storm detection against the alerts' thresholds, the retry waves,
 * admission control, the shared overload store, the deferred work and the waits between
 * attempts. The app
 * puts the detected storms (computed in the browser) above them.
 */
export function stormsPage(env: PageEnv): PageSpec {
  return {
    title: 'Stormwatch storms',
    description:
      'The inputs of storm detection against their thresholds, the retry waves that show whether retries are synchronized, admission control, the shared overload store, and the waits between attempts.',
    route: ROUTES.Storms,
    rows: [
      [
        timeseries(
          'Retry amplification (storm input)',
          'Worst policy per service and model; a storm when above the red line (the retry-storm alert).',
          [{ id: 'stormAmplification', params: FILTERS, legend: SERVICE_MODEL }],
          'x',
          12,
          { thresholds: redFrom(ALERT_THRESHOLDS.retryAmplification) }
        ),
        timeseries(
          'Overload ratio (storm input)',
          'Share of attempts answered 529 per service and model; the API is overloaded above the red line (the overload alert).',
          [{ id: 'stormOverloadRatio', params: FILTERS, legend: SERVICE_MODEL }],
          'percentunit',
          12,
          { thresholds: redFrom(ALERT_THRESHOLDS.overloadRatio) }
        ),
      ],
      [
        timeseries(
          'Admitted rate vs 529s',
          'Attempts answered overloaded_error (529) per second, against the rate admission control sends calls of the model at (learned from its 529s; no line while the model is calm). Admission halves its rate at each wave of 529s and doubles it every 10 s without.',
          [
            { id: 'stormOverloadedPerSecond', params: FILTERS, legend: `529 ${SERVICE_MODEL}` },
            { id: 'admittedRate', params: FILTERS, legend: `admitted ${SERVICE_MODEL}` },
          ],
          'reqps',
          12
        ),
        timeseries(
          'Wasted USD/h',
          'Wasted burn rate per service and model.',
          [{ id: 'stormWastedUsdPerHour', params: FILTERS, legend: SERVICE_MODEL }],
          'currencyUSD',
          12
        ),
      ],
      [
        timeseries(
          'Retry waves',
          'Retries per second on a 30 s window at a 5 s step: regular spikes mean synchronized retries (no jitter, a shared Retry-After), a smooth band jittered ones.',
          [
            { id: 'retryWaves', params: FILTERS, legend: `retries ${SERVICE_MODEL}` },
            { id: 'firstAttemptWaves', params: { ...FILTERS, by: [] }, legend: 'first attempts' },
          ],
          'reqps',
          24,
          { interval: '5s' }
        ),
      ],
      [
        timeseries(
          'Calls waiting for admission',
          "Calls in each model's admission queue, over the service's instances and policies.",
          [{ id: 'admissionQueueDepth', params: FILTERS, legend: SERVICE_MODEL }],
          'short',
          8
        ),
        timeseries(
          'Admission wait p95',
          'How long admitted calls waited for their model (95th percentile over 5 minutes, worst policy).',
          [{ id: 'admissionWaitP95', params: FILTERS, legend: SERVICE_MODEL }],
          's',
          8
        ),
        timeseries(
          'Refused by admission/s',
          'deadline: its turn would have come too late; queue_full: too many calls waiting; long_wait: sent to its fallback model rather than wait.',
          [{ id: 'admissionRefusalsByReason', params: { ...FILTERS, by: [] }, legend: legend(LABEL.REFUSAL_REASON) }],
          'reqps',
          8
        ),
      ],
      [
        timeseries(
          'Overload store: instances answering locally',
          'Instances of each service whose shared overload store (Redis) is not sharing: they admit and pace calls on their own, not as one fleet. 0 when every instance shares; no line for a service without a shared store. Alert: StormwatchStoreNotSharing.',
          [{ id: 'storeInstancesLocal', params: FILTERS, legend: legend(LABEL.SERVICE) }],
          'short',
          8
        ),
        timeseries(
          'Overload store: local answers/s',
          "Store operations answered from the instance's own state because Redis could not be used. connection: no connection; timeout: no answer within timeoutMs; error_reply: Redis answered an error; malformed_reply: an answer the store never expects.",
          [{ id: 'storeLocalAnswersByReason', params: FILTERS, legend: legend(LABEL.SERVICE, LABEL.STORE_REASON) }],
          'ops',
          8
        ),
        timeseries(
          'Overload store: rejected operations/s',
          'Store operations that rejected (a closed or broken store; calls go on as if the store were calm). A Redis store that is down answers locally instead.',
          [
            {
              id: 'storeErrorsByOperation',
              params: FILTERS,
              legend: `${SERVICE_MODEL} · ${legend(LABEL.STORE_OPERATION)}`,
            },
          ],
          'ops',
          8
        ),
      ],
      [
        timeseries(
          'Deferred work: tasks by state',
          'Tasks of the durable deferral queues (instrumentQueue of @stormwatch/queue) still to do or given up, by service, queue and state: pending and failed wait for a drain, running are held by one, dead need a hand (stormwatch-queue list --state dead). Done tasks are left out. No line for a service that defers nothing.',
          [
            {
              id: 'queueTasksByState',
              params: FILTERS,
              legend: legend(LABEL.SERVICE, LABEL.QUEUE_NAME, LABEL.QUEUE_STATE),
            },
          ],
          'short',
          6
        ),
        timeseries(
          'Deferred work: oldest task waiting',
          'Age of the oldest task still to do, per queue. It grows while no drain runs, or while the model is still overloaded and the drain follows its learned rate.',
          [{ id: 'queueOldestPendingAge', params: FILTERS, legend: legend(LABEL.SERVICE, LABEL.QUEUE_NAME) }],
          's',
          6
        ),
        timeseries(
          'Deferred work: drained/s by outcome',
          'Tasks the drains settle per second: done, failed (back for another try), dead (a 400/401/403 or a passed deadline), released (a stopped drain gave them back).',
          [
            {
              id: 'queueDrainedByOutcome',
              params: FILTERS,
              legend: legend(LABEL.SERVICE, LABEL.QUEUE_NAME, LABEL.QUEUE_OUTCOME),
            },
          ],
          'ops',
          6
        ),
        timeseries(
          'Deferred work: deadline slack',
          "Least time left before the deadline of a task still to do, per queue; red below 0: a task's deadline passed while it waited (alert: StormwatchDeferredWorkStale).",
          [{ id: 'queueDeadlineSlack', params: FILTERS, legend: legend(LABEL.SERVICE, LABEL.QUEUE_NAME) }],
          's',
          6,
          {
            thresholds: [
              { color: 'red', value: null },
              { color: 'green', value: 0 },
            ],
          }
        ),
      ],
      [
        timeseries(
          'Deferred work: Message Batches tasks/s',
          'Tasks on the Message Batches path (submitBatches / resumeBatches with instrumentQueue’s onBatchOutcome) per second: submitted to a batch, then done, retried (a retryable error: back in the queue), released (expired, canceled or missing: pending again), dead, or handler_failed (your result handler threw: the batch keeps the task for the next resume). Submitted minus settled is what the batches hold.',
          [
            {
              id: 'queueBatchTasksByOutcome',
              params: FILTERS,
              legend: legend(LABEL.SERVICE, LABEL.QUEUE_NAME, LABEL.QUEUE_BATCH_OUTCOME),
            },
          ],
          'ops',
          12
        ),
        timeseries(
          'Deferred work: Message Batches USD/h',
          'What the succeeded batch requests cost per hour at the batch price (half the interactive price, so batching saved as much again). Batch spend is not in the policies’ cost figures above.',
          [{ id: 'queueBatchCostUsdPerHour', params: FILTERS, legend: legend(LABEL.SERVICE, LABEL.QUEUE_NAME) }],
          'currencyUSD',
          12
        ),
      ],
      [
        {
          type: 'heatmap',
          title: 'Waits between attempts',
          description: 'Distribution of the backoff waits over time: one band means every client waits the same.',
          queries: [
            {
              id: 'retryDelayBuckets',
              params: { ...FILTERS, range: '$__rate_interval' },
              legend: legend(LABEL.LE),
              format: 'heatmap',
            },
          ],
          w: 12,
          h: 8,
          unit: 's',
          options: { calculate: false, yAxis: { unit: 's' }, cellGap: 1, color: { scheme: 'Oranges', mode: 'scheme' } },
        },
        timeseries(
          'Waits/s by what chose them',
          'Waits chosen by the Retry-After header against the policy backoff.',
          [
            {
              id: 'retryDelayBySource',
              params: { ...FILTERS, range: '$__rate_interval' },
              legend: legend(LABEL.DELAY_SOURCE),
            },
          ],
          'reqps',
          12
        ),
      ],
      [
        traceTable(
          env,
          'Longest backoffs',
          'Backoff waits of the selected calls, the longest first; open a row to see the call.',
          'longestBackoffs',
          { field: SPAN_DURATION_FIELD, desc: true }
        ),
        traceTable(
          env,
          'Recent calls',
          'The latest Stormwatch calls of the selected services and models, whatever their outcome; empty when Tempo has no Stormwatch traces.',
          'anyCalls'
        ),
      ],
    ],
  };
}
