import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../src/index.js';

const now = Date.parse('2026-11-22T12:00:00Z');
const h = (values: Record<string, string>) => new Headers(values);

describe('parseRetryAfter', () => {
  it.each([
    ['delta-seconds', { 'retry-after': '7' }, 7000],
    ['fractional seconds', { 'retry-after': '1.5' }, 1500],
    ['retry-after-ms before retry-after', { 'retry-after-ms': '250', 'retry-after': '7' }, 250],
    ['an HTTP-date in the future', { 'retry-after': 'Sun, 22 Nov 2026 12:00:30 GMT' }, 30_000],
    ['an HTTP-date in the past as zero', { 'retry-after': 'Sun, 22 Nov 2026 11:00:00 GMT' }, 0],
    ['zero', { 'retry-after': '0' }, 0],
    ['surrounding whitespace', { 'retry-after': '  3 ' }, 3000],
  ])('reads %s', (_name, headers, expected) => {
    expect(parseRetryAfter(h(headers), now)).toBe(expected);
  });

  it.each([
    ['a negative value', { 'retry-after': '-5' }],
    ['garbage', { 'retry-after': 'soon' }],
    ['an absurd value (a year)', { 'retry-after': String(365 * 24 * 3600) }],
    ['scientific notation', { 'retry-after': '1e9' }],
    ['an invalid date', { 'retry-after': 'Sun, 99 Foo 2026 99:00:00 GMT' }],
    ['a malformed retry-after-ms with no fallback', { 'retry-after-ms': 'abc' }],
    ['no header', {}],
  ])('ignores %s', (_name, headers) => {
    expect(parseRetryAfter(h(headers), now)).toBeUndefined();
  });

  it('falls back to retry-after when retry-after-ms is malformed', () => {
    expect(parseRetryAfter(h({ 'retry-after-ms': '-1', 'retry-after': '2' }), now)).toBe(2000);
  });

  it('accepts missing headers', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
