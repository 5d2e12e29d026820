import { describe, expect, it } from 'vitest';
import { MalformedTraceResponseError, parseTracesResponse, traceSpans } from './jaegerApi.js';
import { eventually } from './poll.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALL = 'b7ad6b7169203331';
const ATTEMPT = '00f067aa0ba902b7';

/** An answer of Jaeger's /api/traces as the query service writes it (a call and one attempt). */
function answer() {
  return {
    data: [
      {
        traceID: TRACE,
        spans: [
          {
            traceID: TRACE,
            spanID: CALL,
            operationName: 'stormwatch.call',
            references: [],
            startTime: 1_700_000_000_000_000,
            duration: 1200,
            tags: [
              { key: 'stormwatch.call.attempts', type: 'int64', value: 3 },
              { key: 'stormwatch.policy', type: 'string', value: 'p' },
              { key: 'span.kind', type: 'string', value: 'internal' },
              { key: 'otel.status_code', type: 'string', value: 'ERROR' },
              { key: 'error', type: 'bool', value: true },
            ],
            logs: [
              {
                timestamp: 1_700_000_000_000_100,
                fields: [
                  { key: 'event', type: 'string', value: 'stormwatch.admission.wait' },
                  { key: 'stormwatch.admission.wait_ms', type: 'float64', value: 812.5 },
                ],
              },
              { timestamp: 1_700_000_000_000_200, fields: [{ key: 'event', type: 'string', value: 'stormwatch.fallback' }] },
            ],
            processID: 'p1',
            warnings: null,
          },
          {
            traceID: TRACE,
            spanID: ATTEMPT,
            operationName: 'chat claude-sonnet-4-6',
            references: [{ refType: 'CHILD_OF', traceID: TRACE, spanID: CALL }],
            startTime: 1_700_000_000_000_010,
            duration: 300,
            tags: [
              { key: 'span.kind', type: 'string', value: 'client' },
              { key: 'stormwatch.retry.delay_s', type: 'float64', value: 0.25 },
            ],
            logs: null,
            processID: 'p1',
          },
        ],
        processes: { p1: { serviceName: 'svc', tags: [{ key: 'service.instance.id', type: 'string', value: 'i-1' }] } },
        warnings: null,
      },
    ],
    total: 0,
    limit: 0,
    offset: 0,
    errors: null,
  };
}

type Answer = ReturnType<typeof answer>;

/** The message the parser throws for an answer changed by `mutate`. */
function rejection(mutate: (a: Answer & Record<string, unknown>) => void): string {
  const a = answer() as Answer & Record<string, unknown>;
  mutate(a);
  try {
    parseTracesResponse(a, 'the test search');
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedTraceResponseError);
    return (error as Error).message;
  }
  throw new Error('the answer was accepted');
}

