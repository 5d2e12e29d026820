import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HELP, main } from '../src/cli/cliMain.js';
import { sqliteDeferrer } from '../src/index.js';
import { ensureBuilt } from './support/built.js';
import { opus, task, useTempDir } from './support/queueFiles.js';

const { dir, queuePath } = useTempDir();
/** When the fixture's tasks were deferred: 30 s ago (the CLI reads the system clock). */
const AT = Date.now() - 30_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Runs the CLI in-process; what it printed and its exit status. */
async function cli(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await main(args, { stdout: { write: (t) => void (stdout += t) }, stderr: { write: (t) => void (stderr += t) }, cwd: dir() });
  return { status, stdout, stderr };
}

/** A queue file with one task in each of pending, done and dead (two dead). */
async function fixture() {
  const queue = sqliteDeferrer({ path: queuePath() });
  const [pending, done, dead, dead2] = [
    await queue.defer(task({ callId: 1, deferredAt: AT + 4 })),
    await queue.defer(task({ callId: 2, deferredAt: AT + 1 })),
    await queue.defer(task({ callId: 3, deferredAt: AT + 2 })),
    await queue.defer(task({ callId: 4, deferredAt: AT + 3 })),
  ].map((r) => r.id);
  const claimed = await queue.claim(3, 1_000);
  await queue.complete(done!);
  await queue.fail(dead!, 'BadRequestError: 400 prompt is too long', { dead: 'non_retryable' }, claimed.find((t) => t.id === dead));
  await queue.fail(dead2!, 'not run: deadline_passed', { dead: 'deadline_passed' }, claimed.find((t) => t.id === dead2));
  await queue.close();
  return { pending: pending!, done: done!, dead: dead!, dead2: dead2! };
}

