import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/cliMain.js';
import { sqliteDeferrer } from '../src/index.js';
import { ensureBuilt } from './support/built.js';
import { bin, fixture, handledLines, runCli, startCli, timesHandled, waitUntil } from './support/cliChild.js';
import { opus, task, useTempDir } from './support/queueFiles.js';

const { dir, queuePath } = useTempDir();

beforeAll(() => ensureBuilt(), 120_000);

/** A queue file with `n` pending tasks, due now; the prompt of task i is `summary i`. Their ids, in order. */
async function queueWith(n: number, path = queuePath()): Promise<string[]> {
  const queue = sqliteDeferrer({ path });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push((await queue.defer(task({ callId: i, deferredAt: Date.now() - 1_000, payload: { model: opus, max_tokens: 64, messages: [{ role: 'user', content: `summary ${i}` }] } }))).id);
  }
  await queue.close();
  return ids;
}

async function countsOf(path = queuePath()) {
  const queue = sqliteDeferrer({ path });
  try {
    return await queue.counts();
  } finally {
    await queue.close();
  }
}

/** util-linux `script`, to run the CLI on a pseudo-terminal. */
const hasScript = spawnSync('script', ['--version']).status === 0;
const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** The final progress line (stderr is not a terminal here: plain lines, the last one at the end). */
const lastLine = (stderr: string) => stderr.trimEnd().split('\n').at(-1);

