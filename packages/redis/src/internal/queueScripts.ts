import { createHash } from 'node:crypto';

/** A Lua script of the Redis deferrer, with the SHA1 `EVALSHA` names it by. */
export interface QueueScript {
  readonly name: QueueOperation;
  readonly source: string;
  readonly sha: string;
}

export type QueueOperation = 'defer' | 'claim' | 'complete' | 'fail' | 'release' | 'extend' | 'handOver' | 'heldBy' | 'retry' | 'purge' | 'get' | 'list' | 'counts' | 'oldest' | 'nextDue' | 'nearestDeadline';

/**
 * The deferrer's state changes as Redis Lua scripts, one atomic script per operation: the
 * same statements as `SqliteDeferrer`'s SQL, on these keys (B is `KEYS[1]`, the queue's
 * base: `<prefix>{queue}:`; the hash tag keeps every key of a queue in one cluster slot):
 *
 * - `B task:<id>`: a hash per task (the fields of `QueuedTask`, plus `seq` and `leaseToken`);
 * - `B due`: sorted set of the tasks still to do, scored by when each can be claimed
 *   (`nextRunAt` of a pending or failed task, `leaseUntil` of a running one): a claim is one
 *   `ZRANGEBYSCORE due -inf now`, and an expired lease needs no sweeper;
 * - `B state:<state>` and `B all`: sorted sets scored by `seq` (order of deferral), for
 *   `list` and `counts`;
 * - `B age`: sorted set of the tasks still to do, scored by `deferredAt` (oldest pending age);
 * - `B expire`: sorted set of done tasks, scored by when their retention ends;
 * - `B seq`: the counter that orders deferrals.
 *
 * Times (ms of the queue's clock) come in ARGV as the text the process wrote, and are stored
 * as given: Lua's number-to-string keeps only 14 digits.
 */
const PRELUDE = String.raw`
local B = KEYS[1]
local STATES = { 'pending', 'running', 'done', 'failed', 'dead' }
local function taskKey(id) return B .. 'task:' .. id end
local function move(id, seq, from, to)
  if from ~= to then
    redis.call('ZREM', B .. 'state:' .. from, id)
    redis.call('ZADD', B .. 'state:' .. to, seq, id)
  end
end
-- Drops the done tasks whose retention ended (at most 100 per call: the next write goes on).
local function prune(now)
  local ids = redis.call('ZRANGEBYSCORE', B .. 'expire', '-inf', now, 'LIMIT', 0, 100)
  for _, id in ipairs(ids) do
    local key = taskKey(id)
    local state = redis.call('HGET', key, 'state')
    if state == false or state == 'done' then
      redis.call('DEL', key)
      redis.call('ZREM', B .. 'state:done', id)
      redis.call('ZREM', B .. 'all', id)
    end
    redis.call('ZREM', B .. 'expire', id)
  end
end
`;

