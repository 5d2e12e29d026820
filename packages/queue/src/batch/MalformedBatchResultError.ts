/**
 * A line of a batch's results file that is not a result (not JSON, or not the shape of
 * `MessageBatchIndividualResponse`). The task it was about, if any, is not lost: a task the
 * results do not settle goes back to `pending`. Branded: {@link isMalformedBatchResultError}
 * works across copies of this package.
 */
export class MalformedBatchResultError extends Error {
  readonly isMalformedBatchResultError = true;
  override readonly name = 'MalformedBatchResultError';

  constructor(
    /** The batch whose results file holds the line. */
    readonly batchId: string,
    /** 1-based line number in the results file. */
    readonly line: number,
    /** What is wrong with it. */
    readonly problem: string,
    /** The line's start (at most 200 characters). */
    readonly excerpt: string,
  ) {
    super(`results of message batch ${batchId}, line ${line}: ${problem} (${JSON.stringify(excerpt)})`);
  }
}

export function isMalformedBatchResultError(error: unknown): error is MalformedBatchResultError {
  return typeof error === 'object' && error !== null && (error as { isMalformedBatchResultError?: unknown }).isMalformedBatchResultError === true;
}