describe('stormwatch-queue drain, the built CLI on a SQLite queue', () => {
  it('runs every task exactly once through an ESM handler module, with the progress line on stderr', async () => {
    const ids = await queueWith(20);
    const log = queuePath('handled.log');
    const end = await runCli(['drain', '--path', 'queue.db', '--handler', fixture('recordingHandler.mjs'), '--concurrency', '3', '--stop-when-idle', '--json'], {
      cwd: dir(),
      env: { HANDLER_LOG: log, HANDLER_TASK_MS: '5', HANDLER_REJECT_CALL: '7' },
    });
    expect(end).toMatchObject({ code: 0, signal: null });
    expect(JSON.parse(end.stdout)).toEqual({ drained: 19, failed: 0, dead: 1, released: 0 });
    // The first outcome writes a line at once, the end writes the final one.
    expect(end.stderr).toMatch(/^drain: [01] done, 0 failed, [01] dead, 0 released in \d+ s/);
    expect(lastLine(end.stderr)).toMatch(/^drain: 19 done, 0 failed, 1 dead, 0 released in \d+ s \(\d+\.\d\/s\)$/);

    const lines = handledLines(log);
    // Every task but the one answered 400 ran once, with its own payload and its stable id.
    expect(lines.sort()).toEqual(ids.map((id, i) => `${id} summary ${i}`).filter((_, i) => i !== 7).sort());
    expect(await countsOf()).toEqual({ pending: 0, running: 0, done: 19, failed: 0, dead: 1 });
  }, 60_000);

  it.skipIf(!hasScript)('rewrites the progress line in place on a terminal', async () => {
    await queueWith(5);
    const log = queuePath('handled.log');
    // util-linux `script` gives the CLI a pseudo-terminal (stdout and stderr both on it).
    const command = [process.execPath, bin, 'drain', '--path', 'queue.db', '--handler', fixture('recordingHandler.mjs'), '--concurrency', '1', '--stop-when-idle'].map(shellQuote).join(' ');
    const output = await new Promise<string>((resolve, reject) =>
      execFile('script', ['-qec', command, '/dev/null'], { cwd: dir(), env: { ...process.env, HANDLER_LOG: log, HANDLER_TASK_MS: '60' }, timeout: 30_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
    );
    expect(handledLines(log)).toHaveLength(5);
    // Every line starts by going back and clearing the line; only the final one ends it.
    const clear = '\r\x1b[2K';
    expect(output.startsWith(`${clear}drain: 1 done, 0 failed, 0 dead, 0 released in `)).toBe(true);
    const before = output.split('drain: ').slice(0, -1);
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.every((text) => text.endsWith(clear))).toBe(true);
    expect(output.slice(output.lastIndexOf(clear) + clear.length)).toMatch(/^drain: 5 done, 0 failed, 0 dead, 0 released in \d+ s \(\d+\.\d\/s\)\r\n$/);
    expect(output.split('\n')).toHaveLength(2);
  }, 60_000);

  it('loads a CommonJS module exporting handle, by a path relative to the current directory as node does', async () => {
    const ids = await queueWith(3);
    copyFileSync(fixture('recordingHandler.cjs'), join(dir(), 'handler.cjs'));
    const log = queuePath('handled.log');
    const end = await runCli(['drain', '--path', 'queue.db', '--handler', 'handler.cjs', '--stop-when-idle'], { cwd: dir(), env: { HANDLER_LOG: log } });
    expect(end).toMatchObject({ code: 0, stdout: '' });
    expect(lastLine(end.stderr)).toMatch(/^drain: 3 done, 0 failed, 0 dead, 0 released in /);
    expect(handledLines(log).sort()).toEqual(ids.map((id, i) => `${id} summary ${i}`).sort());
  }, 60_000);

  it('loads a package by name from the current directory, through its import condition', async () => {
    const ids = await queueWith(2);
    // An ESM-only package (no require condition: require.resolve could not find it).
    const pkg = join(dir(), 'node_modules', 'summary-drain');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'summary-drain', type: 'module', exports: { '.': { import: './handler.js' } } }));
    writeFileSync(join(pkg, 'handler.js'), `export { default } from ${JSON.stringify(pathToFileURL(fixture('recordingHandler.mjs')).href)};\n`);
    const log = queuePath('handled.log');
    const end = await runCli(['drain', '--path', 'queue.db', '--handler', 'summary-drain', '--stop-when-idle', '--json'], { cwd: dir(), env: { HANDLER_LOG: log } });
    expect(end).toMatchObject({ code: 0 });
    expect(JSON.parse(end.stdout)).toEqual({ drained: 2, failed: 0, dead: 0, released: 0 });
    expect(handledLines(log).sort()).toEqual(ids.map((id, i) => `${id} summary ${i}`).sort());
  }, 60_000);

  it.each(['SIGTERM', 'SIGINT'] as const)('without --stop-when-idle waits for more work, and exits 0 on %s', async (stopSignal) => {
    await queueWith(2);
    const log = queuePath('handled.log');
    const drain = startCli(['drain', '--path', 'queue.db', '--handler', fixture('recordingHandler.mjs')], { cwd: dir(), env: { HANDLER_LOG: log } });
    await waitUntil(() => handledLines(log).length === 2, 'the first two tasks');
    // Deferred while the drain waits: it is picked up at the next look at the queue.
    const queue = sqliteDeferrer({ path: queuePath() });
    const late = (await queue.defer(task({ callId: 9, deferredAt: Date.now(), payload: { model: opus, max_tokens: 64, messages: [{ role: 'user', content: 'summary late' }] } }))).id;
    await queue.close();
    await waitUntil(() => handledLines(log).length === 3, 'the task deferred while the drain waited');
    expect(handledLines(log).at(-1)).toBe(`${late} summary late`);
    drain.child.kill(stopSignal);
    const end = await drain.exit;
    expect(end).toMatchObject({ code: 0, signal: null, stdout: '' });
    expect(end.stderr).toContain(`stormwatch-queue: ${stopSignal}: stopping — the tasks in hand finish, or go back to pending`);
    expect(lastLine(end.stderr)).toMatch(/^drain: 3 done, 0 failed, 0 dead, 0 released in /);
    expect(await countsOf()).toEqual({ pending: 0, running: 0, done: 3, failed: 0, dead: 0 });
  }, 60_000);

  it.each([
    ['releases the tasks in hand when the handler gives up on the signal', 'honour'],
    ['finishes the tasks in hand when the handler ignores the signal', 'ignore'],
  ])('SIGTERM mid-drain %s: none lost, and a second run completes the rest', async (_, handlerSignal) => {
    const n = 30;
    const ids = await queueWith(n);
    const log = queuePath('handled.log');
    const env = { HANDLER_LOG: log, HANDLER_TASK_MS: '150', HANDLER_SIGNAL: handlerSignal };
    const first = startCli(['drain', '--path', 'queue.db', '--handler', fixture('recordingHandler.mjs'), '--concurrency', '3', '--json'], { cwd: dir(), env });
    // Stopped while it holds a task whose work is not done yet (not between two claims).
    const watch = sqliteDeferrer({ path: queuePath() });
    const holdsUnhandled = async () => {
      const handled = new Set(handledLines(log).map((line) => line.split(' ')[0]));
      return (await watch.list({ state: 'running', limit: n })).some((t) => !handled.has(t.id));
    };
    try {
      await waitUntil(async () => handledLines(log).length >= 6 && (await holdsUnhandled()), 'six tasks handled, and one held whose work is not done');
    } finally {
      await watch.close();
    }
    first.child.kill('SIGTERM');
    const end = await first.exit;
    expect(end).toMatchObject({ code: 0, signal: null });
    const summary = JSON.parse(end.stdout) as { drained: number; released: number };
    const doneFirst = handledLines(log).length;
    expect(summary).toEqual({ drained: doneFirst, failed: 0, dead: 0, released: summary.released });
    // It held three tasks when told to stop: given back, or finished.
    if (handlerSignal === 'honour') expect(summary.released).toBeGreaterThan(0);
    else expect(summary.released).toBe(0);
    expect(doneFirst).toBeLessThan(n);
    expect(lastLine(end.stderr)).toMatch(new RegExp(`^drain: ${doneFirst} done, 0 failed, 0 dead, ${summary.released} released in `));
    // Nothing is left running (held) or lost: what was not done is pending again.
    expect(await countsOf()).toEqual({ pending: n - doneFirst, running: 0, done: doneFirst, failed: 0, dead: 0 });

    const second = await runCli(['drain', '--path', 'queue.db', '--handler', fixture('recordingHandler.mjs'), '--concurrency', '3', '--stop-when-idle', '--json'], { cwd: dir(), env: { ...env, HANDLER_TASK_MS: '0' } });
    expect(second).toMatchObject({ code: 0 });
    expect(JSON.parse(second.stdout)).toEqual({ drained: n - doneFirst, failed: 0, dead: 0, released: 0 });
    const times = timesHandled(handledLines(log));
    expect(new Set(times.keys())).toEqual(new Set(ids));
    expect([...times.values()].every((count) => count === 1)).toBe(true);
    expect(await countsOf()).toEqual({ pending: 0, running: 0, done: n, failed: 0, dead: 0 });
  }, 60_000);

  it('ends at once on a second signal, leaving what it holds to come back after its lease', async () => {
    await queueWith(4);
    const log = queuePath('handled.log');
    // Handlers that ignore the stop and would take 30 s.
    const drain = startCli(['drain', '--path', 'queue.db', '--handler', fixture('recordingHandler.mjs'), '--concurrency', '2'], { cwd: dir(), env: { HANDLER_LOG: log, HANDLER_TASK_MS: '30000', HANDLER_SIGNAL: 'ignore' } });
    await waitUntil(async () => (await countsOf()).running === 2, 'two tasks held');
    drain.child.kill('SIGTERM');
    await waitUntil(() => drain.stderr().includes('SIGTERM: stopping'), 'the first SIGTERM heard');
    drain.child.kill('SIGTERM');
    const end = await drain.exit;
    expect(end).toMatchObject({ code: null, signal: 'SIGTERM' });
    expect(handledLines(log)).toEqual([]);
    // Nothing lost: the two it held are still leased (another drain takes them once the lease expires), two never claimed.
    const queue = sqliteDeferrer({ path: queuePath() });
    const running = await queue.list({ state: 'running' });
    await queue.close();
    expect(running).toHaveLength(2);
    for (const held of running) expect(held.leaseUntil).toBeGreaterThan(Date.now());
    expect(await countsOf()).toEqual({ pending: 2, running: 2, done: 0, failed: 0, dead: 0 });
  }, 60_000);

  it.each([
    ['a package that is not installed', 'summary-drain', 'stormwatch-queue: cannot load the handler module "summary-drain": Cannot find package \'summary-drain\' imported from '],
    ['a file that is not there', './handler.mjs', 'stormwatch-queue: no handler module at '],
    ['a module that throws while it loads', fixture('throwsOnLoad.mjs'), `stormwatch-queue: cannot load the handler module ${JSON.stringify(fixture('throwsOnLoad.mjs'))}: ANTHROPIC_API_KEY is not set\n`],
    [
      'a module that exports no function',
      fixture('noFunction.mjs'),
      `stormwatch-queue: the handler module ${JSON.stringify(fixture('noFunction.mjs'))} exports no function: give it a default export (or an export named handle) that is an async function (task, { signal, remainingMs }) => … (it exports default, model)\n`,
    ],
  ])('refuses %s with exit status 1, and leaves the queue alone', async (_, handler, message) => {
    await queueWith(2);
    const end = await runCli(['drain', '--path', 'queue.db', '--handler', handler, '--stop-when-idle'], { cwd: dir(), env: { HANDLER_LOG: queuePath('handled.log') } });
    expect(end).toMatchObject({ code: 1, stdout: '' });
    expect(end.stderr.startsWith(message)).toBe(true);
    expect(end.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(await countsOf()).toMatchObject({ pending: 2, done: 0 });
  }, 60_000);

  it('refuses a foreign or corrupt queue file with exit status 1, leaving it untouched', async () => {
    const foreign = new DatabaseSync(queuePath('foreign.db'));
    foreign.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)');
    foreign.close();
    writeFileSync(queuePath('corrupt.db'), 'not a database, just text that is long enough to be read as a header');
    const log = queuePath('handled.log');
    const args = (file: string) => ['drain', '--path', file, '--handler', fixture('recordingHandler.mjs'), '--stop-when-idle'];
    expect(await runCli(args('foreign.db'), { cwd: dir(), env: { HANDLER_LOG: log } })).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: expect.stringMatching(/^stormwatch-queue: queue file ".*foreign\.db": is a SQLite database but not a Stormwatch queue .*; it was left untouched\n$/),
    });
    expect(await runCli(args('corrupt.db'), { cwd: dir(), env: { HANDLER_LOG: log } })).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^stormwatch-queue: queue file ".*corrupt\.db": is not a SQLite database, or is corrupt/) });
    expect(await runCli(args('missing.db'), { cwd: dir(), env: { HANDLER_LOG: log } })).toMatchObject({ code: 1, stderr: `stormwatch-queue: no queue file at ${JSON.stringify(queuePath('missing.db'))}\n` });
    expect(handledLines(log)).toEqual([]);
  }, 60_000);
});

