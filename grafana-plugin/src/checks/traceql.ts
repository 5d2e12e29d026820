import { parser } from '@grafana/lezer-traceql';
import * as conventions from '@stormwatch/conventions';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME } from '@stormwatch/conventions';
import { VAR_MODEL, VAR_SERVICE } from '../constants';

/**
 * TraceQL checked without a Tempo server (AGPL: the tests never build or run it): Grafana's
 * own grammar, @grafana/lezer-traceql (which its TraceQL editor uses), and the names of the
 * telemetry contract.
 */

/** Values of the service and model variables: one, several, or All. */
export type TempoSelection = Readonly<Record<typeof VAR_SERVICE | typeof VAR_MODEL, string | readonly string[]>>;

/**
 * What the variables hold. Grafana's Tempo datasource interpolates a TraceQL query with the
 * `pipe` format (`templateSrv.replace(query, scopedVars, 'pipe')`): one value as it is,
 * several joined by `|` (inside our `=~"$service"`, a regex alternation), All as the
 * variables' allValue `.*`. (Prometheus's datasource writes several as `(a|b)` instead.)
 */
export const TEMPO_SELECTIONS: Readonly<Record<string, TempoSelection>> = {
  'one value': { [VAR_SERVICE]: ['checkout'], [VAR_MODEL]: ['claude-sonnet-4-5'] },
  'several values': {
    [VAR_SERVICE]: ['checkout', 'search-api'],
    [VAR_MODEL]: ['claude-sonnet-4-5', 'claude-3.5-haiku'],
  },
  All: { [VAR_SERVICE]: '.*', [VAR_MODEL]: '.*' },
};

/** `$service`, `${service}` or `${service:pipe}`, as the `pipe` format writes them; other variables stay. */
export function interpolateTraceql(query: string, selection: TempoSelection): string {
  const values = selection as Readonly<Record<string, string | readonly string[]>>;
  return query.replace(/\$\{(\w+)(?::pipe)?\}|\$(\w+)/g, (whole: string, braced?: string, bare?: string) => {
    const value = values[braced ?? bare ?? ''];
    if (value === undefined) {
      return whole;
    }
    return typeof value === 'string' ? value : value.join('|');
  });
}

/** What Grafana's grammar finds wrong with a query: error nodes, and variables left in it. */
export function traceqlProblems(text: string): string[] {
  const found: string[] = [];
  parser.parse(text).iterate({
    enter: (n) => {
      if (n.type.isError) {
        found.push(`syntax error at ${n.from}: …${text.slice(Math.max(0, n.from - 20), n.to + 20)}…`);
      }
      if (n.name === 'TemplateVariable') {
        found.push(`variable left: ${text.slice(n.from, n.to)}`);
      }
    },
  });
  if (text.includes('$')) {
    found.push(`"$" left in ${text}`);
  }
  return found;
}

/** Every attribute name of the contract. */
const CONTRACT_ATTRIBUTES = new Set(
  Object.entries(conventions)
    .filter(([k, v]) => k.startsWith('ATTR_') && typeof v === 'string')
    .map(([, v]) => v as string)
);
/** The contract's resource attributes (the rest are span and event attributes). */
const RESOURCE_ATTRIBUTES = new Set([ATTR_SERVICE_NAME, ATTR_SERVICE_INSTANCE_ID]);
/** The contract's span names that a query can match by name (attempt spans are `chat {model}`). */
const SPAN_NAMES = new Set([conventions.SPAN_CALL, conventions.SPAN_BACKOFF]);

/** The names in a query that are not the telemetry contract's: `span.x`, `resource.x`, unscoped `.x`, `name = "x"`. */
export function namesOutsideContract(text: string): string[] {
  const outside: string[] = [];
  parser.parse(text).iterate({
    enter: (n) => {
      if (n.name === 'AttributeField') {
        const field = text.slice(n.from, n.to);
        const id = n.node.getChild('Identifier');
        const name = id ? text.slice(id.from, id.to) : '';
        const ok = n.node.getChild('Resource')
          ? RESOURCE_ATTRIBUTES.has(name)
          : n.node.getChild('Span') !== null && CONTRACT_ATTRIBUTES.has(name) && !RESOURCE_ATTRIBUTES.has(name);
        if (!ok) {
          outside.push(field);
        }
      }
      if (n.name === 'FieldExpression') {
        const field = n.node.firstChild;
        const rhs = field?.nextSibling?.nextSibling;
        if (field?.name === 'FieldExpression' && text.slice(field.from, field.to) === 'name' && rhs) {
          const spanName = JSON.parse(text.slice(rhs.from, rhs.to)) as string;
          if (!SPAN_NAMES.has(spanName)) {
            outside.push(`name = ${JSON.stringify(spanName)}`);
          }
        }
      }
    },
  });
  return outside;
}

/**
 * What Grafana's Tempo datasource takes for a trace id rather than TraceQL (its
 * `isTraceIdQuery`: hex digits only); it fetches such a query as one trace.
 */
export function isTraceIdQuery(query: string): boolean {
  return /^[0-9A-Fa-f]+$/.test(query.trim());
}
