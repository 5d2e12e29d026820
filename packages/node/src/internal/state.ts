import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { IDisposable } from '@stormwatch/core';
import type { OwnProviders } from './ownProviders.js';

/** What `start()` set up and `shutdown()` tears down. */
export interface Running {
  /** Whose providers the policies emit into. */
  readonly providers: 'own' | 'application' | 'disabled';
  /** What `start()` made and registered itself; undefined when it made nothing (the application's providers, or disabled). */
  readonly own: OwnProviders | undefined;
  readonly tracerProvider: TracerProvider | undefined;
  readonly meterProvider: MeterProvider | undefined;
  readonly instrumentation: IDisposable | undefined;
  readonly shutdownTimeoutMs: number;
  /** Set once shutdown began, so every caller awaits the same one. */
  stopping?: Promise<void>;
  /** How the shutdown ended: flushed, failed, or gave up at `shutdownTimeoutMs`. */
  outcome?: 'done' | 'failed' | 'timeout';
}

interface Slot {
  current: Running | undefined;
}

/**
 * One SDK per process, kept on `globalThis` so that `--import @stormwatch/node/register`
 * and the application's own `import { shutdown } from '@stormwatch/node'` see the same
 * one even when two copies of this package are installed.
 */
const KEY = Symbol.for('@stormwatch/node:sdk');
export const slot: Slot = ((globalThis as Record<symbol, unknown>)[KEY] as Slot | undefined) ??
  ((globalThis as Record<symbol, unknown>)[KEY] = { current: undefined }) as Slot;
