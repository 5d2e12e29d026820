/**
 * Why a queue file could not be used:
 * - `not_sqlite`: not a SQLite database (random bytes, a truncated or corrupt file);
 * - `foreign`: a SQLite database, but not a Stormwatch queue (other tables, another
 *   application's id), left untouched;
 * - `newer_schema`: a queue written by a newer version of this package;
 * - `open_failed`: the file cannot be opened or created (missing directory, permissions).
 */
export type QueueFileProblem = 'not_sqlite' | 'foreign' | 'newer_schema' | 'open_failed';

/** The queue file at `path` cannot be used; nothing in it was changed. */
export class QueueFileError extends Error {
  readonly isQueueFileError = true;
  override readonly name = 'QueueFileError';

  constructor(
    readonly path: string,
    readonly problem: QueueFileProblem,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`queue file ${JSON.stringify(path)}: ${detail}`, options);
  }
}

/** True for a {@link QueueFileError}, from any copy of this package. */
export function isQueueFileError(error: unknown): error is QueueFileError {
  return typeof error === 'object' && error !== null && (error as { isQueueFileError?: unknown }).isQueueFileError === true;
}
