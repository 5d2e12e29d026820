import type { ClaimedTask } from '../QueuedTask.js';

/** What became of one task the drain claimed. */
export type DrainOutcome =
  | { readonly task: ClaimedTask; readonly outcome: 'drained'; readonly duplicate: boolean }
  | { readonly task: ClaimedTask; readonly outcome: 'failed'; readonly error: unknown; readonly retryAt: number }
  | { readonly task: ClaimedTask; readonly outcome: 'dead'; readonly reason: string; readonly error?: unknown }
  | { readonly task: ClaimedTask; readonly outcome: 'released' };