describe("the parser of Jaeger's trace answers", () => {
  it('reads a well-formed answer into OpenTelemetry spans', () => {
    const [trace] = parseTracesResponse(answer(), 'the test search');
    expect(trace?.traceID).toBe(TRACE);
    const [call, attempt] = traceSpans(trace ?? { traceID: TRACE, spans: [], processes: {} });
    expect(call).toMatchObject({ spanId: CALL, name: 'stormwatch.call', kind: 'internal', status: 'error', service: 'svc' });
    expect(call?.parentSpanId).toBeUndefined();
    expect(call?.attributes.get('stormwatch.call.attempts')).toBe(3);
    expect(call?.events).toEqual([
      { name: 'stormwatch.admission.wait', attributes: new Map([['stormwatch.admission.wait_ms', 812.5]]) },
      { name: 'stormwatch.fallback', attributes: new Map() },
    ]);
    expect(attempt?.events).toEqual([]);
    expect(attempt).toMatchObject({ parentSpanId: CALL, kind: 'client', status: 'unset', startMicros: 1_700_000_000_000_010, durationMicros: 300 });
    expect(attempt?.attributes.get('stormwatch.retry.delay_s')).toBe(0.25);
  });

  it('reads an empty search', () => {
    expect(parseTracesResponse({ data: [], total: 0, limit: 0, offset: 0, errors: null }, 'x')).toEqual([]);
  });

  it.each([
    ['not an object', (a: Answer & Record<string, unknown>) => Object.assign(a, { data: 'nope' }), 'expected data to be an array, got "nope"'],
    ['no data', (a: Answer & Record<string, unknown>) => delete (a as { data?: unknown }).data, 'expected data to be an array, got undefined'],
    [
      'errors reported',
      (a: Answer & Record<string, unknown>) => Object.assign(a, { errors: [{ code: 500, msg: 'boom' }] }),
      'expected errors to be null or empty, got [{"code":500,"msg":"boom"}]',
    ],
    [
      'a short trace id',
      (a: Answer) => Object.assign(a.data[0] as object, { traceID: 'abc' }),
      'expected data[0].traceID to be a trace id of 32 hex digits, got "abc"',
    ],
    [
      'a span of another trace',
      (a: Answer) => Object.assign(a.data[0]?.spans[1] as object, { traceID: 'f'.repeat(32) }),
      `expected data[0].spans[1].traceID to be the trace's id ${TRACE}`,
    ],
    [
      'a numeric span id',
      (a: Answer) => Object.assign(a.data[0]?.spans[0] as object, { spanID: 42 }),
      'expected data[0].spans[0].spanID to be a span id of 16 hex digits, got 42',
    ],
    [
      'no operation name',
      (a: Answer) => delete (a.data[0]?.spans[0] as { operationName?: string }).operationName,
      'expected data[0].spans[0].operationName to be a string, got undefined',
    ],
    [
      'a reference of an unknown type',
      (a: Answer) => Object.assign(a.data[0]?.spans[1]?.references[0] as object, { refType: 'PARENT' }),
      'expected data[0].spans[1].references[0].refType to be CHILD_OF or FOLLOWS_FROM, got "PARENT"',
    ],
    [
      'a start time as a string',
      (a: Answer) => Object.assign(a.data[0]?.spans[0] as object, { startTime: '2026-12-06T00:00:00Z' }),
      'expected data[0].spans[0].startTime to be a number >= 0, got "2026-12-06T00:00:00Z"',
    ],
    [
      'an int64 tag with a string value',
      (a: Answer) => Object.assign(a.data[0]?.spans[0]?.tags[0] as object, { value: '3' }),
      'expected data[0].spans[0].tags[0].value to be a number (type int64), got "3"',
    ],
    [
      'a tag of an unknown type',
      (a: Answer) => Object.assign(a.data[0]?.spans[0]?.tags[1] as object, { type: 'text' }),
      'expected data[0].spans[0].tags[1].type to be one of string, bool, int64, float64, binary, got "text"',
    ],
    [
      'tags as an object',
      (a: Answer) => Object.assign(a.data[0]?.spans[1] as object, { tags: { 'span.kind': 'client' } }),
      'expected data[0].spans[1].tags to be an array, got {"span.kind":"client"}',
    ],
    [
      'a span of no known process',
      (a: Answer) => Object.assign(a.data[0]?.spans[1] as object, { processID: 'p9' }),
      'expected data[0].spans[1].processID to be a key of data[0].processes, got "p9"',
    ],
    [
      'a process without a service name',
      (a: Answer) => Object.assign(a.data[0]?.processes.p1 as object, { serviceName: null }),
      'expected data[0].processes.p1.serviceName to be a string, got null',
    ],
    [
      'no processes',
      (a: Answer) => delete (a.data[0] as { processes?: unknown }).processes,
      'expected data[0].processes to be an object, got undefined',
    ],
  ])('rejects %s, saying what was expected', (_case, mutate, message) => {
    const text = rejection(mutate as (a: Answer & Record<string, unknown>) => void);
    expect(text).toContain('malformed answer from Jaeger to the test search: ');
    expect(text).toContain(message);
  });

  it('fails a wait at once on a malformed answer, with its message, instead of polling until the timeout', async () => {
    const started = Date.now();
    let calls = 0;
    const waiting = eventually(
      'traces',
      async () => {
        calls++;
        return parseTracesResponse({ data: [{ traceID: TRACE }] }, 'the test search');
      },
      { timeoutMs: 30_000 },
    );
    await expect(waiting).rejects.toThrow('expected data[0].spans to be an array, got undefined');
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
