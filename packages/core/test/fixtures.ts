import { ErrorType } from '@stormwatch/conventions';
import type { Classification, Classifier, OverloadStore } from '../src/index.js';

/** An error that carries the classification the test wants the policy to see. */
export class ScriptedError extends Error {
  constructor(readonly classification: Classification) {
    super(`scripted ${classification.errorType}`);
  }
}

export const classify: Classifier = (error) =>
  error instanceof ScriptedError ? error.classification : { errorType: ErrorType.OTHER, retryable: false, overload: false, slowDown: false };

export const overloaded = (retryAfterMs?: number) =>
  new ScriptedError({ errorType: ErrorType.OVERLOADED, retryable: true, overload: true, slowDown: true, status: 529, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
export const rateLimited = (retryAfterMs?: number) =>
  new ScriptedError({ errorType: ErrorType.RATE_LIMIT, retryable: true, overload: false, slowDown: true, status: 429, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
export const badRequest = () => new ScriptedError({ errorType: ErrorType.INVALID_REQUEST, retryable: false, overload: false, slowDown: false, status: 400 });
export const serverError = () =>
  new ScriptedError({ errorType: ErrorType.API_ERROR, retryable: true, overload: false, slowDown: false, status: 500, fixedDelayMs: 5000, maxRetries: 1 });
export const connectionReset = () => new ScriptedError({ errorType: ErrorType.CONNECTION, retryable: true, overload: false, slowDown: false });

/** Lets the policy's pending promise continuations run. */
export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** An overload store whose every operation rejects (a closed store, a broken one). */
export const brokenStore = (): OverloadStore => {
  const fail = () => Promise.reject(new Error('store is broken'));
  return { reserveSlot: fail, recordCalls: fail, reportOverload: fail, pause: fail, setCircuit: fail, pace: fail, deposit: fail, tryWithdraw: fail, close: async () => undefined };
};
