import type { ClaimedTask, QueuedTask } from '../QueuedTask.js';
import { isTaskState } from '../TaskState.js';

/** A row of the `tasks` table as `node:sqlite` returns it. */
export type TaskRow = Record<string, unknown>;

/** A row as a {@link QueuedTask}; throws on a row this schema could not have written. */
export function toTask(row: TaskRow): QueuedTask {
  const state = row.state;
  if (!isTaskState(state)) throw new TypeError(`queue row ${String(row.id)} has an unknown state ${JSON.stringify(state)}`);
  return {
    id: String(row.id),
    state,
    callId: Number(row.call_id),
    policy: String(row.policy),
    model: String(row.model),
    reason: String(row.reason),
    payload: JSON.parse(String(row.payload)) as unknown,
    deferredAt: Number(row.deferred_at),
    ...optionalNumber('deadlineAt', row.deadline_at),
    ...optionalString('traceparent', row.traceparent),
    attempts: Number(row.attempts),
    nextRunAt: Number(row.next_run_at),
    ...optionalNumber('leaseUntil', row.lease_until),
    ...optionalString('lastError', row.last_error),
    ...optionalString('deadReason', row.dead_reason),
    updatedAt: Number(row.updated_at),
  };
}

/** A row just claimed (state `running`, with its lease). */
export function toClaimedTask(row: TaskRow): ClaimedTask {
  const task = toTask(row);
  if (task.state !== 'running' || typeof row.lease_token !== 'string' || task.leaseUntil === undefined) {
    throw new TypeError(`queue row ${task.id} was claimed but holds no lease`);
  }
  return { ...task, state: 'running', leaseToken: row.lease_token, leaseUntil: task.leaseUntil };
}

function optionalNumber<K extends string>(key: K, value: unknown): { [P in K]?: number } {
  return (value === null || value === undefined ? {} : { [key]: Number(value) }) as { [P in K]?: number };
}

function optionalString<K extends string>(key: K, value: unknown): { [P in K]?: string } {
  return (value === null || value === undefined ? {} : { [key]: String(value) }) as { [P in K]?: string };
}
