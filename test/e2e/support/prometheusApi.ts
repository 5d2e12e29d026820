/** One sample of an instant vector. */
export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

interface ApiResponse<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
  errorType?: string;
}

async function get<T>(base: string, path: string, params: Record<string, string> = {}): Promise<T> {
  const url = new URL(path, base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as ApiResponse<T>;
  if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.errorType ?? ''} ${body.error ?? response.status}`);
  return body.data;
}

/** Evaluates an instant query now; the result must be a vector (or a scalar, as one sample). */
export async function instantQuery(base: string, expr: string): Promise<PromSample[]> {
  const data = await get<{ resultType: string; result: unknown }>(base, '/api/v1/query', { query: expr });
  if (data.resultType === 'scalar') {
    const [, v] = data.result as [number, string];
    return [{ metric: {}, value: Number(v) }];
  }
  if (data.resultType !== 'vector') throw new Error(`"${expr}" gave a ${data.resultType}, not a vector`);
  return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({
    metric: r.metric,
    value: Number(r.value[1]),
  }));
}

/** Evaluates a range query over the last `seconds`; returns how many series have data. */
export async function rangeQuerySeries(base: string, expr: string, seconds: number, step = 5): Promise<number> {
  const end = Date.now() / 1000;
  const data = await get<{ resultType: string; result: { values: unknown[] }[] }>(base, '/api/v1/query_range', {
    query: expr,
    start: String(end - seconds),
    end: String(end),
    step: String(step),
  });
  return data.result.filter((r) => r.values.length > 0).length;
}

/** Every metric name Prometheus holds. */
export function metricNames(base: string): Promise<string[]> {
  return get<string[]>(base, '/api/v1/label/__name__/values');
}

/** The alerts Prometheus currently evaluates as pending or firing. */
export async function activeAlerts(
  base: string,
): Promise<{ labels: Record<string, string>; annotations: Record<string, string>; state: 'pending' | 'firing' }[]> {
  return (await get<{ alerts: never[] }>(base, '/api/v1/alerts')).alerts;
}

/** The loaded rule groups with each rule's health (`ok`, `err`, `unknown`). */
export async function ruleHealth(base: string): Promise<{ name: string; health: string; lastError?: string }[]> {
  const data = await get<{ groups: { rules: { name: string; health: string; lastError?: string }[] }[] }>(base, '/api/v1/rules');
  return data.groups.flatMap((g) => g.rules);
}

/** One series' exemplars, as /api/v1/query_exemplars returns them. */
export interface PromExemplars {
  readonly seriesLabels: Record<string, string>;
  readonly exemplars: readonly { readonly labels: Record<string, string>; readonly value: number; readonly timestamp: number }[];
}

/** The exemplars Prometheus stores (`--enable-feature=exemplar-storage`) for the series of `expr` over the last `seconds`. */
export async function queryExemplars(base: string, expr: string, seconds: number): Promise<PromExemplars[]> {
  const end = Date.now() / 1000;
  const data = await get<{ seriesLabels: Record<string, string>; exemplars: { labels: Record<string, string>; value: string; timestamp: number }[] }[]>(
    base,
    '/api/v1/query_exemplars',
    { query: expr, start: String(end - seconds), end: String(end) },
  );
  return data.map((s) => ({ seriesLabels: s.seriesLabels, exemplars: s.exemplars.map((e) => ({ ...e, value: Number(e.value) })) }));
}
