/**
 * The end-to-end test's reader of Jaeger v2, its trace store: the query API's trace search
 * (`GET /api/traces`, the JSON the Jaeger UI reads), which finds traces by service,
 * operation (span name) and attribute values. Jaeger v1.75.0's `/api/v3/traces` search
 * cannot filter by attribute, so the test uses this one.
 *
 * Every answer goes through a validator before the test looks at it: an answer that is not
 * what the API documents throws a {@link MalformedTraceResponseError} that says what was
 * expected where, instead of an assertion failing later on `undefined`.
 */
import { PermanentError } from './poll.js';

/** A value of a Jaeger tag (span attribute), typed as the JSON carries it. */
export type TagValue = string | number | boolean;

/** `key`, `type`, `value` of a span tag, process tag or log field. */
export interface JaegerTag {
  readonly key: string;
  readonly type: 'string' | 'bool' | 'int64' | 'float64' | 'binary';
  readonly value: TagValue;
}

export interface JaegerReference {
  readonly refType: 'CHILD_OF' | 'FOLLOWS_FROM';
  readonly traceID: string;
  readonly spanID: string;
}

export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly references: readonly JaegerReference[];
  /** Microseconds since the epoch. */
  readonly startTime: number;
  /** Microseconds. */
  readonly duration: number;
  readonly tags: readonly JaegerTag[];
  readonly logs: readonly { readonly timestamp: number; readonly fields: readonly JaegerTag[] }[];
  readonly processID: string;
}

export interface JaegerProcess {
  readonly serviceName: string;
  readonly tags: readonly JaegerTag[];
}

export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, JaegerProcess>>;
}

/** A span as the test reads it: OpenTelemetry's view, back from Jaeger's tags. */
export interface TraceSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** The CHILD_OF reference, absent on a root span. */
  readonly parentSpanId?: string;
  readonly name: string;
  /** OpenTelemetry span kind, lower case (`client`, `internal`, ...), from the `span.kind` tag. */
  readonly kind?: string;
  /** OpenTelemetry status, from the `otel.status_code` tag (unset when absent). */
  readonly status: 'ok' | 'error' | 'unset';
  /** `service.name` of the span's resource. */
  readonly service: string;
  /** The span's attributes (Jaeger's own `span.kind`, `otel.*` and `error` tags included). */
  readonly attributes: ReadonlyMap<string, TagValue>;
  readonly startMicros: number;
  readonly durationMicros: number;
  /** The span's events (Jaeger's logs): the name from the `event` field, the other fields as attributes. */
  readonly events: readonly { readonly name: string; readonly attributes: ReadonlyMap<string, TagValue> }[];
}

/** An answer of the trace store that is not what its API documents. Not retried. */
export class MalformedTraceResponseError extends PermanentError {
  override readonly name = 'MalformedTraceResponseError';
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const TAG_TYPES = new Set(['string', 'bool', 'int64', 'float64', 'binary']);
const REF_TYPES = new Set(['CHILD_OF', 'FOLLOWS_FROM']);

function show(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Validates one JSON answer; `fail` names what was expected at a path and what was there. */
class Reader {
  constructor(private readonly what: string) {}

  fail(path: string, expected: string, got: unknown): never {
    throw new MalformedTraceResponseError(
      `malformed answer from Jaeger to ${this.what}: expected ${path} to be ${expected}, got ${show(got)}`,
    );
  }

  object(v: unknown, path: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'an object', v);
    return v as Record<string, unknown>;
  }

  array(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'an array', v);
    return v;
  }

  /** An array, where Jaeger writes `null` for an empty one. */
  list(v: unknown, path: string): unknown[] {
    return v === null || v === undefined ? [] : this.array(v, path);
  }

  string(v: unknown, path: string, pattern?: RegExp, described = 'a string'): string {
    if (typeof v !== 'string' || (pattern && !pattern.test(v))) this.fail(path, described, v);
    return v;
  }

