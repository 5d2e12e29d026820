import { LoadingState, getDefaultTimeRange } from '@grafana/data';
import {
  SceneDataLayerBase,
  sceneGraph,
  type SceneDataLayerProviderState,
  type SceneQueryRunner,
} from '@grafana/scenes';
import type { StormThresholds } from '@stormwatch/queries';
import { stormsInFrames } from '../transforms/detectStormsInFrames';
import { stormsToAnnotations } from '../transforms/stormsToAnnotations';

/** Step used when the result has fewer than two samples, in ms (as the Storms table). */
const FALLBACK_STEP_MS = 15_000;

interface StormAnnotationsLayerState extends SceneDataLayerProviderState {
  thresholds: StormThresholds;
  /** The storm queries (stormRunner()); the layer owns and activates it. */
  $data: SceneQueryRunner;
}

/**
 * An annotation layer of the storms detected in the browser (the Storms page's table): one
 * shaded region per storm on every time series of the page. Computed from the same storm
 * queries and thresholds (the Configuration page's) as the table.
 */
export class StormAnnotationsLayer extends SceneDataLayerBase<StormAnnotationsLayerState> {
  private sub?: { unsubscribe: () => void };
  /** The series storms were last detected in: the runner also receives this layer's own events, which change nothing. */
  private lastSeries?: unknown;

  public constructor(state: Omit<StormAnnotationsLayerState, 'name'> & { name?: string }) {
    super({ name: 'Storms', isEnabled: true, ...state });
  }

  public onEnable(): void {
    this.sub = this.state.$data.subscribeToState(() => this.runLayer());
  }

  public onDisable(): void {
    this.sub?.unsubscribe();
    this.sub = undefined;
    this.lastSeries = undefined;
  }

  protected runLayer(): void {
    const data = this.state.$data.state.data;
    if (!data || data.state !== LoadingState.Done || data.series === this.lastSeries) {
      return;
    }
    this.lastSeries = data.series;
    const storms = stormsInFrames(data.series, this.state.thresholds, FALLBACK_STEP_MS);
    this.publishResults({
      state: LoadingState.Done,
      // Layers hand their events over as series of the annotations data topic.
      series: [stormsToAnnotations(storms)],
      timeRange: data.timeRange ?? sceneGraph.getTimeRange(this).state.value ?? getDefaultTimeRange(),
    });
  }
}
