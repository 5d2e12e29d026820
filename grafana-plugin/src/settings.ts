import { DEFAULT_STORM_THRESHOLDS, type StormThresholds } from '@stormwatch/queries';

/**
 * The app's settings, stored in the plugin's `jsonData` (never secrets). Provisioned by
 * deploy/grafana/provisioning/plugins/app.yaml or edited on the Configuration page.
 */
export interface AppSettings {
  /** Uid of the Prometheus datasource holding Stormwatch metrics. Default: the first Prometheus datasource. */
  prometheusDatasourceUid?: string;
  /** Uid of the Tempo datasource holding Stormwatch traces. Default: the first Tempo datasource. */
  tempoDatasourceUid?: string;
  /** Storm thresholds; defaults: amplification 2, overload ratio 0.2, minimum 60 000 ms. */
  stormThresholds?: Partial<StormThresholds>;
  /** Daily budget in USD: drawn on the Cost page (USD/day, projected today, USD/h at budget / 24). Default: none. */
  dailyBudgetUsd?: number;
}

/** Settings with defaults applied. */
export interface ResolvedSettings {
  prometheusDatasourceUid?: string;
  tempoDatasourceUid?: string;
  stormThresholds: StormThresholds;
  /** USD per day, or undefined for no budget. */
  dailyBudgetUsd?: number;
}

function threshold(name: keyof StormThresholds, value: unknown): number {
  if (value === undefined || value === null || value === '') {
    return DEFAULT_STORM_THRESHOLDS[name];
  }
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    throw new RangeError(`storm threshold ${name} must be a number >= 0, got ${JSON.stringify(value)}`);
  }
  return n;
}

function budget(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    throw new RangeError(`daily budget must be a number of USD > 0, got ${JSON.stringify(value)}`);
  }
  return n;
}

/**
 * Reads settings from `jsonData`, applying defaults.
 * @throws RangeError when a threshold is not a number >= 0, or the budget not a number > 0.
 */
export function resolveSettings(jsonData: AppSettings | undefined | null): ResolvedSettings {
  const data = jsonData ?? {};
  const t = data.stormThresholds ?? {};
  const uid = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  return {
    prometheusDatasourceUid: uid(data.prometheusDatasourceUid),
    tempoDatasourceUid: uid(data.tempoDatasourceUid),
    stormThresholds: {
      amplification: threshold('amplification', t.amplification),
      overloadRatio: threshold('overloadRatio', t.overloadRatio),
      minDurationMs: threshold('minDurationMs', t.minDurationMs),
    },
    dailyBudgetUsd: budget(data.dailyBudgetUsd),
  };
}