const BODIES: Record<QueueOperation, string> = {
  // ARGV: id, now, callId, policy, model, reason, payload, deferredAt, deadlineAt ('' for none), traceparent ('' for none)
  defer: String.raw`
local id, now = ARGV[1], ARGV[2]
prune(now)
local key = taskKey(id)
if redis.call('EXISTS', key) == 1 then return 0 end
local seq = redis.call('INCR', B .. 'seq')
redis.call('HSET', key, 'id', id, 'state', 'pending', 'seq', seq, 'callId', ARGV[3], 'policy', ARGV[4], 'model', ARGV[5],
  'reason', ARGV[6], 'payload', ARGV[7], 'deferredAt', ARGV[8], 'attempts', 0, 'nextRunAt', ARGV[8], 'updatedAt', now)
if ARGV[9] ~= '' then redis.call('HSET', key, 'deadlineAt', ARGV[9]) end
if ARGV[10] and ARGV[10] ~= '' then redis.call('HSET', key, 'traceparent', ARGV[10]) end
redis.call('ZADD', B .. 'due', ARGV[8], id)
redis.call('ZADD', B .. 'state:pending', seq, id)
redis.call('ZADD', B .. 'all', seq, id)
redis.call('ZADD', B .. 'age', ARGV[8], id)
return 1
`,
  // ARGV: now, leaseUntil, limit, token 1 .. token limit
  claim: String.raw`
local now, untilAt, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])
prune(now)
local ids = redis.call('ZRANGEBYSCORE', B .. 'due', '-inf', now, 'LIMIT', 0, limit)
local out = {}
for i, id in ipairs(ids) do
  local key = taskKey(id)
  local state = redis.call('HGET', key, 'state')
  if state == false then
    redis.call('ZREM', B .. 'due', id) -- an index entry without its task: never claimable
  else
    redis.call('HSET', key, 'state', 'running', 'leaseToken', ARGV[3 + i], 'leaseUntil', untilAt, 'updatedAt', now)
    redis.call('HINCRBY', key, 'attempts', 1)
    move(id, redis.call('HGET', key, 'seq'), state, 'running')
    redis.call('ZADD', B .. 'due', untilAt, id)
    out[#out + 1] = redis.call('HGETALL', key)
  end
end
return out
`,
  // ARGV: id, now, expireAt (now + doneRetentionMs), backstop TTL of the hash in ms
  complete: String.raw`
local id, now = ARGV[1], ARGV[2]
prune(now)
local key = taskKey(id)
local state = redis.call('HGET', key, 'state')
if state == false then return -1 end
if state == 'done' then return 0 end
redis.call('HSET', key, 'state', 'done', 'updatedAt', now)
redis.call('HDEL', key, 'leaseToken', 'leaseUntil', 'deadReason')
move(id, redis.call('HGET', key, 'seq'), state, 'done')
redis.call('ZREM', B .. 'due', id)
redis.call('ZREM', B .. 'age', id)
redis.call('ZADD', B .. 'expire', ARGV[3], id)
redis.call('PEXPIRE', key, ARGV[4])
return 1
`,
  // ARGV: id, now, 'failed' | 'dead', retryAt, deadReason, error, token ('' for any)
  fail: String.raw`
local id, now, to = ARGV[1], ARGV[2], ARGV[3]
local key = taskKey(id)
local state = redis.call('HGET', key, 'state')
if state == false then return -1 end
if state ~= 'running' then return 0 end
if ARGV[7] ~= '' and redis.call('HGET', key, 'leaseToken') ~= ARGV[7] then return 0 end
redis.call('HSET', key, 'state', to, 'lastError', ARGV[6], 'updatedAt', now)
redis.call('HDEL', key, 'leaseToken', 'leaseUntil')
if to == 'failed' then
  redis.call('HSET', key, 'nextRunAt', ARGV[4])
  redis.call('HDEL', key, 'deadReason')
  redis.call('ZADD', B .. 'due', ARGV[4], id)
else
  redis.call('HSET', key, 'deadReason', ARGV[5])
  redis.call('ZREM', B .. 'due', id)
  redis.call('ZREM', B .. 'age', id)
end
move(id, redis.call('HGET', key, 'seq'), state, to)
return 1
`,
  // ARGV: id, now, token
  release: String.raw`
local id, now = ARGV[1], ARGV[2]
local key = taskKey(id)
local state = redis.call('HGET', key, 'state')
if state == false then return -1 end
if state ~= 'running' or redis.call('HGET', key, 'leaseToken') ~= ARGV[3] then return 0 end
local attempts = tonumber(redis.call('HGET', key, 'attempts'))
redis.call('HSET', key, 'state', 'pending', 'attempts', math.max(attempts - 1, 0), 'updatedAt', now)
redis.call('HDEL', key, 'leaseToken', 'leaseUntil')
redis.call('ZADD', B .. 'due', redis.call('HGET', key, 'nextRunAt'), id)
move(id, redis.call('HGET', key, 'seq'), state, 'pending')
return 1
`,
  // ARGV: id, token, leaseUntil
  extend: String.raw`
local id = ARGV[1]
local key = taskKey(id)
local state = redis.call('HGET', key, 'state')
if state == false then return -1 end
if state ~= 'running' or redis.call('HGET', key, 'leaseToken') ~= ARGV[2] then return 0 end
redis.call('HSET', key, 'leaseUntil', ARGV[3])
redis.call('ZADD', B .. 'due', ARGV[3], id)
return 1
`,
  // ARGV: holder, leaseUntil, now, then id, token for each task
  handOver: String.raw`
local holder, untilAt, now = ARGV[1], ARGV[2], ARGV[3]
local out = {}
for i = 4, #ARGV, 2 do
  local id = ARGV[i]
  local key = taskKey(id)
  if redis.call('HGET', key, 'state') == 'running' and redis.call('HGET', key, 'leaseToken') == ARGV[i + 1] then
    redis.call('HSET', key, 'leaseToken', holder, 'leaseUntil', untilAt, 'updatedAt', now)
    redis.call('ZADD', B .. 'due', untilAt, id)
    out[#out + 1] = id
  end
end
return out
`,
  // ARGV: prefix, limit
  heldBy: String.raw`
local prefix, limit = ARGV[1], tonumber(ARGV[2])
local out = {}
for _, id in ipairs(redis.call('ZRANGE', B .. 'state:running', 0, -1)) do
  if #out >= limit then break end
  local token = redis.call('HGET', taskKey(id), 'leaseToken')
  if token and string.sub(token, 1, #prefix) == prefix then out[#out + 1] = redis.call('HGETALL', taskKey(id)) end
end
return out
`,
  // ARGV: id, now
  retry: String.raw`
local id, now = ARGV[1], ARGV[2]
local key = taskKey(id)
local state = redis.call('HGET', key, 'state')
if state == false then return -1 end
if state ~= 'dead' and state ~= 'failed' then return 0 end
redis.call('HSET', key, 'state', 'pending', 'attempts', 0, 'nextRunAt', now, 'updatedAt', now)
redis.call('HDEL', key, 'deadReason', 'leaseToken', 'leaseUntil')
redis.call('ZADD', B .. 'due', now, id)
redis.call('ZADD', B .. 'age', redis.call('HGET', key, 'deferredAt'), id)
move(id, redis.call('HGET', key, 'seq'), state, 'pending')
return 1
`,
  // ARGV: state (not running)
  purge: String.raw`
local set = B .. 'state:' .. ARGV[1]
local ids = redis.call('ZRANGE', set, 0, -1)
for _, id in ipairs(ids) do
  redis.call('DEL', taskKey(id))
  redis.call('ZREM', B .. 'all', id)
  redis.call('ZREM', B .. 'due', id)
  redis.call('ZREM', B .. 'age', id)
  redis.call('ZREM', B .. 'expire', id)
end
redis.call('DEL', set)
return #ids
`,
  // ARGV: id
  get: String.raw`
return redis.call('HGETALL', taskKey(ARGV[1]))
`,
  // ARGV: state ('' for every state), limit
  list: String.raw`
local set = ARGV[1] == '' and (B .. 'all') or (B .. 'state:' .. ARGV[1])
local out = {}
for _, id in ipairs(redis.call('ZRANGE', set, 0, tonumber(ARGV[2]) - 1)) do
  local task = redis.call('HGETALL', taskKey(id))
  if #task > 0 then out[#out + 1] = task end
end
return out
`,
  counts: String.raw`
local out = {}
for i, state in ipairs(STATES) do out[i] = redis.call('ZCARD', B .. 'state:' .. state) end
return out
`,
  oldest: String.raw`
return redis.call('ZRANGE', B .. 'age', 0, 0, 'WITHSCORES')[2] or ''
`,
  nextDue: String.raw`
return redis.call('ZRANGE', B .. 'due', 0, 0, 'WITHSCORES')[2] or ''
`,
  // The earliest deadline of a task still to do, as stored ('' when none has one). Deadlines
  // have no index: it reads every waiting task's hash (read-only, O(tasks still to do)).
  nearestDeadline: String.raw`
local best, text = nil, ''
for _, id in ipairs(redis.call('ZRANGE', B .. 'age', 0, -1)) do
  local d = redis.call('HGET', taskKey(id), 'deadlineAt')
  local n = d and tonumber(d)
  if n and (best == nil or n < best) then best, text = n, d end
end
return text
`,
};

function script(name: QueueOperation): QueueScript {
  const source = PRELUDE + BODIES[name];
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

export const QUEUE_SCRIPTS: { readonly [K in QueueOperation]: QueueScript } = Object.freeze(
  Object.fromEntries((Object.keys(BODIES) as QueueOperation[]).map((name) => [name, script(name)])) as { [K in QueueOperation]: QueueScript },
);