describe('stormwatch-queue drain, its command line', () => {
  /** Runs the CLI in-process (usage errors stop before any module or queue is opened). */
  async function cli(...args: string[]) {
    let stdout = '';
    let stderr = '';
    const status = await main(args, { stdout: { write: (t) => void (stdout += t) }, stderr: { write: (t) => void (stderr += t) }, cwd: dir() });
    return { status, stdout, stderr };
  }

  it.each([
    [['drain', '--path', 'q.db'], 'drain needs --handler <module>: a file or package whose default export runs one task'],
    [['drain', '--path', 'q.db', '--handler', ''], 'drain needs --handler <module>: a file or package whose default export runs one task'],
    [['drain', '--path', 'q.db', '--handler', 'h.mjs', '--concurrency', '0'], '--concurrency must be a positive integer, got "0"'],
    [['drain', '--path', 'q.db', '--handler', 'h.mjs', '--concurrency', '2.5'], '--concurrency must be a positive integer, got "2.5"'],
    [['drain', '--path', 'q.db', '--handler', 'h.mjs', '--lease-ms', '1.5'], '--lease-ms must be a positive integer, got "1.5"'],
    [['purge', '--path', 'q.db', '--state', 'done', '--lease-ms', '1000'], '--handler, --concurrency, --lease-ms and --stop-when-idle go with drain'],
    [['drain', 'extra', '--path', 'q.db', '--handler', 'h.mjs'], 'drain takes no arguments, got extra'],
    [['drain', '--handler', 'h.mjs'], '--path <file> or --redis <url> is required'],
    [['counts', '--path', 'q.db', '--handler', 'h.mjs'], '--handler, --concurrency, --lease-ms and --stop-when-idle go with drain'],
    [['list', '--path', 'q.db', '--stop-when-idle'], '--handler, --concurrency, --lease-ms and --stop-when-idle go with drain'],
  ])('refuses %j with status 2', async (args, message) => {
    expect(await cli(...args)).toEqual({ status: 2, stdout: '', stderr: `stormwatch-queue: ${message}\nRun stormwatch-queue --help for usage.\n` });
  });
});
