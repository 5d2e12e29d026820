import {
  FieldType,
  createDataFrame,
  standardTransformers,
  standardTransformersRegistry,
  type DataFrame,
  type DataQueryRequest,
} from '@grafana/data';
import {
  ALERT_BREAKER_OPEN,
  ALERT_OVERLOAD_RATIO,
  ALERT_RETRY_STORM,
  ATTR_CALL_ATTEMPTS,
  BREAKER_STATE_GAUGE_VALUE,
  BreakerState,
  COMPONENT_STATUS_GAUGE_VALUE,
  CostKind,
  FallbackReason,
} from '@stormwatch/conventions';
import { sceneGraph, type SceneObject } from '@grafana/scenes';
import { LABEL, SERVICE_STATE, STATUS_LABEL, type ServiceState } from '@stormwatch/queries';
import { STORM_REF } from '../transforms/detectStormsInFrames';
import type { Responder } from './fakeGrafana';

/**
 * The three situations an on-call engineer meets — calm, a retry storm, an open breaker —
 * as one record each, and a {@link Responder} that answers every query of every page from
 * it the way Grafana's Prometheus and Tempo datasources return data: a frame per series
 * (labels on the value field) for range and instant queries, one table frame for
 * `format: 'table'`, and Tempo's `spans` table for TraceQL searches.
 */

/** The services and the model of the fixtures. */
export const SERVICES = ['checkout', 'batch'] as const;
export type Service = (typeof SERVICES)[number];
export const MODEL = 'claude-sonnet-4-5';
export const FALLBACK_MODEL = 'claude-haiku-4-5';

/** First sample time and step of every range series, in ms. */
export const T0 = 1_700_000_000_000;
export const STEP_MS = 15_000;
/** Samples per range series. */
const SAMPLES = 8;

/** One call as Tempo holds it (the span attributes the TraceQL searches select). */
export interface FixtureCall {
  readonly traceId: string;
  readonly service: Service;
  readonly attempts: number;
  /** Longest backoff wait of the call in ms (0 without retries). */
  readonly backoffMs: number;
  readonly failed: boolean;
  readonly fellBack: boolean;
}

export interface FixtureBreaker {
  readonly service: Service;
  readonly key: string;
  readonly state: BreakerState;
}

/** Everything Prometheus and Tempo know in one situation. */
export interface Situation {
  readonly name: 'calm' | 'storm' | 'breaker open';
  /** The verdict per service (serviceModelState), for MODEL. */
  readonly states: Readonly<Record<Service, ServiceState>>;
  readonly alerts: ReadonlyArray<{ readonly alertname: string; readonly service: Service }>;
  /** The status page's API component (COMPONENT_STATUS_GAUGE_VALUE). */
  readonly status: number;
  /** Retry amplification per service over the range (SAMPLES values, STEP_MS apart). */
  readonly amplification: Readonly<Record<Service, readonly number[]>>;
  /** Share of attempts answered 529 per service over the range. */
  readonly overloadRatio: Readonly<Record<Service, readonly number[]>>;
  /** Wasted USD/h per service over the range. */
  readonly wastedUsdPerHour: Readonly<Record<Service, readonly number[]>>;
  /** USD/h now over every service, by cost kind. */
  readonly usdPerHour: Readonly<Record<CostKind, number>>;
  /** USD over the previous period, by cost kind. */
  readonly previousUsd: Readonly<Record<CostKind, number>>;
  readonly breakers: readonly FixtureBreaker[];
  readonly transitions: ReadonlyArray<{ readonly key: string; readonly from: BreakerState; readonly to: BreakerState }>;
  readonly fallbacks: ReadonlyArray<{ readonly from: string; readonly to: string; readonly reason: FallbackReason }>;
  readonly calls: readonly FixtureCall[];
  /** Whether the collector runs the span-metrics overlay (the series whose exemplars the latency graphs show). */
  readonly spanMetrics: boolean;
}

const flat = (v: number) => Array.from({ length: SAMPLES }, () => v);
/** Above `high` for the six middle samples (90 s at STEP_MS), `low` at both ends. */
const burst = (low: number, high: number) => [low, ...Array.from({ length: SAMPLES - 2 }, () => high), low];

const calmCall = (i: number, service: Service): FixtureCall => ({
  traceId: `calm-${i}`,
  service,
  attempts: 1,
  backoffMs: 0,
  failed: false,
  fellBack: false,
});

