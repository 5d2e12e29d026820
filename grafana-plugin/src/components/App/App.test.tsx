import React from 'react';
import { render, screen } from '@testing-library/react';
import type { AppRootProps } from '@grafana/data';
import { locationService } from '@grafana/runtime';
import { Router } from 'react-router-dom';
import { PROM_UID, TEMPO_UID, datasourceInstance, installFakeGrafana } from '../../test/fakeGrafana';
import type { AppSettings } from '../../settings';
import App from './App';

function props(jsonData: AppSettings): AppRootProps<AppSettings> {
  return { meta: { id: 'stormwatch-app', jsonData } } as unknown as AppRootProps<AppSettings>;
}

function renderApp(jsonData: AppSettings) {
  locationService.push('/a/stormwatch-app/overview');
  return render(
    <Router location={locationService.getLocation()} navigator={locationService.getHistory()}>
      <App {...props(jsonData)} />
    </Router>
  );
}

describe('App', () => {
  it('says clearly which datasource is missing', () => {
    installFakeGrafana(() => ({ frames: [] }), [datasourceInstance(PROM_UID, 'prometheus', 'Prom')]);
    renderApp({ prometheusDatasourceUid: PROM_UID, tempoDatasourceUid: 'deleted-tempo' });
    const problem = screen.getByTestId('stormwatch-datasource-problem');
    expect(problem).toHaveTextContent('The Tempo datasource with uid "deleted-tempo" does not exist.');
    expect(screen.getByRole('link', { name: /Configuration page/ })).toHaveAttribute('href', '/plugins/stormwatch-app');
  });

  it('shows no datasource problem when both exist', () => {
    installFakeGrafana(() => ({ frames: [] }));
    renderApp({ prometheusDatasourceUid: PROM_UID, tempoDatasourceUid: TEMPO_UID });
    expect(screen.queryByTestId('stormwatch-datasource-problem')).not.toBeInTheDocument();
  });

  it('reports invalid settings instead of crashing', () => {
    installFakeGrafana(() => ({ frames: [] }));
    renderApp({ stormThresholds: { amplification: -2 } });
    expect(screen.getByText('storm threshold amplification must be a number >= 0, got -2')).toBeInTheDocument();
  });
});
