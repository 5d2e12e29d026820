import type { ClaimedTask, QueuedTask, TaskState } from '@stormwatch/core';
import { RedisQueueError } from '../errors/RedisQueueError.js';

const STATES: readonly string[] = ['pending', 'running', 'done', 'failed', 'dead'];

/** A task hash as `HGETALL` gives it (field, value, field, value ...) as a {@link QueuedTask}; throws `RedisQueueError` on one the scripts could not have written. */
export function toTask(operation: string, reply: unknown): QueuedTask {
  const fields = toFields(operation, reply);
  const bad = (what: string) => new RedisQueueError('malformed_reply', operation, `task ${JSON.stringify(fields.id ?? '?')}: ${what}`);
  const state = fields.state;
  if (state === undefined || !STATES.includes(state)) throw bad(`unknown state ${JSON.stringify(state)}`);
  const number = (key: string): number => {
    const value = Number(fields[key]);
    if (fields[key] === undefined || !Number.isFinite(value)) throw bad(`${key} is not a number`);
    return value;
  };
  const optionalNumber = (key: string) => (fields[key] === undefined ? {} : { [key]: number(key) });
  const optionalString = (key: string) => (fields[key] === undefined ? {} : { [key]: fields[key] });
  let payload: unknown;
  try {
    payload = JSON.parse(fields.payload ?? '');
  } catch {
    throw bad('payload is not JSON');
  }
  return {
    id: String(fields.id),
    state: state as TaskState,
    callId: number('callId'),
    policy: String(fields.policy),
    model: String(fields.model),
    reason: String(fields.reason),
    payload,
    deferredAt: number('deferredAt'),
    ...optionalNumber('deadlineAt'),
    ...optionalString('traceparent'),
    attempts: number('attempts'),
    nextRunAt: number('nextRunAt'),
    ...optionalNumber('leaseUntil'),
    ...optionalString('lastError'),
    ...optionalString('deadReason'),
    updatedAt: number('updatedAt'),
  } as QueuedTask;
}

/** A task just claimed: `running`, with its lease. */
export function toClaimedTask(reply: unknown): ClaimedTask {
  const task = toTask('claim', reply);
  const token = toFields('claim', reply).leaseToken;
  if (task.state !== 'running' || token === undefined || task.leaseUntil === undefined) {
    throw new RedisQueueError('malformed_reply', 'claim', `task ${task.id} was claimed but holds no lease`);
  }
  return { ...task, state: 'running', leaseToken: token, leaseUntil: task.leaseUntil };
}

/** A list of replies (of `claim`, `list`, `counts`). */
export function toArray(operation: string, reply: unknown): unknown[] {
  if (!Array.isArray(reply)) throw new RedisQueueError('malformed_reply', operation, `expected an array, got ${describe(reply)}`);
  return reply;
}

/** What a state change answered: 1 changed, 0 not in a state for it, -1 no such task. */
export function toChange(operation: string, reply: unknown): -1 | 0 | 1 {
  if (reply === 1 || reply === 0 || reply === -1) return reply;
  throw new RedisQueueError('malformed_reply', operation, `expected -1, 0 or 1, got ${describe(reply)}`);
}

/** A score (`''` when the set is empty). */
export function toOptionalNumber(operation: string, reply: unknown): number | undefined {
  if (reply === '' || reply === null) return undefined;
  const value = typeof reply === 'string' || typeof reply === 'number' ? Number(reply) : Number.NaN;
  if (!Number.isFinite(value)) throw new RedisQueueError('malformed_reply', operation, `expected a number, got ${describe(reply)}`);
  return value;
}

function toFields(operation: string, reply: unknown): Record<string, string | undefined> {
  const list = toArray(operation, reply);
  if (list.length % 2 !== 0 || !list.every((item) => typeof item === 'string')) throw new RedisQueueError('malformed_reply', operation, `expected a task hash, got ${describe(reply)}`);
  const fields: Record<string, string> = {};
  for (let i = 0; i < list.length; i += 2) fields[list[i] as string] = list[i + 1] as string;
  return fields;
}

function describe(reply: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(reply) ?? String(reply);
  } catch {
    text = String(reply);
  }
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
