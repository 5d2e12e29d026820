import type { RefusalReason } from '../admission/AdmissionQueue.js';

/**
 * Admission refused the call and no fallback model or deferrer could take it: its deadline
 * could not be met at the rate the model accepts now (`reason: 'deadline'`), or too many
 * calls were already waiting (`'queue_full'`). `cause` is the last attempt's error, if any.
 */
export class AdmissionRefusedError extends Error {
  readonly isAdmissionRefusedError = true;
  override readonly name = 'AdmissionRefusedError';

  /**
   * @param model the model that refused.
   * @param reason why.
   * @param estimatedWaitMs how long the call would have waited for its turn, in ms.
   * @param attempts attempts the call had made.
   */
  constructor(
    readonly model: string,
    readonly reason: RefusalReason,
    readonly estimatedWaitMs: number,
    readonly attempts: number,
    options?: ErrorOptions,
  ) {
    const wait = Number.isFinite(estimatedWaitMs) ? `${Math.ceil(estimatedWaitMs)} ms` : 'an unbounded time';
    super(
      reason === 'queue_full' ? `${model} is overloaded and its admission queue is full` : `${model} is overloaded: the call's turn would come in ${wait}, too late for its deadline`,
      options,
    );
  }
}

/** True for an {@link AdmissionRefusedError}, from any copy of this package. */
export function isAdmissionRefusedError(error: unknown): error is AdmissionRefusedError {
  return typeof error === 'object' && error !== null && (error as { isAdmissionRefusedError?: unknown }).isAdmissionRefusedError === true;
}