export const SITUATIONS: Readonly<Record<'calm' | 'storm' | 'breakerOpen', Situation>> = Object.freeze({
  calm: {
    name: 'calm',
    spanMetrics: false,
    states: { checkout: SERVICE_STATE.CALM, batch: SERVICE_STATE.CALM },
    alerts: [],
    status: COMPONENT_STATUS_GAUGE_VALUE.operational,
    amplification: { checkout: flat(1.02), batch: flat(1) },
    overloadRatio: { checkout: flat(0), batch: flat(0) },
    wastedUsdPerHour: { checkout: flat(0), batch: flat(0) },
    usdPerHour: { useful: 1.5, wasted: 0 },
    previousUsd: { useful: 1.4, wasted: 0 },
    breakers: [
      { service: 'checkout', key: MODEL, state: BreakerState.CLOSED },
      { service: 'batch', key: MODEL, state: BreakerState.CLOSED },
    ],
    transitions: [],
    fallbacks: [],
    calls: [calmCall(0, 'checkout'), calmCall(1, 'batch')],
  },
  storm: {
    name: 'storm',
    spanMetrics: true,
    states: { checkout: SERVICE_STATE.STORM, batch: SERVICE_STATE.CALM },
    alerts: [{ alertname: ALERT_RETRY_STORM, service: 'checkout' }],
    status: COMPONENT_STATUS_GAUGE_VALUE.operational,
    amplification: { checkout: burst(1, 4), batch: flat(1) },
    overloadRatio: { checkout: burst(0, 0.1), batch: flat(0) },
    wastedUsdPerHour: { checkout: burst(0, 36), batch: flat(0) },
    usdPerHour: { useful: 2, wasted: 6 },
    previousUsd: { useful: 1.5, wasted: 0.25 },
    breakers: [
      { service: 'checkout', key: MODEL, state: BreakerState.CLOSED },
      { service: 'batch', key: MODEL, state: BreakerState.CLOSED },
    ],
    transitions: [],
    fallbacks: [],
    calls: [
      calmCall(0, 'batch'),
      { traceId: 'storm-2', service: 'checkout', attempts: 2, backoffMs: 500, failed: false, fellBack: false },
      { traceId: 'storm-10', service: 'checkout', attempts: 10, backoffMs: 8000, failed: true, fellBack: false },
      { traceId: 'storm-4', service: 'checkout', attempts: 4, backoffMs: 2000, failed: false, fellBack: false },
    ],
  },
  breakerOpen: {
    name: 'breaker open',
    spanMetrics: true,
    states: { checkout: SERVICE_STATE.BREAKER_OPEN, batch: SERVICE_STATE.OVERLOADED },
    alerts: [
      { alertname: ALERT_BREAKER_OPEN, service: 'checkout' },
      { alertname: ALERT_OVERLOAD_RATIO, service: 'batch' },
    ],
    status: COMPONENT_STATUS_GAUGE_VALUE.partial_outage,
    amplification: { checkout: flat(1.1), batch: flat(1.2) },
    overloadRatio: { checkout: burst(0, 0.6), batch: burst(0, 0.3) },
    wastedUsdPerHour: { checkout: flat(0.5), batch: flat(0.25) },
    usdPerHour: { useful: 0.75, wasted: 0.5 },
    previousUsd: { useful: 1.5, wasted: 0 },
    breakers: [
      { service: 'checkout', key: MODEL, state: BreakerState.OPEN },
      { service: 'batch', key: MODEL, state: BreakerState.CLOSED },
    ],
    transitions: [{ key: MODEL, from: BreakerState.CLOSED, to: BreakerState.OPEN }],
    fallbacks: [{ from: MODEL, to: FALLBACK_MODEL, reason: FallbackReason.CIRCUIT_OPEN }],
    calls: [
      calmCall(0, 'batch'),
      { traceId: 'fellback-1', service: 'checkout', attempts: 1, backoffMs: 0, failed: false, fellBack: true },
    ],
  },
});

export const SITUATION_LIST: readonly Situation[] = Object.values(SITUATIONS);

const times = () => Array.from({ length: SAMPLES }, (_, i) => T0 + i * STEP_MS);

