/** Where a due deferred task goes, when batches are on offer. */
export type BatchRoute =
  /** Into a Message Batch: its deadline is further away than a batch may take. */
  | { readonly kind: 'batch' }
  /** Back to `pending`, for the interactive drain: a batch might end after its deadline. */
  | { readonly kind: 'interactive' }
  /** Its deadline passed: no one waits for the answer any more. */
  | { readonly kind: 'dead'; readonly reason: 'deadline_passed' };

/**
 * Sends a task to a batch only when its remaining deadline exceeds `windowMs` (the batch
 * window: the API processes a batch within 24 hours and expires what it has not done by
 * then), so the answer cannot come after the deadline; a task without a deadline always may
 * wait. A passed deadline is `dead`. Pure.
 */
export function routeForBatch(task: { readonly deadlineAt?: number }, now: number, windowMs: number): BatchRoute {
  if (task.deadlineAt === undefined) return { kind: 'batch' };
  if (now >= task.deadlineAt) return { kind: 'dead', reason: 'deadline_passed' };
  return task.deadlineAt - now > windowMs ? { kind: 'batch' } : { kind: 'interactive' };
}
