import { describe, expect, it } from 'vitest';
import { readRateLimitHeaders } from '../src/internal/rateLimitHeaders.js';

const now = Date.parse('2026-12-06T10:00:00Z');
const read = (headers: Record<string, string>) => readRateLimitHeaders(new Headers(headers), now);

describe('anthropic-ratelimit-* headers', () => {
  it('reads remaining counts and reset times (as ms from now)', () => {
    expect(
      read({
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': '2026-12-06T10:00:07Z',
        'anthropic-ratelimit-input-tokens-remaining': '1200',
        'anthropic-ratelimit-input-tokens-reset': '2026-12-06T10:00:00.500+00:00',
        'anthropic-ratelimit-output-tokens-remaining': '80',
        'anthropic-ratelimit-output-tokens-reset': '2026-12-06T11:00:30+01:00',
      }),
    ).toEqual({ remaining: { requests: 0, inputTokens: 1200, outputTokens: 80 }, resetMs: { requests: 7000, inputTokens: 500, outputTokens: 30_000 } });
  });

  it('says nothing when there are no such headers', () => {
    expect(read({ 'content-type': 'application/json' })).toEqual({});
  });

  it('reads a reset in the past as 0', () => {
    expect(read({ 'anthropic-ratelimit-requests-reset': '2026-12-06T09:59:00Z' })).toEqual({ resetMs: { requests: 0 } });
  });

  it.each([
    ['a negative count', { 'anthropic-ratelimit-requests-remaining': '-1' }],
    ['a fraction', { 'anthropic-ratelimit-requests-remaining': '1.5' }],
    ['words', { 'anthropic-ratelimit-requests-remaining': 'many' }],
    ['a reset that is not RFC 3339', { 'anthropic-ratelimit-requests-reset': 'Sun, 06 Dec 2026 10:00:07 GMT' }],
    ['a reset of seconds', { 'anthropic-ratelimit-requests-reset': '7' }],
    ['an impossible date', { 'anthropic-ratelimit-requests-reset': '2026-13-45T10:00:07Z' }],
    ['a reset a year away', { 'anthropic-ratelimit-requests-reset': '2027-12-06T10:00:00Z' }],
  ])('leaves out %s', (_name, headers) => {
    expect(read(headers)).toEqual({});
  });
});
