import { drilldownTraceUrl, exploreTraceUrl } from './traceLinks';
import { VAR_TEMPO } from '../constants';

const TRACE_TOKEN = 'STORMWATCHTRACEID';
const UID_TOKEN = 'STORMWATCHTEMPOUID';
const FROM_TOKEN = 'STORMWATCHFROM';
const TO_TOKEN = 'STORMWATCHTO';

/** Replaces the (URL-encoded) tokens with Grafana data-link variables. */
function template(url: string): string {
  return url
    .split(TRACE_TOKEN)
    .join('${__value.raw}')
    .split(UID_TOKEN)
    .join(`\${${VAR_TEMPO}}`)
    .split(FROM_TOKEN)
    .join('${__from}')
    .split(TO_TOKEN)
    .join('${__to}');
}

/** A data-link URL opening the row's trace (`${__value.raw}`) in Explore on the Tempo variable's datasource. */
export function exploreTraceLink(): string {
  return template(exploreTraceUrl(UID_TOKEN, TRACE_TOKEN, { from: FROM_TOKEN, to: TO_TOKEN }));
}

/** A data-link URL opening the row's trace in Traces Drilldown. */
export function drilldownTraceLink(): string {
  return template(drilldownTraceUrl(UID_TOKEN, TRACE_TOKEN, { from: FROM_TOKEN, to: TO_TOKEN }));
}
