import { ROUTES } from '../../constants';
import type { PageSpec } from '../PageSpec';
import { ATTEMPTS_FIELD, SPAN_DURATION_FIELD, traceTable, type PageEnv } from '../panels';

/** Traces: the worst calls from Tempo, sorted by what each table is about; every row opens its trace. */
export function tracesPage(env: PageEnv): PageSpec {
  return {
    title: 'Stormwatch traces',
    description:
      'The calls with the most attempts, the longest backoffs, the calls that failed after retries and those that fell back.',
    route: ROUTES.Traces,
    rows: [
      [
        traceTable(
          env,
          'Most attempts',
          'Calls that needed more than one attempt, most attempts first.',
          'callsWithMostAttempts',
          { field: ATTEMPTS_FIELD, desc: true }
        ),
        traceTable(
          env,
          'Longest backoff',
          'Waits between attempts, the longest first (the backoff span’s real duration).',
          'longestBackoffs',
          { field: SPAN_DURATION_FIELD, desc: true }
        ),
      ],
      [
        traceTable(
          env,
          'Failed after retries',
          'Calls that failed although retried, most attempts first.',
          'failedAfterRetries',
          { field: ATTEMPTS_FIELD, desc: true }
        ),
        traceTable(env, 'Fell back', 'Calls that succeeded only on a fallback model.', 'fellBack'),
      ],
    ],
  };
}
