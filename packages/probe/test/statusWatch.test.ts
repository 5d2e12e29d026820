import { createServer } from 'node:net';
import {
  ATTR_STATUS_COMPONENT,
  ATTR_STATUS_INCIDENT_IMPACT,
  ATTR_STATUS_INCIDENT_NAME,
  ATTR_STATUS_PAGE,
  ATTR_STATUS_POLL_OUTCOME,
  METRIC_STATUS_COMPONENT,
  METRIC_STATUS_INCIDENT_STARTED,
  METRIC_STATUS_INDICATOR,
  METRIC_STATUS_POLLS,
} from '@stormwatch/conventions';
import { VirtualClock } from '@stormwatch/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StatusWatch } from '../src/index.js';
import { StatusMetrics } from '../src/status/StatusMetrics.js';
import { meterOf } from '../src/internal/meter.js';
import { inMemoryMetrics } from './support/metrics.js';
import { fixture, StatusServer } from './support/statusServer.js';

let page: StatusServer;
beforeEach(async () => {
  page = await StatusServer.start();
});
afterEach(async () => {
  await page.close();
});

const API = 'Claude API (api.anthropic.com)';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function watched(watch: StatusWatch) {
  const { meterProvider, points } = inMemoryMetrics();
  const metrics = new StatusMetrics(meterOf(meterProvider), watch);
  const host = new URL(page.url).host;
  const components = async () => Object.fromEntries((await points(METRIC_STATUS_COMPONENT)).map((p) => [p.attributes[ATTR_STATUS_COMPONENT], p.value]));
  return { metrics, points, host, components };
}