/** One Prometheus series: a time field and a value field carrying the labels. */
export function series(
  refId: string,
  values: readonly number[],
  labels: Record<string, string>,
  instant = false
): DataFrame {
  const v = instant ? [values[values.length - 1]] : [...values];
  return createDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: instant ? [T0 + (SAMPLES - 1) * STEP_MS] : times() },
      { name: 'Value', type: FieldType.number, values: v, labels },
    ],
  });
}

/** One Prometheus table frame (`format: 'table'`): a column per label, then Value. */
function table(refId: string, rows: ReadonlyArray<Record<string, string | number>>, columns: string[]): DataFrame {
  return createDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: rows.map(() => T0) },
      ...columns.map((name) => ({ name, type: FieldType.string, values: rows.map((r) => String(r[name])) })),
      { name: 'Value', type: FieldType.number, values: rows.map((r) => Number(r.Value)) },
    ],
  });
}

/** Tempo's `spans` table (createTableFrameFromTraceQlQueryAsSpans): attributes as strings, durations in ms. */
function spans(refId: string, rows: ReadonlyArray<{ call: FixtureCall; durationMs: number }>): DataFrame {
  return createDataFrame({
    refId,
    name: 'Spans',
    fields: [
      { name: 'traceIdHidden', type: FieldType.string, values: rows.map((r) => r.call.traceId) },
      { name: 'spanID', type: FieldType.string, values: rows.map((r) => `${r.call.traceId}-span`) },
      { name: 'traceService', type: FieldType.string, values: rows.map((r) => r.call.service) },
      { name: 'duration', type: FieldType.number, values: rows.map((r) => r.durationMs) },
      { name: ATTR_CALL_ATTEMPTS, type: FieldType.string, values: rows.map((r) => String(r.call.attempts)) },
    ],
  });
}

/** What each TraceQL search of the pages matches, as Tempo would: calls (the call span) or backoff spans. */
const TRACE_SEARCHES: Record<
  string,
  (calls: readonly FixtureCall[]) => Array<{ call: FixtureCall; durationMs: number }>
> = {
  callsWithMostAttempts: (calls) => calls.filter((c) => c.attempts > 1).map((call) => ({ call, durationMs: 100 })),
  failedAfterRetries: (calls) =>
    calls.filter((c) => c.failed && c.attempts > 1).map((call) => ({ call, durationMs: 100 })),
  fellBack: (calls) => calls.filter((c) => c.fellBack).map((call) => ({ call, durationMs: 100 })),
  anyCalls: (calls) => calls.map((call) => ({ call, durationMs: 100 })),
  longestBackoffs: (calls) =>
    calls.filter((c) => c.backoffMs > 0).map((call) => ({ call, durationMs: call.backoffMs })),
};

const perService = (
  refId: string,
  values: Readonly<Record<Service, readonly number[]>>,
  instant: boolean,
  withModel = true
): DataFrame[] =>
  SERVICES.map((service) =>
    series(
      refId,
      values[service],
      { [LABEL.SERVICE]: service, ...(withModel ? { [LABEL.MODEL]: MODEL } : {}) },
      instant
    )
  );

const byKind = (refId: string, usd: Readonly<Record<CostKind, number>>, scale: number, instant: boolean) =>
  Object.values(CostKind).map((kind) => series(refId, flat(usd[kind] * scale), { [LABEL.COST_KIND]: kind }, instant));

const total = (usd: Readonly<Record<CostKind, number>>) => usd.useful + usd.wasted;

