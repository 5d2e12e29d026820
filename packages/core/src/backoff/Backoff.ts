import type { Random } from '../random.js';

/**
 * Chooses the wait before a retry. `retry` is 1 for the first retry; `previousMs` is the
 * previous wait of the same call (0 before the first).
 */
export interface Backoff {
  readonly kind: string;
  delay(retry: number, previousMs: number, random: Random): number;
}