describe('stormwatch-queue', () => {
  it('counts tasks per state, with the age of the oldest still to do', async () => {
    await fixture();
    expect(await cli('counts', '--path', 'queue.db')).toEqual({ status: 0, stdout: expect.stringMatching(/^pending 1 {2}running 0 {2}done 1 {2}failed 0 {2}dead 2 {2}\(oldest still to do: 3\d s\)\n$/), stderr: '' });
    const json = await cli('counts', '--path', queuePath(), '--json');
    expect(JSON.parse(json.stdout)).toEqual({ counts: { pending: 1, running: 0, done: 1, failed: 0, dead: 2 }, oldestPendingAgeMs: expect.any(Number) });
    expect(JSON.parse(json.stdout).oldestPendingAgeMs).toBeGreaterThanOrEqual(29_000);
  });

  it('lists tasks oldest first, one line each, with why a dead one is dead', async () => {
    const ids = await fixture();
    const { status, stdout } = await cli('list', '--path', 'queue.db');
    expect(status).toBe(0);
    expect(stdout.split('\n')).toEqual([
      `${ids.pending}  pending  attempts 0  ${opus}  deferred ${iso(AT + 4)}`,
      `${ids.done}  done     attempts 1  ${opus}  deferred ${iso(AT + 1)}`,
      `${ids.dead}  dead     attempts 1  ${opus}  deferred ${iso(AT + 2)}  non_retryable: BadRequestError: 400 prompt is too long`,
      `${ids.dead2}  dead     attempts 1  ${opus}  deferred ${iso(AT + 3)}  deadline_passed: not run: deadline_passed`,
      '',
    ]);
    const dead = await cli('list', '--path', 'queue.db', '--state', 'dead', '--limit', '1', '--json');
    expect(JSON.parse(dead.stdout)).toEqual([expect.objectContaining({ id: ids.dead, state: 'dead', payload: task().payload })]);
  });

  it('retries dead tasks by id, or every dead one', async () => {
    const ids = await fixture();
    expect(await cli('retry', ids.dead, '--path', 'queue.db')).toEqual({ status: 0, stdout: `retried ${ids.dead}\n`, stderr: '' });
    expect(await cli('retry', '--dead', '--path', 'queue.db')).toEqual({ status: 0, stdout: `retried ${ids.dead2}\n`, stderr: '' });
    expect(await cli('retry', '--dead', '--path', 'queue.db')).toEqual({ status: 0, stdout: 'no dead task\n', stderr: '' });
    const queue = sqliteDeferrer({ path: queuePath() });
    expect(await queue.counts()).toMatchObject({ pending: 3, dead: 0 });
    await queue.close();
  });

  it('refuses to retry a task that is not dead, or unknown', async () => {
    const ids = await fixture();
    expect(await cli('retry', ids.done, '--path', 'queue.db')).toEqual({ status: 1, stdout: '', stderr: `stormwatch-queue: not retried: ${ids.done} is done (only dead or failed tasks are)\n` });
    expect(await cli('retry', 'nope', '--path', 'queue.db')).toEqual({ status: 1, stdout: '', stderr: 'stormwatch-queue: no task "nope" in the queue\n' });
  });

  it('purges the tasks of a state', async () => {
    await fixture();
    expect(await cli('purge', '--state', 'dead', '--path', 'queue.db')).toEqual({ status: 0, stdout: 'purged 2 dead task(s)\n', stderr: '' });
    expect((await cli('counts', '--path', 'queue.db')).stdout).toMatch(/^pending 1 {2}running 0 {2}done 1 {2}failed 0 {2}dead 0 /);
  });

  it('says what is wrong with the file, and creates none', async () => {
    writeFileSync(queuePath('other.db'), 'not a database, just text that is long enough to be read as a header');
    expect(await cli('counts', '--path', 'other.db')).toMatchObject({ status: 1, stderr: expect.stringMatching(/^stormwatch-queue: queue file ".*other\.db": is not a SQLite database, or is corrupt/) });
    expect(await cli('counts', '--path', 'missing.db')).toEqual({ status: 1, stdout: '', stderr: `stormwatch-queue: no queue file at ${JSON.stringify(queuePath('missing.db'))}\n` });
    expect(existsSync(queuePath('missing.db'))).toBe(false);
  });

  it.each([
    [['counts'], '--path <file> or --redis <url> is required'],
    [['counts', '--path', 'q.db', '--redis', 'redis://127.0.0.1:6379'], 'give --path <file> or --redis <url>, not both'],
    [['counts', '--path', 'q.db', '--prefix', 'p:'], '--prefix goes with --redis <url>'],
    [['counts', '--redis', ''], '--redis needs a URL: redis://host:port'],
    [['frobnicate', '--path', 'q.db'], 'unknown command "frobnicate": counts, list, retry, purge or drain'],
    [['--path', 'q.db'], 'a command is required: counts, list, retry, purge or drain'],
    [['list', '--path', 'q.db', '--state', 'lost'], '--state must be one of pending, running, done, failed, dead, got "lost"'],
    [['list', '--path', 'q.db', '--limit', '0'], '--limit must be a positive integer, got "0"'],
    [['retry', '--path', 'q.db'], 'retry takes task ids, or --dead for every dead task (not both)'],
    [['purge', '--path', 'q.db', '--state', 'running'], 'purge needs --state done, dead, failed or pending (a drain holds running tasks)'],
    [['counts', 'extra', '--path', 'q.db'], 'counts takes no arguments, got extra'],
  ])('refuses %j with status 2', async (args, message) => {
    expect(await cli(...args)).toEqual({ status: 2, stdout: '', stderr: `stormwatch-queue: ${message}\nRun stormwatch-queue --help for usage.\n` });
  });

  it('prints its help', async () => {
    expect(await cli('--help')).toEqual({ status: 0, stdout: HELP, stderr: '' });
    expect(await cli()).toEqual({ status: 0, stdout: HELP, stderr: '' });
  });

  it('runs as the package bin', async () => {
    ensureBuilt();
    await fixture();
    const bin = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'counts', '--path', queuePath()]);
    expect(stdout).toMatch(/^pending 1 {2}running 0 {2}done 1 {2}failed 0 {2}dead 2 {2}\(oldest still to do: /);
  }, 120_000);
});
