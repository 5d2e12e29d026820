/**
 * Every instrumentation's record of a call, for the helpers that get only an attempt
 * (`attemptContext`, `recordMessageContent`) and for choosing whose attempt span is active.
 * Process-wide, under a registered symbol, so that a helper imported from one copy of this
 * package finds what an instrumentation of another copy traces: keep these shapes compatible.
 */
import type { Context, Span } from '@opentelemetry/api';
import type { CallInfo } from '@stormwatch/core';
import type { ContentCapture } from './options.js';

/** An attempt an instrumentation is tracing: its CLIENT span, and the context with that span active. */
export interface TracedAttempt {
  readonly span: Span;
  readonly context: Context;
}

/** What the helpers see of one instrumentation's record of a call. */
export interface TracedCall {
  /** The running attempt; undefined between attempts and once the call ended. */
  readonly attempt: TracedAttempt | undefined;
  /** The instrumentation's content capture settings; undefined when capture is off. */
  readonly capture: ContentCapture | undefined;
  /** False once the instrumentation was disposed: its records no longer count. */
  readonly lease: { readonly live: boolean };
}

const KEY = Symbol.for('@stormwatch/telemetry:calls');
const store = globalThis as Record<symbol, unknown>;
/** Each call's records, in the order the instrumentations saw it start (the order they were made). */
const records = (store[KEY] ??= new WeakMap<CallInfo, TracedCall[]>()) as WeakMap<CallInfo, TracedCall[]>;

const NONE: readonly TracedCall[] = Object.freeze([]);

/** Adds an instrumentation's record of `call`, after those of the instrumentations made before it. */
export function publish(call: CallInfo, record: TracedCall): void {
  const list = records.get(call);
  if (list) list.push(record);
  else records.set(call, [record]);
}

/** Every instrumentation's record of `call` (disposed ones included: check `lease.live`). */
export function tracedCalls(call: CallInfo): readonly TracedCall[] {
  return records.get(call) ?? NONE;
}

/**
 * The attempt whose span is active while `call`'s attempt runs: that of the first live
 * instrumentation (in the order they were made) tracing one. The others trace the attempt
 * without making their span active, so adding an instrumentation never changes the traces
 * of those made before it — and the HTTP request under the attempt (whose span an HTTP
 * instrumentation on the global provider creates) stays in the first one's trace.
 */
export function activeAttempt(call: CallInfo): TracedAttempt | undefined {
  for (const record of tracedCalls(call)) if (record.attempt && record.lease.live) return record.attempt;
  return undefined;
}
