import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { VirtualClock } from '@stormwatch/core';
import { describe, expect, it } from 'vitest';
import { isQueueFileError, sqliteDeferrer, type QueueFileError } from '../src/index.js';
import { task, useTempDir } from './support/queueFiles.js';

const { dir, queuePath } = useTempDir();

function openError(path: string): QueueFileError {
  try {
    sqliteDeferrer({ path });
  } catch (error) {
    if (isQueueFileError(error)) return error;
    throw error;
  }
  throw new Error(`opening ${path} did not fail`);
}

describe('the queue file', () => {
  it('refuses a file of random bytes, naming it, and leaves it as it was', () => {
    const path = queuePath('random.db');
    const bytes = randomBytes(8192);
    writeFileSync(path, bytes);
    const error = openError(path);
    expect(error).toMatchObject({ name: 'QueueFileError', path, problem: 'not_sqlite' });
    expect(error.message).toMatch(new RegExp(`^queue file ${JSON.stringify(path).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: is not a SQLite database, or is corrupt \\(file is not a database\\)$`));
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('refuses a SQLite database of something else, and leaves it untouched', () => {
    const path = queuePath('app.db');
    const db = new DatabaseSync(path);
    db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada')");
    db.close();
    const before = readFileSync(path);
    const error = openError(path);
    expect(error).toMatchObject({ path, problem: 'foreign' });
    expect(error.message).toBe(
      `queue file ${JSON.stringify(path)}: is a SQLite database but not a Stormwatch queue (application_id 0, user_version 0, 1 schema object(s)); it was left untouched`,
    );
    expect(readFileSync(path).equals(before)).toBe(true); // not even switched to WAL
  });

  it('refuses a database with a table named like ours but another application id', () => {
    const path = queuePath('other.db');
    const db = new DatabaseSync(path);
    db.exec('CREATE TABLE tasks (id TEXT); PRAGMA application_id = 42; PRAGMA user_version = 1');
    db.close();
    expect(openError(path)).toMatchObject({ problem: 'foreign' });
  });

  it('refuses a queue written by a newer schema', async () => {
    const path = queuePath();
    await sqliteDeferrer({ path }).close();
    const db = new DatabaseSync(path);
    db.exec('PRAGMA user_version = 2');
    db.close();
    const error = openError(path);
    expect(error).toMatchObject({ problem: 'newer_schema' });
    expect(error.message).toBe(`queue file ${JSON.stringify(path)}: holds a queue of schema 2; this version of @stormwatch/queue reads schema 1`);
  });

  it('says why it cannot open a file in a missing directory', () => {
    const path = join(dir(), 'missing', 'queue.db');
    const error = openError(path);
    expect(error).toMatchObject({ path, problem: 'open_failed' });
    expect(error.message).toMatch(/^queue file ".*missing\/queue\.db": cannot be opened: /);
  });

  it('makes an empty file (touched) a queue', async () => {
    const path = queuePath('touched.db');
    writeFileSync(path, '');
    const queue = sqliteDeferrer({ path });
    await queue.defer(task());
    expect(await queue.counts()).toMatchObject({ pending: 1 });
    await queue.close();
  });
});

describe('a restart', () => {
  it('finds every task as it was left, and carries on', async () => {
    const path = queuePath();
    const clock = new VirtualClock(1_000);
    const first = sqliteDeferrer({ path, clock });
    const a = await first.defer(task({ callId: 1, deadlineAt: 9_000 }));
    const b = await first.defer(task({ callId: 2 }));
    const c = await first.defer(task({ callId: 3 }));
    const [claimedA] = await first.claim(1, 500);
    await first.fail(a.id, 'ECONNRESET', { retryAt: 2_000 }, claimedA);
    const [claimedB] = await first.claim(1, 500);
    await first.complete(claimedB!.id);
    const before = await first.list();
    await first.close();

    const second = sqliteDeferrer({ path, clock });
    expect(await second.list()).toEqual(before);
    expect(await second.counts()).toEqual({ pending: 1, running: 0, done: 1, failed: 1, dead: 0 });
    expect((await second.claim(5, 500)).map((t) => t.id)).toEqual([c.id]);
    await second.complete(c.id);
    await clock.advance(1_000);
    expect(await second.claim(5, 500)).toMatchObject([{ id: a.id, attempts: 2, deadlineAt: 9_000, lastError: 'ECONNRESET' }]);
    expect(b.id).toBe(claimedB!.id);
    await second.close();
  });

  it('lets two handles on one file (two processes) claim disjoint tasks', async () => {
    const path = queuePath();
    const clock = new VirtualClock();
    const one = sqliteDeferrer({ path, clock });
    const two = sqliteDeferrer({ path, clock });
    for (let i = 0; i < 10; i++) await (i % 2 ? one : two).defer(task({ callId: i }));
    const claims = [...(await one.claim(3, 1_000)), ...(await two.claim(4, 1_000)), ...(await one.claim(10, 1_000)), ...(await two.claim(10, 1_000))];
    expect(claims).toHaveLength(10);
    expect(new Set(claims.map((t) => t.id)).size).toBe(10);
    await Promise.all([one.close(), two.close()]);
  });
});
