import { ComponentStatus, IncidentImpact } from '@stormwatch/conventions';
import { describe, expect, it } from 'vitest';
import { componentStatusOf, impactOf, parseSummary } from '../src/index.js';
import { fixture } from './support/statusServer.js';

describe('componentStatusOf', () => {
  it.each([
    ['operational', ComponentStatus.OPERATIONAL],
    ['under_maintenance', ComponentStatus.UNDER_MAINTENANCE],
    ['degraded_performance', ComponentStatus.DEGRADED_PERFORMANCE],
    ['partial_outage', ComponentStatus.PARTIAL_OUTAGE],
    ['major_outage', ComponentStatus.MAJOR_OUTAGE],
    ['Operational', ComponentStatus.UNKNOWN],
    ['unknown', ComponentStatus.UNKNOWN],
    ['', ComponentStatus.UNKNOWN],
    [0, ComponentStatus.UNKNOWN],
    [null, ComponentStatus.UNKNOWN],
    [undefined, ComponentStatus.UNKNOWN],
  ])('maps %j to %s', (raw, expected) => {
    expect(componentStatusOf(raw)).toBe(expected);
  });
});

describe('impactOf', () => {
  it.each([
    ['none', IncidentImpact.NONE],
    ['minor', IncidentImpact.MINOR],
    ['major', IncidentImpact.MAJOR],
    ['critical', IncidentImpact.CRITICAL],
    ['maintenance', IncidentImpact.MAINTENANCE],
    ['severe', IncidentImpact.UNKNOWN],
    [3, IncidentImpact.UNKNOWN],
    [undefined, IncidentImpact.UNKNOWN],
  ])('maps %j to %s', (raw, expected) => {
    expect(impactOf(raw)).toBe(expected);
  });
});

describe('parseSummary', () => {
  it('reads an all-operational page', () => {
    expect(parseSummary(fixture('operational'))).toEqual({
      indicator: 'none',
      components: [
        { name: 'claude.ai', status: 'operational' },
        { name: 'Claude API (api.anthropic.com)', status: 'operational' },
        { name: 'Claude Code', status: 'operational' },
      ],
      incidents: [],
    });
  });

  it('reads components in trouble and active incidents, leaving groups out', () => {
    expect(parseSummary(fixture('incident'))).toEqual({
      indicator: 'major',
      components: [
        { name: 'claude.ai', status: 'degraded_performance' },
        { name: 'Claude API (api.anthropic.com)', status: 'partial_outage' },
        { name: 'Claude Code', status: 'major_outage' },
      ],
      incidents: [
        { name: 'Elevated errors on Claude Opus', impact: 'major', startedAt: Date.parse('2026-12-06T07:55:00.000Z') },
        // No started_at: created_at is the start.
        { name: 'Slow responses on claude.ai', impact: 'minor', startedAt: Date.parse('2026-12-06T06:40:00.000Z') },
      ],
    });
  });

  it('drops resolved incidents and reads an unknown status as unknown, one by one', () => {
    const body = JSON.stringify({
      components: [
        { name: 'API', status: 'on_fire' },
        { name: 'Console', status: 'operational' },
      ],
      incidents: [
        { name: 'Over', status: 'resolved', impact: 'major', started_at: '2026-12-06T07:00:00Z' },
        { name: 'Odd', status: 'identified', impact: 'apocalyptic', started_at: 'yesterday' },
      ],
      status: { indicator: 'minor' },
    });
    expect(parseSummary(body)).toEqual({
      indicator: 'minor',
      components: [
        { name: 'API', status: 'unknown' },
        { name: 'Console', status: 'operational' },
      ],
      incidents: [{ name: 'Odd', impact: 'unknown', startedAt: undefined }],
    });
  });

  it.each([
    ['an HTML page', '<html><body>502 Bad Gateway</body></html>'],
    ['an empty body', ''],
    ['JSON null', 'null'],
    ['a JSON array', '[]'],
    ['no components', '{"page":{},"status":{"indicator":"none"}}'],
    ['components not a list', '{"components":{"API":"operational"}}'],
    ['a component without a name', '{"components":[{"status":"operational"}]}'],
    ['a component that is a string', '{"components":["API"]}'],
    ['incidents not a list', '{"components":[],"incidents":"none"}'],
    ['truncated JSON', fixture('operational').slice(0, 200)],
  ])('answers undefined (unknown) for %s', (_name, body) => {
    expect(parseSummary(body)).toBeUndefined();
  });

  it('reads a page without an indicator as indicator unknown', () => {
    expect(parseSummary('{"components":[{"name":"API","status":"operational"}]}')?.indicator).toBe('unknown');
  });
});
