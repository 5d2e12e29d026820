import type { ResolvedSettings } from './settings';

/** The parts of Grafana's DataSourceSrv the check reads. */
export interface DatasourceLookup {
  getInstanceSettings(uid: string): { type: string; name: string } | undefined;
  getList(filter: { type: string }): Array<{ uid: string }>;
}

const KINDS = [
  { key: 'prometheusDatasourceUid', type: 'prometheus', label: 'Prometheus' },
  { key: 'tempoDatasourceUid', type: 'tempo', label: 'Tempo' },
] as const;

/**
 * What is wrong with the datasources the app reads: a configured uid that does not exist
 * or has the wrong type, or no datasource of a needed type at all. Empty when all is well.
 */
export function checkDatasources(settings: ResolvedSettings, lookup: DatasourceLookup): string[] {
  const problems: string[] = [];
  for (const kind of KINDS) {
    const uid = settings[kind.key];
    if (uid) {
      const found = lookup.getInstanceSettings(uid);
      if (!found) {
        problems.push(`The ${kind.label} datasource with uid "${uid}" does not exist.`);
      } else if (found.type !== kind.type) {
        problems.push(`The datasource "${found.name}" (uid "${uid}") is of type ${found.type}, not ${kind.type}.`);
      }
    } else if (lookup.getList({ type: kind.type }).length === 0) {
      problems.push(`No ${kind.label} datasource exists.`);
    }
  }
  return problems;
}
