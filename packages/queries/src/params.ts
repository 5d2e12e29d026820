import { escapeRegex, escapeString } from './escape.js';

/**
 * What a label must match. A string matches exactly; a list matches any of its values;
 * `{ variable }` leaves a Grafana template variable (`$service`) for the datasource to
 * interpolate, as dashboards and scenes do; `undefined` matches everything.
 */
export type LabelMatch = string | readonly string[] | { readonly variable: string };

/** Parameters every query builder accepts. */
export interface QueryParams {
  /** Services (`service.name`, the `job` label). Default: all. */
  readonly service?: LabelMatch;
  /** Models (`gen_ai.request.model` after the allow-list). Default: all. */
  readonly model?: LabelMatch;
  /**
   * The range of `rate()`/`increase()` over raw counters: a PromQL duration (`5m`) or a
   * Grafana interval variable (`$__rate_interval`, `$__range`). Default: `5m`; the retry
   * waves default to `30s` and totals over a storm to the query's `$__range`.
   */
  readonly range?: string;
  /**
   * Grouping of per-series queries. Default: by service and model.
   */
  readonly by?: readonly string[];
}

const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const GRAFANA_INTERVAL = /^\$(__rate_interval|__interval|__range|\{__rate_interval\}|\{__interval\}|\{__range\}|[A-Za-z_][A-Za-z0-9_]*)$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks a range and returns it; throws a RangeError naming a bad one. */
export function checkRange(range: string): string {
  if (!DURATION.test(range) && !GRAFANA_INTERVAL.test(range)) {
    throw new RangeError(`range "${range}" is neither a PromQL duration (5m, 30s) nor a Grafana interval variable`);
  }
  return range;
}

/** Checks label names used for grouping; throws a RangeError naming a bad one. */
export function checkLabels(labels: readonly string[]): readonly string[] {
  for (const label of labels) {
    if (!LABEL_NAME.test(label)) throw new RangeError(`"${label}" is not a Prometheus label name`);
  }
  return labels;
}

function isVariable(match: LabelMatch): match is { readonly variable: string } {
  return typeof match === 'object' && !Array.isArray(match) && 'variable' in match;
}

/**
 * The right-hand side of one matcher, operator included (`="a"`, `=~"a|b"`,
 * `=~"$service"`), or undefined when the match accepts everything. Used by PromQL and
 * TraceQL alike: both quote and escape strings the same way.
 */
export function matcherRhs(match: LabelMatch | undefined, spaced = false): string | undefined {
  if (match === undefined) return undefined;
  const op = (o: string): string => (spaced ? ` ${o} ` : o);
  if (isVariable(match)) {
    if (!VARIABLE_NAME.test(match.variable)) {
      throw new RangeError(`"${match.variable}" is not a Grafana variable name`);
    }
    return `${op('=~')}"$${match.variable}"`;
  }
  if (typeof match === 'string') return `${op('=')}"${escapeString(match)}"`;
  const list = match as readonly string[];
  if (list.length === 0) throw new RangeError('an empty list of label values matches nothing; omit the match instead');
  if (list.length === 1) return `${op('=')}"${escapeString(list[0] as string)}"`;
  return `${op('=~')}"${escapeString(list.map(escapeRegex).join('|'))}"`;
}
