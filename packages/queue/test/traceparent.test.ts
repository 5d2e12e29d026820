import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { sqliteDeferrer } from '../src/index.js';
import { task, useTempDir } from './support/queueFiles.js';

const { queuePath } = useTempDir();
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** The schema 1 file as @stormwatch/queue wrote it before the traceparent column, with one task in it. */
function queueFileOfSchema1WithoutTraceparent(path: string): void {
  const db = new DatabaseSync(path);
  db.exec(`
CREATE TABLE tasks (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'dead')),
  call_id INTEGER NOT NULL, policy TEXT NOT NULL, model TEXT NOT NULL, reason TEXT NOT NULL, payload TEXT NOT NULL,
  deferred_at REAL NOT NULL, deadline_at REAL, attempts INTEGER NOT NULL DEFAULT 0, next_run_at REAL NOT NULL,
  lease_token TEXT, lease_until REAL, last_error TEXT, dead_reason TEXT, updated_at REAL NOT NULL
);
CREATE INDEX tasks_by_state_due ON tasks (state, next_run_at);
PRAGMA application_id = ${0x53_57_51_31};
PRAGMA user_version = 1;
INSERT INTO tasks (id, state, call_id, policy, model, reason, payload, deferred_at, attempts, next_run_at, updated_at)
  VALUES ('old-task', 'pending', 7, 'batch', 'claude-opus-4-7', 'overloaded_error', '{"a":1}', 5, 0, 5, 5);
`);
  db.close();
}

describe('the deferred call\'s traceparent in the SQLite queue', () => {
  it('is stored with the task and read back, claimed or listed', async () => {
    const queue = sqliteDeferrer({ path: queuePath() });
    const traced = await queue.defer(task({ callId: 1, traceparent: TRACEPARENT }));
    const untraced = await queue.defer(task({ callId: 2, deferredAt: 1 }));
    expect(await queue.get(traced.id)).toMatchObject({ traceparent: TRACEPARENT });
    expect(await queue.get(untraced.id)).not.toHaveProperty('traceparent');
    const claimed = await queue.claim(2, 1_000);
    expect(claimed.map((t) => t.traceparent)).toEqual([TRACEPARENT, undefined]);
    await queue.close();
  });

  it('is refused when it is not a W3C traceparent', async () => {
    const queue = sqliteDeferrer({ path: queuePath() });
    await expect(queue.defer(task({ traceparent: 'trace me' }))).rejects.toThrow(
      new TypeError('SqliteDeferrer.defer: traceparent must be a W3C traceparent (00-<trace id>-<span id>-<flags>) or undefined, got "trace me"'),
    );
    expect(await queue.counts()).toMatchObject({ pending: 0 });
    await queue.close();
  });

  it('gets a nullable column in a file written before it, keeping its tasks and its schema version', async () => {
    const path = queuePath('old.db');
    queueFileOfSchema1WithoutTraceparent(path);
    const queue = sqliteDeferrer({ path });
    const old = await queue.get('old-task');
    expect(old).toMatchObject({ id: 'old-task', callId: 7, payload: { a: 1 }, state: 'pending' });
    expect(old).not.toHaveProperty('traceparent');
    const receipt = await queue.defer(task({ deferredAt: 6, traceparent: TRACEPARENT }));
    expect(await queue.get(receipt.id)).toMatchObject({ traceparent: TRACEPARENT });
    await queue.close();

    const db = new DatabaseSync(path);
    expect((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version).toBe(1);
    // A process of the earlier version names its columns: its insert still works on the migrated file.
    db.exec(`INSERT INTO tasks (id, state, call_id, policy, model, reason, payload, deferred_at, attempts, next_run_at, updated_at)
             VALUES ('from-older-version', 'pending', 8, 'batch', 'claude-opus-4-7', 'overloaded_error', '{}', 7, 0, 7, 7)`);
    db.close();
    const reopened = sqliteDeferrer({ path });
    expect((await reopened.list()).map((t) => t.id)).toEqual(['old-task', receipt.id, 'from-older-version']);
    await reopened.close();
  });
});