  number(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) this.fail(path, 'a number >= 0', v);
    return v;
  }

  tag(v: unknown, path: string): JaegerTag {
    const o = this.object(v, path);
    const key = this.string(o.key, `${path}.key`);
    const type = this.string(o.type, `${path}.type`) as JaegerTag['type'];
    if (!TAG_TYPES.has(type)) this.fail(`${path}.type`, 'one of string, bool, int64, float64, binary', type);
    const value = o.value;
    const ok =
      type === 'bool'
        ? typeof value === 'boolean'
        : type === 'int64' || type === 'float64'
          ? typeof value === 'number' && Number.isFinite(value)
          : typeof value === 'string';
    if (!ok) this.fail(`${path}.value`, `a ${type === 'bool' ? 'boolean' : type === 'int64' || type === 'float64' ? 'number' : 'string'} (type ${type})`, value);
    return { key, type, value: value as TagValue };
  }

  tags(v: unknown, path: string): JaegerTag[] {
    return this.list(v, path).map((t, i) => this.tag(t, `${path}[${i}]`));
  }

  span(v: unknown, path: string, traceID: string): JaegerSpan {
    const o = this.object(v, path);
    const spanTrace = this.string(o.traceID, `${path}.traceID`, TRACE_ID, 'a trace id of 32 hex digits');
    if (spanTrace !== traceID) this.fail(`${path}.traceID`, `the trace's id ${traceID}`, spanTrace);
    return {
      traceID: spanTrace,
      spanID: this.string(o.spanID, `${path}.spanID`, SPAN_ID, 'a span id of 16 hex digits'),
      operationName: this.string(o.operationName, `${path}.operationName`),
      references: this.list(o.references, `${path}.references`).map((r, i) => {
        const p = `${path}.references[${i}]`;
        const ref = this.object(r, p);
        const refType = this.string(ref.refType, `${p}.refType`) as JaegerReference['refType'];
        if (!REF_TYPES.has(refType)) this.fail(`${p}.refType`, 'CHILD_OF or FOLLOWS_FROM', refType);
        return {
          refType,
          traceID: this.string(ref.traceID, `${p}.traceID`, TRACE_ID, 'a trace id of 32 hex digits'),
          spanID: this.string(ref.spanID, `${p}.spanID`, SPAN_ID, 'a span id of 16 hex digits'),
        };
      }),
      startTime: this.number(o.startTime, `${path}.startTime`),
      duration: this.number(o.duration, `${path}.duration`),
      tags: this.tags(o.tags, `${path}.tags`),
      logs: this.list(o.logs, `${path}.logs`).map((l, i) => {
        const log = this.object(l, `${path}.logs[${i}]`);
        return {
          timestamp: this.number(log.timestamp, `${path}.logs[${i}].timestamp`),
          fields: this.tags(log.fields, `${path}.logs[${i}].fields`),
        };
      }),
      processID: this.string(o.processID, `${path}.processID`),
    };
  }

  trace(v: unknown, path: string): JaegerTrace {
    const o = this.object(v, path);
    const traceID = this.string(o.traceID, `${path}.traceID`, TRACE_ID, 'a trace id of 32 hex digits');
    const spans = this.array(o.spans, `${path}.spans`).map((s, i) => this.span(s, `${path}.spans[${i}]`, traceID));
    const rawProcesses = this.object(o.processes, `${path}.processes`);
    const processes: Record<string, JaegerProcess> = {};
    for (const [id, p] of Object.entries(rawProcesses)) {
      const process = this.object(p, `${path}.processes.${id}`);
      processes[id] = {
        serviceName: this.string(process.serviceName, `${path}.processes.${id}.serviceName`),
        tags: this.tags(process.tags, `${path}.processes.${id}.tags`),
      };
    }
    spans.forEach((s, i) => {
      if (!(s.processID in processes)) this.fail(`${path}.spans[${i}].processID`, `a key of ${path}.processes`, s.processID);
    });
    return { traceID, spans, processes };
  }

  /** `{ data: [trace...], errors: null | [...] }`, the answer of /api/traces and /api/traces/{id}. */
  traces(v: unknown): JaegerTrace[] {
    const o = this.object(v, 'the answer');
    const errors = this.list(o.errors, 'errors');
    if (errors.length > 0) this.fail('errors', 'null or empty', errors);
    return this.array(o.data, 'data').map((t, i) => this.trace(t, `data[${i}]`));
  }
}

