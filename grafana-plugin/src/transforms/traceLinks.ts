import { urlUtil } from '@grafana/data';
import { TRACES_DRILLDOWN_APP_ID } from '../constants';

/** A time range as Grafana URLs carry it (epoch ms or relative such as `now-1h`). */
export interface UrlRange {
  from: string | number;
  to: string | number;
}

/** Explore, one pane, the Tempo datasource, the trace id as a TraceQL query. */
export function exploreTraceUrl(tempoUid: string, traceId: string, range: UrlRange): string {
  const panes = {
    trace: {
      datasource: tempoUid,
      queries: [{ refId: 'A', datasource: { type: 'tempo', uid: tempoUid }, queryType: 'traceql', query: traceId }],
      range: { from: String(range.from), to: String(range.to) },
    },
  };
  return urlUtil.renderUrl('/explore', { schemaVersion: 1, panes: JSON.stringify(panes) });
}

/** Traces Drilldown (grafana-exploretraces-app) on the trace list, with the trace open. */
export function drilldownTraceUrl(tempoUid: string, traceId: string, range: UrlRange): string {
  return urlUtil.renderUrl(`/a/${TRACES_DRILLDOWN_APP_ID}/explore`, {
    'var-ds': tempoUid,
    from: String(range.from),
    to: String(range.to),
    actionView: 'traceList',
    traceId,
  });
}
