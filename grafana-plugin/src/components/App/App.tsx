import React, { useEffect, useMemo, useState } from 'react';
import type { AppRootProps } from '@grafana/data';
import { getDataSourceSrv, locationService } from '@grafana/runtime';
import { SceneApp, useSceneApp } from '@grafana/scenes';
import { Alert, LinkButton } from '@grafana/ui';
import { PLUGIN_ID } from '../../constants';
import { checkDatasources } from '../../datasourceCheck';
import { createPages } from '../../pages/pages';
import { resolveSettings, type AppSettings, type ResolvedSettings } from '../../settings';
import { keepSharedUrlState } from '../../utils/sharedUrlState';
import { testIds } from '../testIds';

function DatasourceProblems({ problems }: { problems: string[] }) {
  if (problems.length === 0) {
    return null;
  }
  return (
    <div data-testid={testIds.datasourceProblem}>
      <Alert severity="error" title="Stormwatch cannot read its datasources">
        <ul>
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
        <p>
          Add a Prometheus and a Tempo datasource (the compose stack and Helm chart provision both), then pick them on
          the configuration page.
        </p>
        <LinkButton href={`/plugins/${PLUGIN_ID}`} variant="secondary" icon="cog">
          Configuration page
        </LinkButton>
      </Alert>
    </div>
  );
}

/**
 * Restores the shared time range and filters on a page Grafana's side menu opened bare. The
 * first restore runs before the scenes read the URL (the state initialiser); later ones as
 * the location changes.
 */
function useSharedUrlState() {
  const [stop] = useState(() => keepSharedUrlState(locationService.getHistory(), window.sessionStorage));
  useEffect(() => stop, [stop]);
}

function StormwatchScenes({ settings }: { settings: ResolvedSettings }) {
  useSharedUrlState();
  const getSceneApp = useMemo(
    () => () =>
      new SceneApp({
        pages: createPages(settings),
        urlSyncOptions: { updateUrlOnInit: true, createBrowserHistorySteps: true },
      }),
    [settings]
  );
  const scene = useSceneApp(getSceneApp);
  return <scene.Component model={scene} />;
}

/** The app's root page: datasource problems first, then the Scenes app. */
export default function App(props: AppRootProps<AppSettings>) {
  let settings: ResolvedSettings;
  try {
    settings = resolveSettings(props.meta.jsonData);
  } catch (e) {
    return (
      <Alert severity="error" title="Invalid Stormwatch settings">
        {(e as Error).message}
      </Alert>
    );
  }
  // getDataSourceSrv is deprecated in favour of @grafana/runtime/unstable; it stays the stable API
  // that setDataSourceSrv (tests) and every Grafana >= 13.1 provide.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  const problems = checkDatasources(settings, getDataSourceSrv());
  return (
    <>
      <DatasourceProblems problems={problems} />
      <StormwatchScenes settings={settings} />
    </>
  );
}
