import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorType } from '@stormwatch/conventions';
import type { DeferredTask } from '@stormwatch/core';
import { afterEach } from 'vitest';

/**
 * A fresh temporary directory per test, removed after it: `queuePath()` names a queue file
 * in it (real SQLite files, as users have them).
 */
export function useTempDir(): { dir: () => string; queuePath: (name?: string) => string } {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const current = () => (dir ??= mkdtempSync(join(tmpdir(), 'stormwatch-queue-')));
  return { dir: current, queuePath: (name = 'queue.db') => join(current(), name) };
}

export const opus = 'claude-opus-4-7';

/** A task as the policy hands it over, with the fields a test cares about. */
export function task(overrides: Partial<DeferredTask> = {}): DeferredTask {
  return {
    callId: 1,
    policy: 'batch',
    model: opus,
    payload: { model: opus, max_tokens: 64, messages: [{ role: 'user', content: 'Summarise' }] },
    deferredAt: 0,
    reason: ErrorType.OVERLOADED,
    ...overrides,
  };
}
