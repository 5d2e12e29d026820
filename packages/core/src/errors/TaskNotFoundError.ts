/** No task has this id in the queue (never deferred here, or purged). */
export class TaskNotFoundError extends Error {
  readonly isTaskNotFoundError = true;
  override readonly name = 'TaskNotFoundError';

  constructor(
    readonly id: string,
    options?: ErrorOptions,
  ) {
    super(`no task ${JSON.stringify(id)} in the queue`, options);
  }
}

/** True for a {@link TaskNotFoundError}, from any copy of this package. */
export function isTaskNotFoundError(error: unknown): error is TaskNotFoundError {
  return typeof error === 'object' && error !== null && (error as { isTaskNotFoundError?: unknown }).isTaskNotFoundError === true;
}
