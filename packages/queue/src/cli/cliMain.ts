/**
 * The queue's command line (`stormwatch-queue`): look at a queue — a SQLite file (`--path`) or
 * a Redis queue (`--redis`) — act on it by hand, or drain it through a handler module.
 * Everything but the process is injected, so tests run it in-process.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isQueueFileError } from '../errors/QueueFileError.js';
import { isTaskNotFoundError } from '@stormwatch/core';
import type { QueuedTask } from '../QueuedTask.js';
import { sqliteDeferrer } from '../SqliteDeferrer.js';
import type { TaskQueue } from '../TaskQueue.js';
import { isTaskState, TaskState } from '../TaskState.js';
import { isHandlerModuleError, loadHandler } from './loadHandler.js';
import { openRedisQueue, CannotOpenRedisQueueError } from './openRedisQueue.js';
import { runDrain } from './runDrain.js';
import type { StopRequests } from './stopRequests.js';

export interface CliIo {
  readonly stdout: { write(text: string): void };
  /** Also where `drain` writes its progress line: rewritten in place when `isTTY`, plain lines otherwise. */
  readonly stderr: { write(text: string): void; readonly isTTY?: boolean };
  /** Directory a relative `--path` and `--handler` are resolved against. */
  readonly cwd: string;
  /** What stops a `drain` (the command passes SIGINT/SIGTERM); without it, only idleness or a queue failure does. */
  readonly stopRequests?: StopRequests;
}

export const HELP = `stormwatch-queue: look at and act on a Stormwatch deferral queue
(a SQLite file, or a Redis queue).

Usage: stormwatch-queue <command> (--path <file> | --redis <url> [--prefix <prefix>]) [options]

Commands:
  counts [--json]           tasks per state, and the age of the oldest task still to do
  list [--state <state>] [--limit <n>] [--json]
                            tasks, oldest first (default: every state, at most 100);
                            --json prints them whole, payload included
  retry <id>... | --dead    put dead (or failed) tasks back to pending, due now,
                            their attempts reset; --dead: every dead task
  purge --state <state>     delete every task in a state: done, dead, failed or pending
  drain --handler <module> [--concurrency <n>] [--lease-ms <ms>] [--stop-when-idle] [--json]
                            run due tasks through the handler module's function, with a
                            progress line on stderr, until SIGINT/SIGTERM (the tasks in hand
                            finish, or go back to pending) or, with --stop-when-idle, until
                            nothing is left to do; --json prints the summary on stdout

Options:
  --path <file>             the SQLite queue file (it must exist)
  --redis <url>             the Redis queue: redis://[[user]:password@]host[:port][/db]
                            or rediss:// (needs the @stormwatch/redis package)
  --prefix <prefix>         with --redis: the prefix of the queue's keys (default stormwatch:)
  --handler <module>        with drain: a file (relative to the current directory) or a
                            package name, ESM or CommonJS, whose default export (or export
                            named handle) is async (task, { id, signal, remainingMs }) => void
  --concurrency <n>         with drain: most tasks run at once (default 4)
  --lease-ms <ms>           with drain: how long a claim holds a task, renewed while it runs;
                            a drain that dies holds its tasks this long at most (default 60000)
  --help                    this text

States: pending (waiting), running (claimed by a drain), done, failed (will be retried
by itself), dead (kept for a human: not retryable, deadline passed or attempts used up).
Exit status: 0 done (a drain: stopped cleanly, or idle with --stop-when-idle), 1 the
queue refused (unknown id, task not dead, bad file, Redis unreachable) or the handler
module cannot be loaded or exports no function, 2 usage.
`;

const OPTIONS = {
  path: { type: 'string' },
  redis: { type: 'string' },
  prefix: { type: 'string' },
  state: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  dead: { type: 'boolean' },
  handler: { type: 'string' },
  concurrency: { type: 'string' },
  'lease-ms': { type: 'string' },
  'stop-when-idle': { type: 'boolean' },
  help: { type: 'boolean' },
} satisfies ParseArgsConfig['options'];

/** A problem with the command line itself (exit status 2). */
class UsageError extends Error {}