/** The frames of one query of the pages (by its refId, the query's id) in situation `s`. */
export function framesFor(s: Situation, refId: string, instant: boolean): DataFrame[] {
  const search = TRACE_SEARCHES[refId];
  if (search) {
    return [spans(refId, search(s.calls))];
  }
  const notClosed = s.breakers.filter((b) => b.state !== BreakerState.CLOSED).length;
  switch (refId) {
    case 'serviceModelState':
      return SERVICES.map((service) =>
        series(refId, [s.states[service]], { [LABEL.SERVICE]: service, [LABEL.MODEL]: MODEL }, true)
      );
    case 'firingAlerts':
      return [
        table(
          refId,
          s.alerts.map((a) => ({ alertname: a.alertname, [LABEL.SERVICE]: a.service, Value: 1 })),
          ['alertname', LABEL.SERVICE]
        ),
      ];
    case 'statusComponents':
      return [series(refId, [s.status], { [STATUS_LABEL.COMPONENT]: 'API' }, true)];
    case STORM_REF.AMPLIFICATION:
    case 'stormAmplification':
    case 'retryAmplification':
      return perService(refId, s.amplification, instant);
    case STORM_REF.OVERLOAD_RATIO:
    case 'stormOverloadRatio':
      return perService(refId, s.overloadRatio, instant);
    case STORM_REF.OVERLOADED:
    case 'stormOverloadedPerSecond': {
      // 10 attempts/s per service: the 529s are the ratio of them.
      const perSecond = Object.fromEntries(SERVICES.map((x) => [x, s.overloadRatio[x].map((r) => r * 10)]));
      return perService(refId, perSecond as Record<Service, number[]>, instant);
    }
    case STORM_REF.WASTED:
    case 'stormWastedUsdPerHour':
      return perService(refId, s.wastedUsdPerHour, instant);
    case 'wastedUsdPerHour':
      return instant
        ? [series(refId, [s.usdPerHour.wasted], {}, true)]
        : perService(refId, s.wastedUsdPerHour, instant);
    case 'costUsdPerHour':
      return byKind(refId, s.usdPerHour, 1, instant);
    case 'costUsdPerDay':
      return byKind(refId, s.usdPerHour, 24, instant);
    case 'costUsd':
      return byKind(refId, s.usdPerHour, 1, instant);
    case 'costUsdPreviousPeriod':
      return byKind(refId, s.previousUsd, 1, instant);
    case 'costProjectionDay':
      return [series(refId, [total(s.usdPerHour) * 24], {}, true)];
    case 'costProjectionMonth':
      return [series(refId, [total(s.usdPerHour) * 24 * 30], {}, true)];
    case 'wasteShare':
      return [series(refId, [s.usdPerHour.wasted / total(s.usdPerHour)], {}, true)];
    case 'breakersOpen':
      return [series(refId, [notClosed], {}, true)];
    case 'breakerStateTimeline':
      return s.breakers.map((b) =>
        series(refId, flat(BREAKER_STATE_GAUGE_VALUE[b.state]), {
          [LABEL.SERVICE]: b.service,
          [LABEL.BREAKER_KEY]: b.key,
        })
      );
    case 'breakerTransitions':
      return [
        table(
          refId,
          s.transitions.map((t) => ({
            [LABEL.SERVICE]: 'checkout',
            [LABEL.BREAKER_KEY]: t.key,
            [LABEL.BREAKER_FROM]: t.from,
            [LABEL.BREAKER_TO]: t.to,
            Value: 1,
          })),
          [LABEL.SERVICE, LABEL.BREAKER_KEY, LABEL.BREAKER_FROM, LABEL.BREAKER_TO]
        ),
      ];
    case 'fallbacks':
      if (!instant) {
        return s.fallbacks.map((f) =>
          series(refId, flat(1), {
            [LABEL.FALLBACK_FROM]: f.from,
            [LABEL.FALLBACK_TO]: f.to,
            [LABEL.FALLBACK_REASON]: f.reason,
          })
        );
      }
      return [
        table(
          refId,
          s.fallbacks.map((f) => ({
            [LABEL.FALLBACK_FROM]: f.from,
            [LABEL.FALLBACK_TO]: f.to,
            [LABEL.FALLBACK_REASON]: f.reason,
            Value: 1,
          })),
          [LABEL.FALLBACK_FROM, LABEL.FALLBACK_TO, LABEL.FALLBACK_REASON]
        ),
      ];
    case 'callSpanDurationP95':
      // The span-metrics overlay is optional: the calm deploy runs without it.
      return s.spanMetrics ? perService(refId, { checkout: flat(0.9), batch: flat(0.9) }, instant) : [];
    default:
      // Every other figure: a quiet series per service (the notice's probe, rates, latencies, queues).
      return perService(refId, { checkout: flat(1), batch: flat(1) }, instant);
  }
}

/** Queries the fixture answers with a Prometheus table frame of its own (a column per label). */
const TABLES = new Set(['firingAlerts', 'breakerTransitions', 'fallbacks']);

/**
 * Series as Prometheus returns a `format: 'table'` query: one frame, a row per series, a
 * column per label, the value in `Value` (`Value #<refId>` when the request has several
 * table queries, as Grafana's Prometheus datasource names it).
 */
