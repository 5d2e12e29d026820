import React from 'react';
import { act, render, screen } from '@testing-library/react';
import type { AppRootProps } from '@grafana/data';
import { LocationServiceProvider, locationService } from '@grafana/runtime';
import { Route, Router, Routes } from 'react-router-dom';
import { PROM_UID, TEMPO_UID, datasourceInstance, installFakeGrafana } from '../../test/fakeGrafana';
import type { AppSettings } from '../../settings';
import App from './App';

function props(jsonData: AppSettings): AppRootProps<AppSettings> {
  return { meta: { id: 'stormwatch-stormwatch-app', jsonData } } as unknown as AppRootProps<AppSettings>;
}

function renderApp(jsonData: AppSettings) {
  locationService.push('/a/stormwatch-stormwatch-app/overview');
  return render(
    <LocationServiceProvider service={locationService}>
      <Router location={locationService.getLocation()} navigator={locationService.getHistory()}>
        <Routes>
          <Route path="/a/stormwatch-stormwatch-app/*" element={<App {...props(jsonData)} />} />
        </Routes>
      </Router>
    </LocationServiceProvider>
  );
}

describe('App', () => {
  // The app remembers the last page's time range and filters per tab (sessionStorage): each
  // test starts from none, as a new tab would.
  beforeEach(() => window.sessionStorage.clear());

  it('says clearly which datasource is missing', () => {
    installFakeGrafana(() => ({ frames: [] }), [datasourceInstance(PROM_UID, 'prometheus', 'Prom')]);
    const { unmount } = renderApp({ prometheusDatasourceUid: PROM_UID, tempoDatasourceUid: 'deleted-tempo' });
    const problem = screen.getByTestId('stormwatch-datasource-problem');
    expect(problem).toHaveTextContent('The Tempo datasource with uid "deleted-tempo" does not exist.');
    expect(screen.getByRole('link', { name: /Configuration page/ })).toHaveAttribute(
      'href',
      '/plugins/stormwatch-stormwatch-app'
    );
    // Unmounted now, so the page's queries resolving later update nothing outside act().
    unmount();
  });

  it('shows no datasource problem when both exist, and renders the overview page', async () => {
    installFakeGrafana(() => ({ frames: [] }));
    const { unmount } = renderApp({ prometheusDatasourceUid: PROM_UID, tempoDatasourceUid: TEMPO_UID });
    expect(screen.queryByTestId('stormwatch-datasource-problem')).not.toBeInTheDocument();
    // The overview scene: its variable pickers, and its empty state (no telemetry in this fake).
    expect(
      await screen.findByTestId('data-testid Dashboard template variables submenu Label Service')
    ).toBeInTheDocument();
    expect(await screen.findByTestId('stormwatch-empty-state')).toBeInTheDocument();
    unmount();
  });

  it('reports invalid settings instead of crashing', () => {
    installFakeGrafana(() => ({ frames: [] }));
    renderApp({ stormThresholds: { amplification: -2 } });
    expect(screen.getByText('storm threshold amplification must be a number >= 0, got -2')).toBeInTheDocument();
  });

  it("opens a page from Grafana's side menu (no query string) with the last page's time range and filters", async () => {
    installFakeGrafana(() => ({ frames: [] }));
    locationService.push('/a/stormwatch-stormwatch-app/overview?from=now-6h&to=now-1h&var-service=checkout');
    const { unmount } = render(
      <LocationServiceProvider service={locationService}>
        <Router location={locationService.getLocation()} navigator={locationService.getHistory()}>
          <Routes>
            <Route
              path="/a/stormwatch-stormwatch-app/*"
              element={<App {...props({ prometheusDatasourceUid: PROM_UID, tempoDatasourceUid: TEMPO_UID })} />}
            />
          </Routes>
        </Router>
      </LocationServiceProvider>
    );
    await screen.findByTestId('stormwatch-empty-state');
    // What a side-menu entry (plugin.json includes) does: a bare path.
    act(() => locationService.push('/a/stormwatch-stormwatch-app/cost'));
    const search = new URLSearchParams(locationService.getLocation().search);
    expect(locationService.getLocation().pathname).toBe('/a/stormwatch-stormwatch-app/cost');
    // The Cost page shows that range (its time picker), not its default.
    expect(await screen.findByText(/now-6h to now-1h/)).toBeInTheDocument();
    expect([search.get('from'), search.get('to'), search.getAll('var-service')]).toEqual([
      'now-6h',
      'now-1h',
      ['checkout'],
    ]);
    unmount();
  });
});
