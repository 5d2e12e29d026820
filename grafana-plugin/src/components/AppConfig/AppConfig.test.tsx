import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import type { AppPluginMeta, PluginConfigPageProps } from '@grafana/data';
import { installFakeGrafana } from '../../test/fakeGrafana';
import type { AppSettings } from '../../settings';
import AppConfig, { formToJsonData } from './AppConfig';

const base = {
  prometheusDatasourceUid: 'p',
  tempoDatasourceUid: 't',
  amplification: '2',
  overloadRatio: '0.2',
  minDurationS: '60',
  dailyBudgetUsd: '',
};

describe('formToJsonData', () => {
  it('stores the datasources and thresholds, the duration in ms', () => {
    expect(formToJsonData({ ...base, amplification: '2.5', minDurationS: '90' })).toEqual({
      prometheusDatasourceUid: 'p',
      tempoDatasourceUid: 't',
      stormThresholds: { amplification: 2.5, overloadRatio: 0.2, minDurationMs: 90_000 },
    });
  });

  it('stores a daily budget when one is given, none when empty', () => {
    expect(formToJsonData({ ...base, dailyBudgetUsd: ' 250 ' }).dailyBudgetUsd).toBe(250);
    expect(formToJsonData(base)).not.toHaveProperty('dailyBudgetUsd');
  });

  it('rejects a budget that is not a positive number, quoting it', () => {
    expect(() => formToJsonData({ ...base, dailyBudgetUsd: 'lots' })).toThrow(
      new RangeError('daily budget must be a number of USD > 0, got "lots"')
    );
    expect(() => formToJsonData({ ...base, dailyBudgetUsd: '0' })).toThrow(RangeError);
  });

  it('rejects a threshold that is not a number', () => {
    expect(() => formToJsonData({ ...base, overloadRatio: 'high' })).toThrow(RangeError);
  });
});

describe('AppConfig', () => {
  const props = (jsonData: AppSettings) =>
    ({
      plugin: { meta: { id: 'stormwatch-stormwatch-app', enabled: true, pinned: true, jsonData } },
      query: {},
    }) as unknown as PluginConfigPageProps<AppPluginMeta<AppSettings>>;

  it('shows the stored thresholds, defaults for the rest', () => {
    installFakeGrafana(() => ({ frames: [] }));
    render(<AppConfig {...props({ stormThresholds: { amplification: 3 } })} />);
    expect(screen.getByTestId('stormwatch-config-amplification')).toHaveValue('3');
    expect(screen.getByTestId('stormwatch-config-overload-ratio')).toHaveValue('0.2');
    expect(screen.getByTestId('stormwatch-config-min-duration')).toHaveValue('60');
    expect(screen.getByTestId('stormwatch-config-daily-budget')).toHaveValue('');
  });

  it('refuses to save an invalid threshold and says why', () => {
    installFakeGrafana(() => ({ frames: [] }));
    render(<AppConfig {...props({})} />);
    fireEvent.change(screen.getByTestId('stormwatch-config-amplification'), { target: { value: '-1' } });
    fireEvent.click(screen.getByTestId('stormwatch-config-submit'));
    expect(screen.getByTestId('stormwatch-config-error')).toHaveTextContent(
      'storm threshold amplification must be a number >= 0, got -1'
    );
  });
});
