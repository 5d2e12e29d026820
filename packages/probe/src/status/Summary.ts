import type { ComponentStatus} from '@stormwatch/conventions';
import { IncidentImpact } from '@stormwatch/conventions';
import { componentStatusOf, impactOf } from './states.js';

/** One component of a status page. */
export interface StatusComponent {
  readonly name: string;
  readonly status: ComponentStatus;
}

/** One unresolved incident of a status page. */
export interface StatusIncident {
  readonly name: string;
  readonly impact: IncidentImpact;
  /** When it started, in epoch milliseconds (`started_at`, else `created_at`); `undefined` when the page gives neither. */
  readonly startedAt: number | undefined;
}

/** What the watch keeps of a Statuspage v2 summary. */
export interface Summary {
  /** The page's overall `status.indicator`. */
  readonly indicator: IncidentImpact;
  /** Components, groups left out (a group's state is its members'), in the page's order. */
  readonly components: readonly StatusComponent[];
  /** Incidents not yet resolved. */
  readonly incidents: readonly StatusIncident[];
}

/** Incident statuses after which an incident is no longer active. */
const ENDED = new Set(['resolved', 'postmortem', 'completed']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function timeOf(raw: unknown): number | undefined {
  if (typeof raw !== 'string') return undefined;
  const ms = Date.parse(raw);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Reads the body of `GET /api/v2/summary.json` (Atlassian Statuspage's documented v2
 * format: `{ page, components: [{ name, status, group, … }], incidents: [{ name, impact,
 * status, started_at, created_at, … }], status: { indicator, description } }`).
 *
 * @returns the summary, or `undefined` when the body is not one: not JSON, not an object,
 * no `components` array, or a component without a name. A garbage answer must read as
 * "unknown", so nothing is guessed from a body that does not have the documented shape.
 * Unknown status strings inside a well-formed summary become `unknown` one by one.
 */
export function parseSummary(body: string): Summary | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isObject(json) || !Array.isArray(json.components)) return undefined;
  const components: StatusComponent[] = [];
  for (const c of json.components) {
    if (!isObject(c) || typeof c.name !== 'string' || c.name.length === 0) return undefined;
    if (c.group === true) continue;
    components.push({ name: c.name, status: componentStatusOf(c.status) });
  }
  const incidents: StatusIncident[] = [];
  if (json.incidents !== undefined && !Array.isArray(json.incidents)) return undefined;
  for (const i of (json.incidents as unknown[] | undefined) ?? []) {
    if (!isObject(i) || typeof i.name !== 'string') return undefined;
    if (typeof i.status === 'string' && ENDED.has(i.status)) continue;
    incidents.push({ name: i.name, impact: impactOf(i.impact), startedAt: timeOf(i.started_at) ?? timeOf(i.created_at) });
  }
  const indicator = isObject(json.status) ? impactOf(json.status.indicator) : IncidentImpact.UNKNOWN;
  return { indicator, components, incidents };
}