describe('StatusWatch', () => {
  it('reports each component of an operational page at 0 and the indicator none', async () => {
    const watch = new StatusWatch({ url: page.url });
    const { points, host, components } = watched(watch);
    expect(await watch.poll()).toBe('updated');
    expect(await components()).toEqual({ 'claude.ai': 0, [API]: 0, 'Claude Code': 0 });
    const [one] = await points(METRIC_STATUS_COMPONENT);
    expect(one!.attributes).toEqual({ [ATTR_STATUS_PAGE]: host, [ATTR_STATUS_COMPONENT]: 'claude.ai' });
    expect(await points(METRIC_STATUS_INDICATOR)).toEqual([{ attributes: { [ATTR_STATUS_PAGE]: host }, value: 0 }]);
    expect(await points(METRIC_STATUS_INCIDENT_STARTED)).toEqual([]);
  });

  it('reports degraded, partial and major outages and one series per active incident, valued at its start', async () => {
    page.answer = { summary: fixture('incident'), etag: '"v2"' };
    const watch = new StatusWatch({ url: page.url });
    const { points, host, components } = watched(watch);
    expect(await watch.poll()).toBe('updated');
    expect(await components()).toEqual({ 'claude.ai': 2, [API]: 3, 'Claude Code': 4 });
    expect((await points(METRIC_STATUS_INDICATOR))[0]!.value).toBe(3);
    expect(await points(METRIC_STATUS_INCIDENT_STARTED)).toEqual([
      {
        attributes: { [ATTR_STATUS_PAGE]: host, [ATTR_STATUS_INCIDENT_NAME]: 'Elevated errors on Claude Opus', [ATTR_STATUS_INCIDENT_IMPACT]: 'major' },
        value: Date.parse('2026-12-06T07:55:00.000Z') / 1000,
      },
      {
        attributes: { [ATTR_STATUS_PAGE]: host, [ATTR_STATUS_INCIDENT_NAME]: 'Slow responses on claude.ai', [ATTR_STATUS_INCIDENT_IMPACT]: 'minor' },
        value: Date.parse('2026-12-06T06:40:00.000Z') / 1000,
      },
    ]);
  });

  it('asks conditionally after a good answer and keeps the state on a 304', async () => {
    const watch = new StatusWatch({ url: page.url });
    const { components } = watched(watch);
    expect(await watch.poll()).toBe('updated');
    expect(page.requests[0]!['if-none-match']).toBeUndefined();
    expect(page.requests[0]!['if-modified-since']).toBeUndefined();
    expect(await watch.poll()).toBe('not_modified');
    expect(page.requests[1]).toMatchObject({ 'if-none-match': 'W/"v1"', 'if-modified-since': 'Sun, 06 Dec 2026 07:58:12 GMT' });
    expect(await components()).toEqual({ 'claude.ai': 0, [API]: 0, 'Claude Code': 0 });
    // The page changes: a new ETag, a full answer, the new state.
    page.answer = { summary: fixture('incident'), etag: 'W/"v2"' };
    expect(await watch.poll()).toBe('updated');
    expect(page.requests[2]!['if-none-match']).toBe('W/"v1"');
    expect(await components()).toEqual({ 'claude.ai': 2, [API]: 3, 'Claude Code': 4 });
    expect(await watch.poll()).toBe('not_modified');
    expect(page.requests[3]!['if-none-match']).toBe('W/"v2"');
  });

  it('asks with If-Modified-Since alone when the page sends no ETag', async () => {
    page.answer = { summary: fixture('operational'), lastModified: 'Sun, 06 Dec 2026 07:58:12 GMT' };
    const watch = new StatusWatch({ url: page.url });
    expect(await watch.poll()).toBe('updated');
    expect(await watch.poll()).toBe('not_modified');
    expect(page.requests[1]!['if-none-match']).toBeUndefined();
    expect(page.requests[1]!['if-modified-since']).toBe('Sun, 06 Dec 2026 07:58:12 GMT');
  });

  it.each([
    ['an HTML error page with 200', { raw: '<html>Service Unavailable</html>', contentType: 'text/html' }],
    ['JSON that is no summary', { raw: '{"ok":true}' }],
    ['a truncated summary', { raw: fixture('operational').slice(0, 300) }],
  ])('reports every known component unknown (-1), never operational, after %s', async (_name, answer) => {
    const watch = new StatusWatch({ url: page.url });
    const { components, points } = watched(watch);
    await watch.poll();
    page.answer = answer;
    expect(await watch.poll()).toBe('garbage');
    expect(await components()).toEqual({ 'claude.ai': -1, [API]: -1, 'Claude Code': -1 });
    expect((await points(METRIC_STATUS_INDICATOR))[0]!.value).toBe(-1);
    // The next poll asks afresh: no validators of a state it no longer trusts.
    page.answer = { summary: fixture('operational'), etag: 'W/"v1"' };
    expect(await watch.poll()).toBe('updated');
    expect(page.requests.at(-1)!['if-none-match']).toBeUndefined();
    expect(await components()).toEqual({ 'claude.ai': 0, [API]: 0, 'Claude Code': 0 });
  });

  it('reports unknown on an HTTP error and hides the incidents until the page answers again', async () => {
    page.answer = { summary: fixture('incident'), etag: '"v2"' };
    const watch = new StatusWatch({ url: page.url });
    const { components, points } = watched(watch);
    await watch.poll();
    page.answer = { status: 503 };
    expect(await watch.poll()).toBe('unreachable');
    expect(await components()).toEqual({ 'claude.ai': -1, [API]: -1, 'Claude Code': -1 });
    expect(await points(METRIC_STATUS_INCIDENT_STARTED)).toEqual([]);
    // Still the same version as before: a 304 brings the last good state back.
    page.answer = { summary: fixture('incident'), etag: '"v2"' };
    expect(await watch.poll()).toBe('not_modified');
    expect(await components()).toEqual({ 'claude.ai': 2, [API]: 3, 'Claude Code': 4 });
    expect(await points(METRIC_STATUS_INCIDENT_STARTED)).toHaveLength(2);
  });

  it('reports the indicator unknown when the page never answered', async () => {
    const watch = new StatusWatch({ url: `http://127.0.0.1:${await closedPort()}` });
    const { metrics, points } = watched(watch);
    const outcome = await watch.poll();
    expect(outcome).toBe('unreachable');
    metrics.polled(outcome);
    expect(await points(METRIC_STATUS_COMPONENT)).toEqual([]);
    expect((await points(METRIC_STATUS_INDICATOR))[0]!.value).toBe(-1);
    expect((await points(METRIC_STATUS_POLLS))[0]!.attributes[ATTR_STATUS_POLL_OUTCOME]).toBe('unreachable');
  });

  it('counts a page that does not answer within the timeout as unreachable', async () => {
    const slow = async (_url: string | URL | Request, init?: RequestInit): Promise<Response> =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error)));
    const watch = new StatusWatch({ url: page.url, timeoutMs: 20, fetch: slow as typeof fetch });
    expect(await watch.poll()).toBe('unreachable');
    expect(watch.snapshot().indicator).toBe('unknown');
  });

  it('polls every interval on its clock and counts each poll by outcome', async () => {
    const clock = new VirtualClock();
    const watch = new StatusWatch({ url: page.url, intervalMs: 60_000 });
    const { metrics, points, host } = watched(watch);
    const stop = new AbortController();
    const outcomes: string[] = [];
    const running = watch.run(clock, stop.signal, (o) => {
      outcomes.push(o);
      metrics.polled(o);
    });
    await until(() => outcomes.length === 1);
    await clock.advance(59_999);
    expect(page.requests).toHaveLength(1);
    await clock.advance(1);
    await until(() => outcomes.length === 2);
    page.answer = { status: 502 };
    await clock.advance(60_000);
    await until(() => outcomes.length === 3);
    stop.abort();
    await running;
    expect(outcomes).toEqual(['updated', 'not_modified', 'unreachable']);
    const polls = Object.fromEntries((await points(METRIC_STATUS_POLLS)).map((p) => [p.attributes[ATTR_STATUS_POLL_OUTCOME], [p.attributes[ATTR_STATUS_PAGE], p.value]]));
    expect(polls).toEqual({ updated: [host, 1], not_modified: [host, 1], unreachable: [host, 1] });
  });

  it.each([
    [{ url: 'status.anthropic.com' }, /absolute http\(s\) URL/],
    [{ url: 'ftp://status.example.com' }, /absolute http\(s\) URL/],
    [{ intervalMs: 0 }, /intervalMs/],
    [{ timeoutMs: Number.NaN }, /timeoutMs/],
  ])('rejects the bad option %j', (options, message) => {
    expect(() => new StatusWatch(options)).toThrow(message);
  });

  it('reads the summary under the base URL, with or without a path or slash', () => {
    expect(new StatusWatch().url).toBe('https://status.anthropic.com/api/v2/summary.json');
    expect(new StatusWatch({ url: 'https://example.com/status/' }).url).toBe('https://example.com/status/api/v2/summary.json');
    expect(new StatusWatch({ url: 'https://example.com/status' }).page).toBe('example.com');
  });
});

/** Waits (real time) for work on real sockets. */
async function until(condition: () => boolean, maxMs = 5_000): Promise<void> {
  const giveUp = performance.now() + maxMs;
  while (!condition()) {
    if (performance.now() > giveUp) throw new Error('until: condition not met');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
