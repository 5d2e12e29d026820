import { DatabaseSync } from 'node:sqlite';
import { QueueFileError } from '../errors/QueueFileError.js';

/**
 * SQLite's `application_id` of a Stormwatch queue file ('SWQ1'): tells our file from any
 * other SQLite database before anything is written to it.
 */
export const APPLICATION_ID = 0x53_57_51_31;

/** The schema this package writes and reads (`user_version`). */
export const SCHEMA_VERSION = 1;

/** Version 1 as first shipped; {@link ADDED_COLUMNS} come after. Times are REAL milliseconds of the queue's clock. */
const SCHEMA_V1 = `
CREATE TABLE tasks (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT    NOT NULL UNIQUE,
  state        TEXT    NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'dead')),
  call_id      INTEGER NOT NULL,
  policy       TEXT    NOT NULL,
  model        TEXT    NOT NULL,
  reason       TEXT    NOT NULL,
  payload      TEXT    NOT NULL,
  deferred_at  REAL    NOT NULL,
  deadline_at  REAL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  next_run_at  REAL    NOT NULL,
  lease_token  TEXT,
  lease_until  REAL,
  last_error   TEXT,
  dead_reason  TEXT,
  updated_at   REAL    NOT NULL
);
CREATE INDEX tasks_by_state_due ON tasks (state, next_run_at);
`;

/** SQLite result codes that mean "this is not a (sound) database file". */
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

/**
 * Opens (creating if need be) the queue file at `path`: refuses, before writing anything, a
 * file that is not SQLite, a SQLite database of something else, or a queue of a newer
 * schema — each with a {@link QueueFileError} naming the path. A new or empty file gets the
 * schema in one transaction. Then: write-ahead log, `synchronous = FULL` (a committed state
 * change survives a crash of the process or of the machine), and a busy timeout so that
 * processes sharing the file wait for each other's transactions instead of failing.
 */
export function openQueueDatabase(path: string, busyTimeoutMs: number): DatabaseSync {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
  } catch (error) {
    throw new QueueFileError(path, 'open_failed', `cannot be opened: ${messageOf(error)}`, { cause: error });
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.round(busyTimeoutMs)}`);
    if (inspect(db, path) === 'empty') initialise(db, path);
    addColumns(db);
    // Only now, the file known to be ours: journal_mode is persistent and would change a foreign file.
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = FULL');
    return db;
  } catch (error) {
    db.close();
    if (error instanceof QueueFileError) throw error;
    const code = (error as { errcode?: unknown }).errcode;
    if (code === SQLITE_NOTADB || code === SQLITE_CORRUPT) {
      throw new QueueFileError(path, 'not_sqlite', `is not a SQLite database, or is corrupt (${messageOf(error)})`, { cause: error });
    }
    throw new QueueFileError(path, 'open_failed', `cannot be read: ${messageOf(error)}`, { cause: error });
  }
}

/** `ours` when the file holds a queue of this schema, `empty` when it holds nothing yet; throws otherwise. */
function inspect(db: DatabaseSync, path: string): 'ours' | 'empty' {
  const applicationId = pragma(db, 'application_id');
  const version = pragma(db, 'user_version');
  if (applicationId === APPLICATION_ID) {
    if (version > SCHEMA_VERSION) throw new QueueFileError(path, 'newer_schema', `holds a queue of schema ${version}; this version of @stormwatch/queue reads schema ${SCHEMA_VERSION}`);
    if (version === SCHEMA_VERSION) return 'ours';
    throw new QueueFileError(path, 'foreign', `has the queue's application id but an unknown schema version ${version}`);
  }
  const objects = (db.prepare('SELECT count(*) AS n FROM sqlite_schema').get() as { n: number }).n;
  if (applicationId === 0 && version === 0 && objects === 0) return 'empty';
  throw new QueueFileError(
    path,
    'foreign',
    `is a SQLite database but not a Stormwatch queue (application_id ${applicationId}, user_version ${version}, ${objects} schema object(s)); it was left untouched`,
  );
}

/** Writes the schema in one transaction; a process that got there first (same empty file) wins. */
function initialise(db: DatabaseSync, path: string): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    // Looked at again under the write lock: another process may have written the file meanwhile.
    if (inspect(db, path) === 'empty') {
      db.exec(SCHEMA_V1);
      db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    }
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/**
 * Nullable columns added to schema 1 after it shipped, each with `ALTER TABLE … ADD COLUMN`
 * (a change to the schema text only: no row is rewritten). `user_version` stays 1: an
 * older `@stormwatch/queue` names its columns and reads with `SELECT *`, so it goes on
 * reading and writing a file that has them (and its tasks simply have none).
 */
const ADDED_COLUMNS: ReadonlyArray<{ readonly name: string; readonly type: string }> = [
  // The deferred call's W3C traceparent (issue 13): the drain's span links to it.
  { name: 'traceparent', type: 'TEXT' },
];

/** Adds the {@link ADDED_COLUMNS} a file lacks, in one transaction (another process may be adding them too). */
function addColumns(db: DatabaseSync): void {
  const missing = () => {
    const have = new Set((db.prepare('PRAGMA table_info(tasks)').all() as Array<{ name: string }>).map((c) => c.name));
    return ADDED_COLUMNS.filter((c) => !have.has(c.name));
  };
  if (missing().length === 0) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const column of missing()) db.exec(`ALTER TABLE tasks ADD COLUMN ${column.name} ${column.type}`);
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

function pragma(db: DatabaseSync, name: 'application_id' | 'user_version'): number {
  const row = db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown> | undefined;
  return Number(row?.[name] ?? 0);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
