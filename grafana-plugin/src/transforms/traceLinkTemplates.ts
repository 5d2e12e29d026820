import { drilldownTraceUrl, exploreTraceUrl } from './traceLinks';
import { VAR_TEMPO } from '../constants';

const TRACE_TOKEN = 'STORMWATCHTRACEID';
const UID_TOKEN = 'STORMWATCHTEMPOUID';
const FROM_TOKEN = 'STORMWATCHFROM';
const TO_TOKEN = 'STORMWATCHTO';

/** The data-link variable of the cell's own value. */
export const CELL_VALUE = '${__value.raw}';

/** Replaces the (URL-encoded) tokens with Grafana data-link variables; `traceId` is the one holding the trace id. */
function template(url: string, traceId: string): string {
  return url
    .split(TRACE_TOKEN)
    .join(traceId)
    .split(UID_TOKEN)
    .join(`\${${VAR_TEMPO}}`)
    .split(FROM_TOKEN)
    .join('${__from}')
    .split(TO_TOKEN)
    .join('${__to}');
}

/**
 * A data-link URL opening the row's trace in Explore on the Tempo variable's datasource;
 * `traceId` is the data-link variable holding it (default the cell's value).
 */
export function exploreTraceLink(traceId = CELL_VALUE): string {
  return template(exploreTraceUrl(UID_TOKEN, TRACE_TOKEN, { from: FROM_TOKEN, to: TO_TOKEN }), traceId);
}

/** A data-link URL opening the row's trace in Traces Drilldown. */
export function drilldownTraceLink(traceId = CELL_VALUE): string {
  return template(drilldownTraceUrl(UID_TOKEN, TRACE_TOKEN, { from: FROM_TOKEN, to: TO_TOKEN }), traceId);
}
