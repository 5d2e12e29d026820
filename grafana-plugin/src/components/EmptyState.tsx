import React from 'react';
import { EmptyState as GrafanaEmptyState, TextLink } from '@grafana/ui';
import { QUICK_START_URL } from '../constants';
import { testIds } from './testIds';

/** What to do when no Stormwatch telemetry has arrived yet. */
export function EmptyState({ what = 'metrics' }: { what?: 'metrics' | 'traces' }) {
  return (
    <div data-testid={testIds.emptyState}>
      <GrafanaEmptyState variant="not-found" message={`No Stormwatch ${what} yet`}>
        <p>
          Stormwatch panels fill in once an application calls the Anthropic API through{' '}
          <code>@stormwatch/anthropic</code> with telemetry enabled, and the collector forwards it to this Prometheus
          and Tempo. Check the service and model filters and the time range, or follow the{' '}
          <TextLink href={QUICK_START_URL} external>
            quick start
          </TextLink>{' '}
          (run <code>npm run demo</code> for a simulated storm).
        </p>
      </GrafanaEmptyState>
    </div>
  );
}
