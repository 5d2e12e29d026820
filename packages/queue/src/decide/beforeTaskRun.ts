import type { DeadReason } from '../QueuedTask.js';

/** What a drain does with a task it just claimed. */
export type BeforeRunDecision = { readonly kind: 'run' } | { readonly kind: 'dead'; readonly reason: DeadReason };

/**
 * Runs a claimed task, unless its deadline has passed (no one is waiting for the answer any
 * more) or it was claimed more than `maxAttempts` times (each of its runs died with its
 * process, or failed: a task that kills its drain must not kill every drain after it).
 * Pure.
 */
export function decideBeforeRun(task: { readonly attempts: number; readonly deadlineAt?: number }, now: number, maxAttempts: number): BeforeRunDecision {
  if (task.deadlineAt !== undefined && now >= task.deadlineAt) return { kind: 'dead', reason: 'deadline_passed' };
  if (task.attempts > maxAttempts) return { kind: 'dead', reason: 'max_attempts' };
  return { kind: 'run' };
}
