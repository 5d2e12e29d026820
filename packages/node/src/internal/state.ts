import type { NodeSDK } from '@opentelemetry/sdk-node';
import type { IDisposable } from '@stormwatch/core';

/** What `start()` set up and `shutdown()` tears down. */
export interface Running {
  readonly sdk: NodeSDK;
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