/**
 * Validates the JSON of a Jaeger trace search or trace lookup and returns its traces;
 * throws a {@link MalformedTraceResponseError} naming the first thing that is not as
 * documented. `what` names the request in the message.
 */
export function parseTracesResponse(body: unknown, what: string): JaegerTrace[] {
  return new Reader(what).traces(body);
}

/** The spans of a validated trace, as OpenTelemetry spans. */
export function traceSpans(trace: JaegerTrace): TraceSpan[] {
  return trace.spans.map((s) => {
    const attributes = new Map(s.tags.map((t) => [t.key, t.value] as const));
    const status = attributes.get('otel.status_code');
    const kind = attributes.get('span.kind');
    const parent = s.references.find((r) => r.refType === 'CHILD_OF' && r.traceID === s.traceID);
    return {
      traceId: s.traceID,
      spanId: s.spanID,
      ...(parent ? { parentSpanId: parent.spanID } : {}),
      name: s.operationName,
      ...(typeof kind === 'string' ? { kind } : {}),
      status: status === 'ERROR' ? 'error' : status === 'OK' ? 'ok' : 'unset',
      service: trace.processes[s.processID]?.serviceName ?? '',
      attributes,
      startMicros: s.startTime,
      durationMicros: s.duration,
      events: s.logs.map((log) => {
        const fields = new Map(log.fields.map((f) => [f.key, f.value] as const));
        const name = fields.get('event');
        fields.delete('event');
        return { name: typeof name === 'string' ? name : '', attributes: fields };
      }),
    };
  });
}

/** What to search for: every given condition must hold on one span of the trace. */
export interface TraceSearch {
  /** `service.name` of the span's resource (required by the API). */
  readonly service: string;
  /** The span name. */
  readonly operation?: string;
  /** Attribute values the span must carry (compared as strings, as Jaeger does). */
  readonly attributes?: Readonly<Record<string, TagValue>>;
  /** Most traces to return (the store's search depth). Default 1000. */
  readonly limit?: number;
  /** How far back spans may start. Default one hour. */
  readonly sinceSeconds?: number;
}

async function getJson(url: URL, what: string): Promise<unknown> {
  const response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`Jaeger ${what}: HTTP ${response.status} ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new MalformedTraceResponseError(`malformed answer from Jaeger to ${what}: expected JSON, got ${show(text)}`);
  }
}

/** The traces that have a span matching the search, each with all its spans. */
export async function findTraces(base: string, search: TraceSearch): Promise<JaegerTrace[]> {
  const url = new URL('/api/traces', base);
  const nowMicros = Date.now() * 1000;
  url.searchParams.set('service', search.service);
  if (search.operation !== undefined) url.searchParams.set('operation', search.operation);
  if (search.attributes) {
    url.searchParams.set('tags', JSON.stringify(Object.fromEntries(Object.entries(search.attributes).map(([k, v]) => [k, String(v)]))));
  }
  url.searchParams.set('limit', String(search.limit ?? 1000));
  url.searchParams.set('start', String(nowMicros - (search.sinceSeconds ?? 3600) * 1_000_000));
  url.searchParams.set('end', String(nowMicros + 5_000_000));
  // Spans as stored: no clock-skew or other adjustments of the UI's view.
  url.searchParams.set('raw', 'true');
  const what = `the search ${url.search}`;
  return parseTracesResponse(await getJson(url, what), what);
}

/** One trace by id, all its spans. */
export async function getTrace(base: string, traceId: string): Promise<JaegerTrace> {
  const url = new URL(`/api/traces/${traceId}`, base);
  url.searchParams.set('raw', 'true');
  const what = `the trace ${traceId}`;
  const traces = parseTracesResponse(await getJson(url, what), what);
  if (traces.length !== 1 || traces[0]?.traceID !== traceId) {
    throw new MalformedTraceResponseError(
      `malformed answer from Jaeger to ${what}: expected data to hold exactly that trace, got ${show(traces.map((t) => t.traceID))}`,
    );
  }
  return traces[0];
}