/** Runs one command; resolves with the exit status. */
export async function main(args: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    io.stderr.write(`stormwatch-queue: ${error instanceof Error ? error.message : String(error)}\nRun stormwatch-queue --help for usage.\n`);
    return 2;
  }
  if (parsed === 'help') {
    io.stdout.write(HELP);
    return 0;
  }
  let queue: TaskQueue | undefined;
  let draining = false;
  try {
    // Before the queue is opened: a handler that cannot run must not hold a connection or a file.
    const handler = parsed.command === 'drain' ? await loadHandler(parsed.handler, io.cwd) : undefined;
    if (parsed.target.kind === 'path') {
      const path = resolve(io.cwd, parsed.target.path);
      if (!existsSync(path)) {
        io.stderr.write(`stormwatch-queue: no queue file at ${JSON.stringify(path)}\n`);
        return 1;
      }
      queue = sqliteDeferrer({ path });
    } else {
      queue = await openRedisQueue(parsed.target.url, parsed.target.prefix);
    }
    if (parsed.command === 'drain') {
      draining = true;
      return await runDrain(queue, handler!, parsed, io);
    }
    return await run(parsed, queue, io);
  } catch (error) {
    if (!isQueueFileError(error) && !isTaskNotFoundError(error) && !isRedisQueueFailure(error) && !isHandlerModuleError(error)) throw error;
    io.stderr.write(`stormwatch-queue: ${error.message}\n`);
    // The queue failed under a running drain (Redis went away, the file was removed): nothing is lost.
    if (draining) io.stderr.write('stormwatch-queue: the drain stopped; run it again once the queue is back (the tasks it held return to pending when their lease expires)\n');
    return 1;
  } finally {
    await queue?.close().catch(() => undefined);
  }
}

/** What the Redis queue rejects with (`RedisQueueError`, from any copy of `@stormwatch/redis`), or its package missing. */
function isRedisQueueFailure(error: unknown): error is Error {
  return error instanceof CannotOpenRedisQueueError || (typeof error === 'object' && error !== null && (error as { isRedisQueueError?: unknown }).isRedisQueueError === true);
}

/** Where the queue is. */
type Target = { readonly kind: 'path'; readonly path: string } | { readonly kind: 'redis'; readonly url: string; readonly prefix?: string };

type Command =
  | { command: 'counts'; target: Target; json: boolean }
  | { command: 'list'; target: Target; json: boolean; state?: TaskState; limit: number }
  | { command: 'retry'; target: Target; ids: string[]; dead: boolean }
  | { command: 'purge'; target: Target; state: Exclude<TaskState, 'running'> }
  | { command: 'drain'; target: Target; handler: string; concurrency?: number; leaseMs?: number; stopWhenIdle: boolean; json: boolean };

type RunCommand = Exclude<Command, { command: 'drain' }>;

