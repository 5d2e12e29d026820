import { PanelBuilders } from '@grafana/scenes';
import { config } from '@grafana/runtime';
import { TRACES_DRILLDOWN_APP_ID } from '../constants';
import { drilldownTraceLink, exploreTraceLink } from '../transforms/traceLinkTemplates';
import { tempoRunner } from './common';

/** The field of Tempo's search table that holds the trace id. */
export const TRACE_ID_FIELD = 'traceID';

/** Whether Grafana's Traces Drilldown app is installed. */
export function tracesDrilldownInstalled(): boolean {
  const apps = (config as unknown as { apps?: Record<string, unknown> }).apps;
  return Boolean(apps && apps[TRACES_DRILLDOWN_APP_ID]);
}

/** The links of each trace row: Explore always, Traces Drilldown when installed. */
export function traceLinks(drilldown = tracesDrilldownInstalled()) {
  const links = [{ title: 'Open in Explore', url: exploreTraceLink() }];
  if (drilldown) {
    links.push({ title: 'Open in Traces Drilldown', url: drilldownTraceLink() });
  }
  return links;
}

/** A table of a TraceQL search whose rows open their trace. */
export function traceTable(title: string, refId: string, query: string, description: string) {
  return PanelBuilders.table()
    .setTitle(title)
    .setDescription(description)
    .setData(tempoRunner(refId, query))
    .setNoValue('No matching calls in this time range')
    .setOverrides((b) => b.matchFieldsWithName(TRACE_ID_FIELD).overrideLinks(traceLinks()))
    .build();
}
