import React from 'react';
import { LoadingState } from '@grafana/data';
import { SceneObjectBase, sceneGraph, type SceneComponentProps, type SceneObjectState } from '@grafana/scenes';
import { Alert } from '@grafana/ui';
import { EmptyState } from '../components/EmptyState';
import { testIds } from '../components/testIds';

interface TelemetryNoticeState extends SceneObjectState {
  /** Which telemetry the probe query reads, for the empty state's wording. */
  what: 'metrics' | 'traces';
}

/**
 * Sits above a page's panels and watches a probe query (its `$data`): renders nothing
 * when the probe returns series, an error when the query fails (datasource missing or
 * unreachable), and the empty state when no Stormwatch telemetry exists.
 */
export class TelemetryNotice extends SceneObjectBase<TelemetryNoticeState> {
  static Component = TelemetryNoticeRenderer;
}

/** Whether a probe's frames hold at least one value. */
export function hasValues(frames: ReadonlyArray<{ length: number; fields: unknown[] }>): boolean {
  return frames.some((f) => f.length > 0 && f.fields.length > 0);
}

function TelemetryNoticeRenderer({ model }: SceneComponentProps<TelemetryNotice>) {
  const { what } = model.useState();
  const { data } = sceneGraph.getData(model).useState();
  if (!data || data.state === LoadingState.Loading || data.state === LoadingState.NotStarted) {
    return null;
  }
  if (data.state === LoadingState.Error) {
    const message = data.errors?.map((e) => e.message).join('; ') || 'unknown error';
    return (
      <div data-testid={testIds.queryError}>
        <Alert severity="error" title={`Cannot query the ${what === 'traces' ? 'Tempo' : 'Prometheus'} datasource`}>
          {message}. Check the datasource picked above, or choose another on the app&apos;s Configuration page.
        </Alert>
      </div>
    );
  }
  if (!hasValues(data.series)) {
    return <EmptyState what={what} />;
  }
  return null;
}
