import { DatabaseSync } from 'node:sqlite';
import { VirtualClock } from '@stormwatch/core';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteDeferrer, type SqliteDeferrer } from '../src/index.js';
import { opus, task, useTempDir } from './support/queueFiles.js';
import { taskQueueConformance } from './taskQueueConformance.js';

const { queuePath } = useTempDir();
const open: SqliteDeferrer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((q) => q.close()));
});

function setup(options: { maxPayloadBytes?: number } = {}) {
  const clock = new VirtualClock(1_000);
  const queue = sqliteDeferrer({ path: queuePath(), clock, ...options });
  open.push(queue);
  return { clock, queue };
}

taskQueueConformance('SqliteDeferrer', async (options) => setup(options));

describe('SqliteDeferrer: the file', () => {
  it('names itself in the errors of bad arguments', async () => {
    const { queue } = setup();
    await expect(queue.claim(0, 1_000)).rejects.toThrow('SqliteDeferrer.claim: limit must be a positive integer, got 0');
    await expect(queue.defer(task({ model: 3 as unknown as string }))).rejects.toThrow('SqliteDeferrer.defer: model must be a string, got 3');
    expect(() => sqliteDeferrer({ path: '' })).toThrow('sqliteDeferrer: path must be a non-empty string, got ""');
    expect(() => sqliteDeferrer({ path: queuePath('b.db'), maxPayloadBytes: 0 })).toThrow('maxPayloadBytes must be a positive integer (bytes), got 0');
    expect(() => sqliteDeferrer({ path: queuePath('c.db'), busyTimeoutMs: -1 })).toThrow(RangeError);
  });

  it('names its file once closed', async () => {
    const { queue } = setup();
    await queue.close();
    await expect(queue.defer(task())).rejects.toThrow(`SqliteDeferrer(${JSON.stringify(queuePath())}) is closed`);
  });

  it('keeps the file in write-ahead-log mode, with a schema version', async () => {
    const { queue } = setup();
    await queue.defer(task());
    const db = new DatabaseSync(queuePath(), { readOnly: true });
    try {
      expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
      expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: 1 });
      expect(db.prepare('PRAGMA application_id').get()).toEqual({ application_id: 0x53575131 });
    } finally {
      db.close();
    }
  });

  it('stores the payload and nothing else of the call: no headers, no key', async () => {
    const { queue } = setup();
    await queue.defer(task({ payload: { model: opus, max_tokens: 8, messages: [], metadata: undefined } }));
    const db = new DatabaseSync(queuePath(), { readOnly: true });
    try {
      const columns = (db.prepare('PRAGMA table_info(tasks)').all() as Array<{ name: string }>).map((c) => c.name);
      expect(columns).toEqual(['seq', 'id', 'state', 'call_id', 'policy', 'model', 'reason', 'payload', 'deferred_at', 'deadline_at', 'attempts', 'next_run_at', 'lease_token', 'lease_until', 'last_error', 'dead_reason', 'updated_at', 'traceparent']);
      expect(db.prepare('SELECT payload FROM tasks').get()).toEqual({ payload: `{"model":"${opus}","max_tokens":8,"messages":[]}` });
    } finally {
      db.close();
    }
  });
});
