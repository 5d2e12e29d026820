import type { Context } from '@opentelemetry/api';

/**
 * Where the telemetry keeps its state in `CallInfo.context`. Registered symbols, so two
 * copies of this package (or the adapter) find the same slot.
 */
export const ATTEMPT_CONTEXT = Symbol.for('stormwatch.telemetry.attemptContext');
/** Content capture settings of the instrumentation that owns the call, or absent when off. */
export const CONTENT_CAPTURE = Symbol.for('stormwatch.telemetry.contentCapture');

export interface ContentCapture {
  readonly maxLength: number;
}

export type CallContextSlot = Map<symbol, unknown>;

export function getAttemptContext(slot: CallContextSlot): Context | undefined {
  return slot.get(ATTEMPT_CONTEXT) as Context | undefined;
}