function parse(args: readonly string[]): Command | 'help' {
  const { values, positionals } = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true });
  if (values.help || args.length === 0) return 'help';
  const [command, ...rest] = positionals;
  const target = targetOf(values);
  const state = values.state;
  if (state !== undefined && !isTaskState(state)) throw new UsageError(`--state must be one of pending, running, done, failed, dead, got ${JSON.stringify(state)}`);
  const noMore = (what: string) => {
    if (rest.length > 0) throw new UsageError(`${what} takes no arguments, got ${rest.join(' ')}`);
  };
  if (command !== 'drain' && (values.handler !== undefined || values.concurrency !== undefined || values['lease-ms'] !== undefined || values['stop-when-idle'] !== undefined)) {
    throw new UsageError('--handler, --concurrency, --lease-ms and --stop-when-idle go with drain');
  }
  switch (command) {
    case 'counts':
      noMore('counts');
      return { command, target, json: values.json ?? false };
    case 'list': {
      noMore('list');
      const limit = values.limit === undefined ? 100 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got ${JSON.stringify(values.limit)}`);
      return { command, target, json: values.json ?? false, limit, ...(state === undefined ? {} : { state }) };
    }
    case 'retry':
      if ((rest.length > 0) === (values.dead ?? false)) throw new UsageError('retry takes task ids, or --dead for every dead task (not both)');
      return { command, target, ids: rest, dead: values.dead ?? false };
    case 'purge':
      noMore('purge');
      if (state === undefined || state === TaskState.RUNNING) throw new UsageError('purge needs --state done, dead, failed or pending (a drain holds running tasks)');
      return { command, target, state };
    case 'drain': {
      noMore('drain');
      if (values.handler === undefined || values.handler === '') throw new UsageError('drain needs --handler <module>: a file or package whose default export runs one task');
      const concurrency = positiveInteger('--concurrency', values.concurrency);
      const leaseMs = positiveInteger('--lease-ms', values['lease-ms']);
      return {
        command,
        target,
        handler: values.handler,
        stopWhenIdle: values['stop-when-idle'] ?? false,
        json: values.json ?? false,
        ...(concurrency === undefined ? {} : { concurrency }),
        ...(leaseMs === undefined ? {} : { leaseMs }),
      };
    }
    default:
      throw new UsageError(command === undefined ? 'a command is required: counts, list, retry, purge or drain' : `unknown command ${JSON.stringify(command)}: counts, list, retry, purge or drain`);
  }
}

/** An option that must be a positive integer when given. */
function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/** `--path <file>` or `--redis <url>` (with an optional `--prefix`), exactly one. */
function targetOf(values: { path?: string; redis?: string; prefix?: string }): Target {
  const { path, redis, prefix } = values;
  if (path !== undefined && redis !== undefined) throw new UsageError('give --path <file> or --redis <url>, not both');
  if (prefix !== undefined && redis === undefined) throw new UsageError('--prefix goes with --redis <url>');
  if (redis !== undefined) {
    if (redis === '') throw new UsageError('--redis needs a URL: redis://host:port');
    if (prefix === '') throw new UsageError('--prefix must not be empty');
    return { kind: 'redis', url: redis, ...(prefix === undefined ? {} : { prefix }) };
  }
  if (path === undefined || path === '') throw new UsageError('--path <file> or --redis <url> is required');
  return { kind: 'path', path };
}

async function run(c: RunCommand, queue: TaskQueue, io: CliIo): Promise<number> {
  switch (c.command) {
    case 'counts': {
      const counts = await queue.counts();
      const oldestPendingAgeMs = await queue.oldestPendingAgeMs();
      if (c.json) io.stdout.write(`${JSON.stringify({ counts, oldestPendingAgeMs: oldestPendingAgeMs ?? null })}\n`);
      else {
        const oldest = oldestPendingAgeMs === undefined ? 'nothing still to do' : `oldest still to do: ${formatAge(oldestPendingAgeMs)}`;
        io.stdout.write(`${Object.entries(counts).map(([state, n]) => `${state} ${n}`).join('  ')}  (${oldest})\n`);
      }
      return 0;
    }
    case 'list': {
      const tasks = await queue.list({ limit: c.limit, ...(c.state === undefined ? {} : { state: c.state }) });
      if (c.json) io.stdout.write(`${JSON.stringify(tasks, null, 2)}\n`);
      else for (const task of tasks) io.stdout.write(`${describeTask(task)}\n`);
      return 0;
    }
    case 'retry': {
      const dead = c.dead ? (await queue.counts()).dead : 0;
      const ids = c.dead ? (dead === 0 ? [] : (await queue.list({ state: TaskState.DEAD, limit: dead })).map((t) => t.id)) : c.ids;
      let status = 0;
      for (const id of ids) {
        if (await queue.retry(id)) io.stdout.write(`retried ${id}\n`);
        else {
          io.stderr.write(`stormwatch-queue: not retried: ${id} is ${(await queue.get(id))?.state ?? 'gone'} (only dead or failed tasks are)\n`);
          status = 1;
        }
      }
      if (c.dead && ids.length === 0) io.stdout.write('no dead task\n');
      return status;
    }
    case 'purge': {
      const n = await queue.purge({ state: c.state });
      io.stdout.write(`purged ${n} ${c.state} task(s)\n`);
      return 0;
    }
  }
}

/** One line: id, state, attempts, model, when deferred, and why it is dead or last failed. */
function describeTask(task: QueuedTask): string {
  const why = task.state === TaskState.DEAD ? `${task.deadReason ?? 'dead'}: ${task.lastError ?? ''}` : (task.lastError ?? '');
  const line = [task.id, task.state.padEnd(7), `attempts ${task.attempts}`, task.model, `deferred ${formatTime(task.deferredAt)}`, why].filter(Boolean).join('  ');
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/** Epoch milliseconds (the system clock) as ISO 8601; a virtual clock's small numbers as they are. */
function formatTime(ms: number): string {
  return ms > 1e12 ? new Date(ms).toISOString() : `${ms} ms`;
}

function formatAge(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
