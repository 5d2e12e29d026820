import { describe, expect, test } from 'vitest';
import { checkLabels, checkRange, escapeRegex, escapeString, matcherRhs } from '../src/index.js';

describe('escapeString', () => {
  test('escapes backslashes, quotes and line breaks', () => {
    expect(escapeString('a\\b"c\nd\te\r')).toBe('a\\\\b\\"c\\nd\\te\\r');
  });
  test('leaves plain values alone', () => {
    expect(escapeString('claude-sonnet-4-5')).toBe('claude-sonnet-4-5');
  });
});

describe('escapeRegex', () => {
  test('escapes RE2 metacharacters', () => {
    expect(escapeRegex('a.b*c|d(e)[f]{g}^$+?\\')).toBe('a\\.b\\*c\\|d\\(e\\)\\[f\\]\\{g\\}\\^\\$\\+\\?\\\\');
  });
});

describe('matcherRhs', () => {
  test('matches one value exactly', () => {
    expect(matcherRhs('api')).toBe('="api"');
  });
  test('matches a list of values as an escaped alternation', () => {
    expect(matcherRhs(['a.b', 'c"d'])).toBe('=~"a\\\\.b|c\\"d"');
  });
  test('matches a one-element list exactly', () => {
    expect(matcherRhs(['x"y'])).toBe('="x\\"y"');
  });
  test('leaves a Grafana variable for the datasource', () => {
    expect(matcherRhs({ variable: 'service' })).toBe('=~"$service"');
  });
  test('spaces the operator for TraceQL', () => {
    expect(matcherRhs('api', true)).toBe(' = "api"');
  });
  test('matches everything when undefined', () => {
    expect(matcherRhs(undefined)).toBeUndefined();
  });
  test('rejects an empty list', () => {
    expect(() => matcherRhs([])).toThrow(RangeError);
  });
  test('rejects a variable name that is not one', () => {
    expect(() => matcherRhs({ variable: 'a"}' })).toThrow(/"a"}" is not a Grafana variable name/);
  });
});

describe('checkRange and checkLabels', () => {
  test('accept PromQL durations and Grafana interval variables', () => {
    expect(['5m', '1h30m', '250ms', '$__rate_interval', '$__range', '${__interval}'].map(checkRange)).toEqual([
      '5m',
      '1h30m',
      '250ms',
      '$__rate_interval',
      '$__range',
      '${__interval}',
    ]);
  });
  test('reject anything else', () => {
    expect(() => checkRange('5 minutes')).toThrow(/range "5 minutes"/);
    expect(() => checkRange('5m])')).toThrow(RangeError);
  });
  test('reject a grouping label that is not a label name', () => {
    expect(() => checkLabels(['job', 'a-b'])).toThrow(/"a-b" is not a Prometheus label name/);
  });
});
