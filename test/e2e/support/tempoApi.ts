/** A trace found by a TraceQL search, with the spans that matched. */
export interface TempoSearchTrace {
  readonly traceID: string;
  readonly rootServiceName?: string;
  readonly rootTraceName?: string;
  readonly spanSets?: readonly {
    readonly spans: readonly { readonly spanID: string; readonly attributes?: readonly OtlpAttribute[] }[];
    readonly matched: number;
  }[];
}

/** An attribute in Tempo's OTLP JSON. */
export interface OtlpAttribute {
  readonly key: string;
  readonly value: {
    readonly stringValue?: string;
    readonly intValue?: string;
    readonly doubleValue?: number;
    readonly boolValue?: boolean;
    readonly arrayValue?: { values: OtlpAttribute['value'][] };
  };
}

/** A span as Tempo returns it in a trace (OTLP JSON). */
export interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: string;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly attributes?: readonly OtlpAttribute[];
  readonly events?: readonly { name: string; attributes?: readonly OtlpAttribute[] }[];
  readonly status?: { code?: string; message?: string };
}

/** Runs a TraceQL search over the last `sinceSeconds`. */
export async function traceqlSearch(
  base: string,
  query: string,
  { limit = 100, sinceSeconds = 3600, spss = 50 }: { limit?: number; sinceSeconds?: number; spss?: number } = {},
): Promise<TempoSearchTrace[]> {
  const url = new URL('/api/search', base);
  const end = Math.ceil(Date.now() / 1000) + 5;
  url.searchParams.set('q', query);
  url.searchParams.set('limit', String(limit));
  url.searchParams.set('spss', String(spss));
  url.searchParams.set('start', String(end - sinceSeconds));
  url.searchParams.set('end', String(end));
  const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  if (response.status !== 200) throw new Error(`Tempo search "${query}": ${response.status} ${await response.text()}`);
  return ((await response.json()) as { traces?: TempoSearchTrace[] }).traces ?? [];
}

/** Every span of one trace. */
export async function traceSpans(base: string, traceId: string): Promise<OtlpSpan[]> {
  const response = await fetch(new URL(`/api/traces/${traceId}`, base), {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(15_000),
  });
  if (response.status !== 200) throw new Error(`Tempo trace ${traceId}: ${response.status}`);
  const body = (await response.json()) as {
    batches?: { scopeSpans?: { spans: OtlpSpan[] }[] }[];
    resourceSpans?: { scopeSpans?: { spans: OtlpSpan[] }[] }[];
  };
  return (body.batches ?? body.resourceSpans ?? []).flatMap((b) => (b.scopeSpans ?? []).flatMap((s) => s.spans));
}

/** An attribute's value as a plain JS value. */
export function attributeValue(attributes: readonly OtlpAttribute[] | undefined, key: string): unknown {
  const v = attributes?.find((a) => a.key === key)?.value;
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return v.arrayValue.values.map((x) => x.stringValue ?? x.intValue ?? x.doubleValue ?? x.boolValue);
  return undefined;
}
