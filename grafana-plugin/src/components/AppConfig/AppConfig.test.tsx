import React from 'react';
import { of, throwError } from 'rxjs';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { AppPluginMeta, PluginConfigPageProps } from '@grafana/data';
import { locationService, setBackendSrv, type BackendSrv, type BackendSrvRequest } from '@grafana/runtime';
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

  describe('saving', () => {
    /** Grafana's HTTP API with the Overview dashboard imported; `failSave` refuses dashboard saves. */
    function grafanaApi(failSave = false) {
      const requests: BackendSrvRequest[] = [];
      const overview = {
        uid: 'stormwatch-overview',
        templating: { list: [{ name: 'prometheus', type: 'datasource', current: {} }] },
      };
      const fetch = (request: BackendSrvRequest) => {
        requests.push(request);
        if (request.url === '/api/dashboards/uid/stormwatch-overview') {
          return of({ data: { dashboard: overview, meta: { folderUid: '' } }, status: 200 });
        }
        if (request.url.startsWith('/api/dashboards/uid/')) {
          return throwError(() => ({ status: 404, data: { message: 'Dashboard not found' } }));
        }
        if (request.url === '/api/dashboards/db' && failSave) {
          return throwError(() => ({ status: 403, data: { message: 'Access denied' } }));
        }
        return of({ data: {}, status: 200 });
      };
      setBackendSrv({ fetch } as unknown as BackendSrv);
      return requests;
    }
    const reload = jest.spyOn(locationService, 'reload').mockImplementation(() => undefined);
    afterEach(() => reload.mockClear());

    it('saves the settings, then makes the chosen Prometheus the default of the imported dashboards', async () => {
      installFakeGrafana(() => ({ frames: [] }));
      const requests = grafanaApi();
      render(<AppConfig {...props({ prometheusDatasourceUid: 'prom-a' })} />);
      fireEvent.click(screen.getByTestId('stormwatch-config-submit'));
      await waitFor(() => expect(reload).toHaveBeenCalledTimes(1));
      expect(requests[0]).toMatchObject({
        url: '/api/plugins/stormwatch-stormwatch-app/settings',
        method: 'POST',
        data: { jsonData: { prometheusDatasourceUid: 'prom-a' } },
      });
      const saves = requests.filter((r) => r.url === '/api/dashboards/db');
      expect(saves.map((r) => (r.data as { dashboard: unknown }).dashboard)).toEqual([
        {
          uid: 'stormwatch-overview',
          templating: {
            list: [{ name: 'prometheus', type: 'datasource', current: { text: 'prom-a', value: 'prom-a' } }],
          },
        },
      ]);
    });

    it('says the settings are saved but the dashboards are not when Grafana refuses, and stays on the page', async () => {
      installFakeGrafana(() => ({ frames: [] }));
      grafanaApi(true);
      render(<AppConfig {...props({ prometheusDatasourceUid: 'prom-a' })} />);
      fireEvent.click(screen.getByTestId('stormwatch-config-submit'));
      expect(await screen.findByTestId('stormwatch-config-error')).toHaveTextContent(
        'Settings saved; dashboards not updatedThe imported Stormwatch dashboards still default to their previous datasources: Access denied'
      );
      expect(reload).not.toHaveBeenCalled();
    });
  });
});
