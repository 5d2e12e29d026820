import { ComponentStatus, IncidentImpact } from '@stormwatch/conventions';

const COMPONENT_STATUSES: ReadonlySet<string> = new Set(Object.values(ComponentStatus).filter((s) => s !== ComponentStatus.UNKNOWN));
const IMPACTS: ReadonlySet<string> = new Set(Object.values(IncidentImpact).filter((s) => s !== IncidentImpact.UNKNOWN));

/**
 * A component's `status` as the Statuspage v2 API writes it, mapped to the contract's
 * closed set. Anything else (a status Atlassian adds later, a typo, a number) is `unknown`:
 * never `operational`.
 */
export function componentStatusOf(raw: unknown): ComponentStatus {
  return typeof raw === 'string' && COMPONENT_STATUSES.has(raw) ? (raw as ComponentStatus) : ComponentStatus.UNKNOWN;
}

/** An incident's `impact`, or the page's `status.indicator`, mapped to the contract's set; anything else is `unknown`. */
export function impactOf(raw: unknown): IncidentImpact {
  return typeof raw === 'string' && IMPACTS.has(raw) ? (raw as IncidentImpact) : IncidentImpact.UNKNOWN;
}
