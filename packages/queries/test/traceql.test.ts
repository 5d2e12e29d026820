import { parser } from '@grafana/lezer-traceql';
import * as conventions from '@stormwatch/conventions';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME, SPAN_BACKOFF, SPAN_CALL } from '@stormwatch/conventions';
import { describe, expect, test } from 'vitest';
import { ALL_QUERIES, type QueryParams } from '../src/index.js';
import * as traceqlQueries from '../src/traceqlQueries.js';

/**
 * The TraceQL of the app is checked without a Tempo server (AGPL: the tests never build or
 * run it): Grafana's own grammar (@grafana/lezer-traceql, which its query editor uses)
 * parses every query as Grafana sends it, and every attribute and span name in it is one of
 * the telemetry contract.
 */

/** The filters of every page of the app: Grafana template variables. */
const FILTERS: QueryParams = { service: { variable: 'service' }, model: { variable: 'model' } };

/**
 * What the service and model variables hold. Grafana's Tempo datasource interpolates a
 * TraceQL query with the `pipe` format (`templateSrv.replace(query, scopedVars, 'pipe')`):
 * one value as it is, several joined by `|` (inside our `=~"$service"` that is a regex
 * alternation), and All as the variables' allValue, `.*`.
 */
const SELECTIONS = {
  'one value': { service: ['checkout'], model: ['claude-sonnet-4-5'] },
  'several values': { service: ['checkout', 'search-api'], model: ['claude-sonnet-4-5', 'claude-3.5-haiku'] },
  All: { service: '.*', model: '.*' },
} satisfies Record<string, Record<'service' | 'model', readonly string[] | string>>;

/** `$service`/`${service}`/`${service:pipe}` as Grafana's `pipe` format writes them. */
function interpolate(query: string, selection: Record<string, readonly string[] | string>): string {
  return query.replace(/\$\{(\w+)(?::pipe)?\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const value = selection[braced ?? bare ?? ''];
    if (value === undefined) return whole;
    return typeof value === 'string' ? value : value.join('|');
  });
}

/** What Grafana's grammar finds wrong with a query: error nodes and variables left in it. */
function problems(text: string): string[] {
  const found: string[] = [];
  parser.parse(text).iterate({
    enter: (n) => {
      if (n.type.isError) found.push(`syntax error at ${n.from}: …${text.slice(Math.max(0, n.from - 20), n.to + 20)}…`);
      if (n.name === 'TemplateVariable') found.push(`variable left: ${text.slice(n.from, n.to)}`);
    },
  });
  if (text.includes('$')) found.push(`"$" left in ${text}`);
  return found;
}

/** Attribute names by scope (`span.x` → span, `resource.x` → resource), and the span names compared to `name`. */
function namesIn(text: string): { span: string[]; resource: string[]; other: string[]; spanNames: string[] } {
  const result = { span: [] as string[], resource: [] as string[], other: [] as string[], spanNames: [] as string[] };
  parser.parse(text).iterate({
    enter: (n) => {
      if (n.name === 'AttributeField') {
        const id = n.node.getChild('Identifier');
        const name = id ? text.slice(id.from, id.to) : text.slice(n.from, n.to);
        if (n.node.getChild('Span')) result.span.push(name);
        else if (n.node.getChild('Resource')) result.resource.push(name);
        else result.other.push(text.slice(n.from, n.to));
      }
      // `name = "..."`: the intrinsic, its operator, the string
      if (n.name === 'FieldExpression') {
        const field = n.node.firstChild;
        const op = field?.nextSibling;
        const rhs = op?.nextSibling;
        if (field?.name === 'FieldExpression' && text.slice(field.from, field.to) === 'name' && rhs) {
          result.spanNames.push(JSON.parse(text.slice(rhs.from, rhs.to)) as string);
        }
      }
    },
  });
  return result;
}

/** Every attribute name of the contract, and those that are resource attributes. */
const CONTRACT_ATTRIBUTES = new Set(
  Object.entries(conventions)
    .filter(([k, v]) => k.startsWith('ATTR_') && typeof v === 'string')
    .map(([, v]) => v as string),
);
const RESOURCE_ATTRIBUTES = new Set([ATTR_SERVICE_NAME, ATTR_SERVICE_INSTANCE_ID]);

const TRACEQL = ALL_QUERIES.filter((q) => q.kind === 'traceql');

describe('TraceQL as Grafana sends it, parsed by Grafana\'s grammar', () => {
  test('ALL_QUERIES holds every TraceQL builder of src/traceqlQueries.ts', () => {
    const builders = Object.values(traceqlQueries).filter((f) => typeof f === 'function');
    expect(TRACEQL.map((q) => q.build).sort()).toEqual(expect.arrayContaining(builders));
    expect(TRACEQL.length).toBe(builders.length);
  });

  describe.each(Object.entries(SELECTIONS))('with %s of each variable', (_name, selection) => {
    test.each(TRACEQL.map((q) => [q.id, q] as const))('%s parses with no error node', (_id, q) => {
      const text = interpolate(q.build(FILTERS), selection);
      expect(problems(text)).toEqual([]);
      // The regex the variable became is one Tempo can compile (RE2 accepts these as JS does).
      for (const m of text.matchAll(/=~ "((?:[^"\\]|\\.)*)"/g)) expect(() => new RegExp(JSON.parse(`"${m[1]}"`) as string)).not.toThrow();
    });
  });

  test.each(TRACEQL.map((q) => [q.id, q] as const))('%s uses only span, resource and span names of the contract', (_id, q) => {
    const names = namesIn(q.build(FILTERS));
    expect(names.span.length + names.resource.length).toBeGreaterThan(0);
    expect(names.span.filter((n) => !CONTRACT_ATTRIBUTES.has(n) || RESOURCE_ATTRIBUTES.has(n))).toEqual([]);
    expect(names.resource.filter((n) => !RESOURCE_ATTRIBUTES.has(n))).toEqual([]);
    expect(names.other).toEqual([]);
    expect(names.spanNames.length).toBeGreaterThan(0);
    expect(names.spanNames.filter((n) => n !== SPAN_CALL && n !== SPAN_BACKOFF)).toEqual([]);
  });

  test('the checks can fail: a typo, an unquoted variable, an unknown attribute', () => {
    expect(problems('{ name = "stormwatch.call" && }').length).toBeGreaterThan(0);
    expect(problems(`{ resource.service.name = ${interpolate('$service', SELECTIONS['several values'])} }`).length).toBeGreaterThan(0);
    expect(problems('{ span.x = $service }')).toEqual(['variable left: $service', '"$" left in { span.x = $service }']);
    const names = namesIn('{ name = "chat x" && span.stormwatch.call.attempt > 1 && resource.cloud.region = "x" && .foo = 1 }');
    expect(names.span.filter((n) => !CONTRACT_ATTRIBUTES.has(n))).toEqual(['stormwatch.call.attempt']);
    expect(names.resource.filter((n) => !RESOURCE_ATTRIBUTES.has(n))).toEqual(['cloud.region']);
    expect(names.other).toEqual(['.foo']);
    expect(names.spanNames).toEqual(['chat x']);
  });

  test('interpolates as the pipe format does', () => {
    expect(interpolate('=~"$service" =~"${model}"', SELECTIONS['several values'])).toBe(
      '=~"checkout|search-api" =~"claude-sonnet-4-5|claude-3.5-haiku"',
    );
    expect(interpolate('=~"$service"', SELECTIONS.All)).toBe('=~".*"');
    expect(interpolate('=~"$service"', SELECTIONS['one value'])).toBe('=~"checkout"');
  });
});
