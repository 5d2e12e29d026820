import { DEFAULT_STORM_THRESHOLDS } from '@stormwatch/queries';
import { checkDatasources, type DatasourceLookup } from './datasourceCheck';
import { resolveSettings } from './settings';

describe('resolveSettings', () => {
  it('applies defaults to empty jsonData', () => {
    expect(resolveSettings(undefined)).toEqual({
      prometheusDatasourceUid: undefined,
      tempoDatasourceUid: undefined,
      stormThresholds: DEFAULT_STORM_THRESHOLDS,
    });
  });

  it('reads uids and thresholds, numbers given as strings too', () => {
    expect(
      resolveSettings({
        prometheusDatasourceUid: ' p ',
        tempoDatasourceUid: 't',
        stormThresholds: { amplification: '1.5' as unknown as number, overloadRatio: 0.3 },
      })
    ).toEqual({
      prometheusDatasourceUid: 'p',
      tempoDatasourceUid: 't',
      stormThresholds: { amplification: 1.5, overloadRatio: 0.3, minDurationMs: 60_000 },
    });
  });

  it('rejects a negative or non-numeric threshold, naming it', () => {
    expect(() => resolveSettings({ stormThresholds: { amplification: -1 } })).toThrow(
      new RangeError('storm threshold amplification must be a number >= 0, got -1')
    );
    expect(() => resolveSettings({ stormThresholds: { overloadRatio: 'lots' as unknown as number } })).toThrow(
      'storm threshold overloadRatio must be a number >= 0, got "lots"'
    );
  });
});

describe('the daily budget', () => {
  it('is none by default, a number of USD when set (strings too)', () => {
    expect(resolveSettings({}).dailyBudgetUsd).toBeUndefined();
    expect(resolveSettings({ dailyBudgetUsd: '120.5' as unknown as number }).dailyBudgetUsd).toBe(120.5);
  });

  it('rejects zero, negative and non-numeric budgets', () => {
    expect(() => resolveSettings({ dailyBudgetUsd: 0 })).toThrow(
      new RangeError('daily budget must be a number of USD > 0, got 0')
    );
    expect(() => resolveSettings({ dailyBudgetUsd: -5 })).toThrow(RangeError);
    expect(() => resolveSettings({ dailyBudgetUsd: 'x' as unknown as number })).toThrow('got "x"');
  });
});

describe('checkDatasources', () => {
  const lookup = (ds: Array<{ uid: string; type: string; name: string }>): DatasourceLookup => ({
    getInstanceSettings: (uid) => ds.find((d) => d.uid === uid),
    getList: ({ type }) => ds.filter((d) => d.type === type),
  });
  const both = [
    { uid: 'p', type: 'prometheus', name: 'Prom' },
    { uid: 't', type: 'tempo', name: 'Tempo' },
  ];

  it('is happy when the configured datasources exist', () => {
    expect(
      checkDatasources(resolveSettings({ prometheusDatasourceUid: 'p', tempoDatasourceUid: 't' }), lookup(both))
    ).toEqual([]);
  });

  it('is happy without configured uids when a datasource of each type exists', () => {
    expect(checkDatasources(resolveSettings({}), lookup(both))).toEqual([]);
  });

  it('names a configured uid that does not exist and a missing type', () => {
    expect(checkDatasources(resolveSettings({ prometheusDatasourceUid: 'gone' }), lookup([]))).toEqual([
      'The Prometheus datasource with uid "gone" does not exist.',
      'No Tempo datasource exists.',
    ]);
  });

  it('names a configured uid of the wrong type', () => {
    expect(checkDatasources(resolveSettings({ tempoDatasourceUid: 'p' }), lookup(both))).toEqual([
      'The datasource "Prom" (uid "p") is of type prometheus, not tempo.',
    ]);
  });
});
