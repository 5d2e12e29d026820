import {
  ATTR_CALL_ATTEMPTS,
  ATTR_CALL_FINAL_MODEL,
  ATTR_CALL_OUTCOME,
  ATTR_COST_WASTED_USD,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_POLICY,
  ATTR_RETRY_DELAY_S,
  ATTR_RETRY_DELAY_SOURCE,
  ATTR_ATTEMPT_NUMBER,
  ATTR_SERVICE_NAME,
  CallOutcome,
  SPAN_BACKOFF,
  SPAN_CALL,
} from '@stormwatch/conventions';
import { escapeString } from './escape.js';
import { matcherRhs, type QueryParams } from './params.js';

const span = (attr: string): string => `span.${attr}`;
const resource = (attr: string): string => `resource.${attr}`;

/** The conditions on a `stormwatch.call` span for the caller's service and model filters. */
function callConditions(p: QueryParams): string[] {
  const conditions = [`name = "${escapeString(SPAN_CALL)}"`];
  const service = matcherRhs(p.service, true);
  if (service !== undefined) conditions.push(resource(ATTR_SERVICE_NAME) + service);
  const model = matcherRhs(p.model, true);
  if (model !== undefined) conditions.push(span(ATTR_GEN_AI_REQUEST_MODEL) + model);
  return conditions;
}

const CALL_COLUMNS = [
  span(ATTR_CALL_ATTEMPTS),
  span(ATTR_CALL_OUTCOME),
  span(ATTR_GEN_AI_REQUEST_MODEL),
  span(ATTR_CALL_FINAL_MODEL),
  span(ATTR_POLICY),
  span(ATTR_COST_WASTED_USD),
  span(ATTR_ERROR_TYPE),
];

function callQuery(p: QueryParams, extra: readonly string[]): string {
  return `{ ${[...callConditions(p), ...extra].join(' && ')} } | select(${CALL_COLUMNS.join(', ')})`;
}

/** Calls that needed more than one attempt, with their attempt count (sort by it for the worst). */
export function callsWithMostAttempts(p: QueryParams = {}): string {
  return callQuery(p, [`${span(ATTR_CALL_ATTEMPTS)} > 1`]);
}

/** Backoff waits under the selected calls, with their planned delay (sort by duration for the longest). */
export function longestBackoffs(p: QueryParams = {}): string {
  return (
    `{ ${callConditions(p).join(' && ')} } > { name = "${escapeString(SPAN_BACKOFF)}" }` +
    ` | select(${[span(ATTR_RETRY_DELAY_S), span(ATTR_RETRY_DELAY_SOURCE), span(ATTR_ATTEMPT_NUMBER)].join(', ')})`
  );
}

/** Calls that failed although they were retried. */
export function failedAfterRetries(p: QueryParams = {}): string {
  return callQuery(p, [`${span(ATTR_CALL_OUTCOME)} = "${CallOutcome.FAILED}"`, `${span(ATTR_CALL_ATTEMPTS)} > 1`]);
}

/** Calls that succeeded only on a fallback model. */
export function fellBack(p: QueryParams = {}): string {
  return callQuery(p, [`${span(ATTR_CALL_OUTCOME)} = "${CallOutcome.FALLBACK_SUCCESS}"`]);
}

/** Any Stormwatch call of the selected services and models (probe for the empty state). */
export function anyCalls(p: QueryParams = {}): string {
  return `{ ${callConditions(p).join(' && ')} }`;
}