function seriesToTable(refId: string, frames: DataFrame[], valueName: string): DataFrame {
  const labelsOf = (f: DataFrame) => f.fields.find((x) => x.name === 'Value')?.labels ?? {};
  const names = [...new Set(frames.flatMap((f) => Object.keys(labelsOf(f))))];
  const last = (f: DataFrame) => f.fields[1].values[f.fields[1].values.length - 1];
  return createDataFrame({
    refId,
    fields: [
      {
        name: 'Time',
        type: FieldType.time,
        values: frames.map((f) => f.fields[0].values[f.fields[0].values.length - 1]),
      },
      ...names.map((name) => ({ name, type: FieldType.string, values: frames.map((f) => labelsOf(f)[name] ?? '') })),
      { name: valueName, type: FieldType.number, values: frames.map(last) },
    ],
  });
}

/** The rows of a frame for which `keep(row)` holds (row: field name to value). */
function filterRows(frame: DataFrame, keep: (row: Record<string, unknown>) => boolean): DataFrame {
  const rows = Array.from({ length: frame.length }, (_, i) => i).filter((i) =>
    keep(Object.fromEntries(frame.fields.map((f) => [f.name, f.values[i]])))
  );
  return {
    ...frame,
    length: rows.length,
    fields: frame.fields.map((f) => ({ ...f, values: rows.map((i) => f.values[i]) })),
  };
}

/**
 * The service filter of an interpolated query, as a predicate: PromQL's `job=~"re"`,
 * TraceQL's `resource.service.name =~ "re"` (anchored, as both datasources match), or
 * every service without one.
 */
export function serviceFilter(query: string): (service: string) => boolean {
  const re =
    new RegExp(`${LABEL.SERVICE}=~"([^"]*)"`).exec(query)?.[1] ??
    /resource\.service\.name =~ "([^"]*)"/.exec(query)?.[1];
  if (re === undefined) {
    return () => true;
  }
  const anchored = new RegExp(`^(?:${re})$`);
  return (service) => anchored.test(service);
}

/** Keeps what a service filter selects: series by their service label, table and span rows by their service column. */
function onlyServices(frame: DataFrame, keep: (service: string) => boolean): DataFrame | undefined {
  const label = frame.fields.find((f) => f.name === 'Value')?.labels?.[LABEL.SERVICE];
  if (label !== undefined) {
    return keep(label) ? frame : undefined;
  }
  const column = frame.fields.find((f) => f.name === LABEL.SERVICE || f.name === 'traceService')?.name;
  return column ? filterRows(frame, (row) => keep(String(row[column]))) : frame;
}

/**
 * Answers every query of a request from situation `s`, as the datasources would: with the
 * query's variables interpolated by the calling scene, only the selected services; table
 * queries as Prometheus tables.
 */
export function respondWith(s: Situation): Responder {
  return (request: DataQueryRequest) => {
    const scene = request.scopedVars?.__sceneObject?.value as SceneObject | undefined;
    type Target = { refId: string; expr?: string; query?: string; instant?: boolean; format?: string };
    const targets = request.targets as Target[];
    const tables = targets.filter((t) => t.format === 'table').length;
    return {
      frames: targets.flatMap((t) => {
        const text = t.expr ?? t.query ?? '';
        const keep = serviceFilter(scene ? sceneGraph.interpolate(scene, text, request.scopedVars) : text);
        const frames = framesFor(s, t.refId, Boolean(t.instant)).flatMap((f) => onlyServices(f, keep) ?? []);
        if (t.format === 'table' && !TABLES.has(t.refId)) {
          return [seriesToTable(t.refId, frames, tables > 1 ? `Value #${t.refId}` : 'Value')];
        }
        return frames;
      }),
    };
  };
}

let transformersRegistered = false;
/** Registers Grafana's standard transformations, as Grafana does at start-up (the trace tables sort with them). */
export function registerStandardTransformers() {
  if (transformersRegistered) {
    return;
  }
  transformersRegistered = true;
  standardTransformersRegistry.setInit(() => {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- tests only: Grafana registers them itself at start-up.
    const byId = new Map(Object.values(standardTransformers).map((t) => [t.id, t]));
    return [...byId.values()].map((t) => ({
      id: t.id,
      name: t.name,
      description: t.description,
      transformation: async () => t,
      imageDark: '',
      imageLight: '',
      editor: () => null,
    }));
  });
}
