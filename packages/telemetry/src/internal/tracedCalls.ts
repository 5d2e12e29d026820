/**
 * The attempts each call has running, one per instrumentation tracing it, for the helpers
 * that get only an attempt (`attemptContext`, `recordMessageContent`) and for choosing whose
 * attempt span is active. Process-wide, under a registered symbol, so that a helper imported
 * from one copy of this package finds what an instrumentation of another copy traces: keep
 * these shapes compatible. An entry lives only while its attempt runs (V8 makes a `WeakMap`
 * entry left for the garbage collector cost about a microsecond; one deleted at once, little).
 */
import type { Context, Span } from '@opentelemetry/api';
import type { CallInfo } from '@stormwatch/core';
import type { ContentCapture } from './options.js';

/** An attempt one instrumentation is tracing. */
export interface TracedAttempt {
  /** The attempt's CLIENT span. */
  readonly span: Span;
  /** The call's context with that span active. */
  readonly context: Context;
  /** The instrumentation's content capture settings; undefined when capture is off. */
  readonly capture: ContentCapture | undefined;
  /** False once the instrumentation was disposed: its attempts no longer count. */
  readonly lease: { readonly live: boolean };
}

const KEY = Symbol.for('@stormwatch/telemetry:runningAttempts');
const store = globalThis as Record<symbol, unknown>;
/** Each call's running attempts, in the order the instrumentations were made. */
const running = (store[KEY] ??= new WeakMap<CallInfo, TracedAttempt[]>()) as WeakMap<CallInfo, TracedAttempt[]>;

const NONE: readonly TracedAttempt[] = Object.freeze([]);

/** Notes an attempt an instrumentation started tracing (after those of instrumentations made before it). */
export function attemptStarted(call: CallInfo, attempt: TracedAttempt): void {
  const list = running.get(call);
  if (list) list.push(attempt);
  else running.set(call, [attempt]);
}

/** Forgets an attempt once its span ended. */
export function attemptEnded(call: CallInfo, attempt: TracedAttempt): void {
  const list = running.get(call);
  const i = list ? list.indexOf(attempt) : -1;
  if (i < 0) return;
  if (list!.length === 1) running.delete(call);
  else list!.splice(i, 1);
}

/** The attempts `call` has running (a disposed instrumentation's included: check `lease.live`). */
export function runningAttempts(call: CallInfo): readonly TracedAttempt[] {
  return running.get(call) ?? NONE;
}

/**
 * The attempt whose span is active while `call`'s attempt runs: that of the first live
 * instrumentation (in the order they were made). The others trace the attempt without
 * making their span active, so adding an instrumentation never changes the traces of those
 * made before it — and the HTTP request under the attempt (whose span an HTTP
 * instrumentation on the global provider creates) stays in the first one's trace.
 */
export function activeAttempt(call: CallInfo): TracedAttempt | undefined {
  for (const attempt of runningAttempts(call)) if (attempt.lease.live) return attempt;
  return undefined;
}
