import { createHash } from 'node:crypto';
import type { ResolvedRedisStoreOptions } from '../options.js';

/**
 * The store's operations as Redis Lua scripts, one atomic script per operation. They port
 * `InMemoryOverloadStore` line for line (`AdaptiveRate`, `RateLimitPause`, `RetryBudget` and
 * its `WindowedCounter` ring of 10 slices), so a shared store answers what one process
 * would answer had it made every call of the fleet itself.
 *
 * One hash per model holds the state. A field that is absent has its initial value:
 * `rate` +∞ (calm); `anchor`, `cutAt`, `lastSlot`, `pauseUntil`, `circuitUntil` −∞; ring slices and heads 0.
 * Numbers are stored with `%.17g`, so they round-trip exactly (Lua's own number-to-string
 * keeps 14 digits, which would lose a millisecond timestamp's fraction).
 *
 * ARGV: 1 now in ms ('' → Redis `TIME`, the fleet's one clock), 2-8 the rate options,
 * 9-11 the budget options, 12 retention in ms, 13 the operation's argument.
 */
const PRELUDE = String.raw`
if redis.replicate_commands then redis.replicate_commands() end
local KEY = KEYS[1]
local INF = math.huge
local SLICES = 10
local MAX_TTL_MS = 315360000000

local function arg(i)
  local v = tonumber(ARGV[i])
  if v == nil or v ~= v then error('stormwatch: argument ' .. i .. ' is not a number') end
  return v
end

local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
else
  now = arg(1)
end
local MIN_RATE, DECREASE_FACTOR, COOLDOWN_MS, DOUBLING_MS = arg(2), arg(3), arg(4), arg(5)
local CALM_AFTER_MS, OBSERVE_WINDOW_MS, CALM_RATE = arg(6), arg(7), arg(8)
local RATIO, MIN_RETRIES_PER_SECOND, BUDGET_WINDOW_MS = arg(9), arg(10), arg(11)
local RETENTION_MS = arg(12)

local function initial(field)
  if field == 'rate' then return INF end
  if field == 'anchor' or field == 'cutAt' or field == 'lastSlot' or field == 'pauseUntil' or field == 'circuitUntil' then return -INF end
  return 0
end

local state, dirty = {}, {}
local exists = false
local raw = redis.call('HGETALL', KEY)
for i = 1, #raw, 2 do
  local v = tonumber(raw[i + 1])
  if v == nil or v ~= v or v == INF or v == -INF then
    return redis.error_reply('STORMWATCH_MALFORMED field ' .. raw[i] .. ' of ' .. KEY .. ' is not a finite number')
  end
  state[raw[i]] = v
  exists = true
end

local function get(field)
  local v = state[field]
  if v == nil then return initial(field) end
  return v
end

local function put(field, v)
  state[field] = v
  dirty[field] = true
end

local function fmt(v)
  if v == INF then return 'Infinity' end
  return string.format('%.17g', v)
end

-- Writes what changed (a field back at its initial value is deleted) and sets the TTL:
-- the key outlives its last slot and its pause by RETENTION_MS, after which a fresh key
-- answers exactly what the old state would have.
local function flush()
  local sets, dels = {}, {}
  for field in pairs(dirty) do
    local v = state[field]
    if v == initial(field) then dels[#dels + 1] = field
    else
      sets[#sets + 1] = field
      sets[#sets + 1] = string.format('%.17g', v)
    end
  end
  if #dels > 0 then redis.call('HDEL', KEY, unpack(dels)) end
  if #sets > 0 then redis.call('HSET', KEY, unpack(sets)) end
  local horizon = math.max(now, get('lastSlot'), get('pauseUntil'), get('circuitUntil'))
  local ttl = math.min(MAX_TTL_MS, math.ceil(horizon - now + RETENTION_MS))
  redis.call('PEXPIRE', KEY, string.format('%d', ttl))
end

-- WindowedCounter: a sum over a sliding window kept in SLICES fixed slices (a ring).
local function roll(ring, windowMs, t)
  local slice = math.floor(t / (windowMs / SLICES))
  local head = get(ring .. ':h')
  if slice <= head then return end
  for s = math.max(head + 1, slice - SLICES + 1), slice do put(ring .. ':' .. (s % SLICES), 0) end
  put(ring .. ':h', slice)
end

local function add(ring, windowMs, t, amount)
  roll(ring, windowMs, t)
  local field = ring .. ':' .. (get(ring .. ':h') % SLICES)
  put(field, get(field) + amount)
end

local function sum(ring, windowMs, t)
  roll(ring, windowMs, t)
  local total = 0
  for i = 0, SLICES - 1 do total = total + get(ring .. ':' .. i) end
  return total
end

-- AdaptiveRate
local function observedRate(t)
  return sum('admitted', OBSERVE_WINDOW_MS, t) / (OBSERVE_WINDOW_MS / 1000)
end

local function rate(t)
  local base = get('rate')
  if base == INF then return INF end
  local grown = base * 2 ^ (math.max(0, t - get('anchor')) / DOUBLING_MS)
  if t - get('cutAt') >= CALM_AFTER_MS and grown >= math.max(CALM_RATE, 2 * observedRate(t)) then
    put('rate', INF)
    return INF
  end
  return grown
end

local function nextSlot(t)
  local r = rate(t)
  if r == INF then return math.max(t, get('pauseUntil')) end
  return math.max(t, get('pauseUntil'), get('lastSlot') + 1000 / r)
end
`;

const BODIES = {
  // The next slot: due now while calm, else 1 / rate after the last, never before a pause ends.
  reserveSlot: String.raw`
local due = nextSlot(now)
if due > now then return fmt(due - now) end
put('lastSlot', now)
add('admitted', OBSERVE_WINDOW_MS, now, 1)
flush()
return fmt(0)
`,
  recordCalls: String.raw`
add('admitted', OBSERVE_WINDOW_MS, now, arg(13))
put('lastSlot', math.max(get('lastSlot'), now))
local due = nextSlot(now)
flush()
return fmt(due - now)
`,
  reportOverload: String.raw`
if now - get('cutAt') >= COOLDOWN_MS and now - arg(13) >= get('cutAt') then
  local r = rate(now)
  local observed = observedRate(now)
  local current
  if r == INF then current = math.max(observed, CALM_RATE) else current = math.min(r, observed) end
  put('rate', math.max(MIN_RATE, current * DECREASE_FACTOR))
  put('anchor', now)
  put('cutAt', now)
end
flush()
return 'ok'
`,
  pause: String.raw`
local untilAt = now + arg(13)
if untilAt < INF and untilAt > get('pauseUntil') then put('pauseUntil', untilAt) end
flush()
return 'ok'
`,
  // The latest verdict of any process's breaker: open for ms from now, or closed (0).
  setCircuit: String.raw`
local ms = arg(13)
if ms > 0 and ms < INF then put('circuitUntil', now + ms)
elseif ms == 0 then put('circuitUntil', -INF) end
flush()
return 'ok'
`,
  // Reads; a model found calm again is written calm, as AdaptiveRate.rate does (no later
  // answer depends on it, but the state stays the reference's). A model nobody wrote is
  // not created.
  pace: String.raw`
if not exists then return { 'Infinity', '0', '0' } end
local r = rate(now)
local paused = math.max(0, get('pauseUntil') - now)
local open = math.max(0, get('circuitUntil') - now)
flush()
return { fmt(r), fmt(paused), fmt(open) }
`,
  deposit: String.raw`
for _ = 1, arg(13) do add('deposits', BUDGET_WINDOW_MS, now, RATIO) end
flush()
return 'ok'
`,
  tryWithdraw: String.raw`
local reserve = (MIN_RETRIES_PER_SECOND * BUDGET_WINDOW_MS) / 1000
local balance = reserve + sum('deposits', BUDGET_WINDOW_MS, now) - sum('withdrawals', BUDGET_WINDOW_MS, now)
if balance < 1 then
  flush()
  return '0'
end
add('withdrawals', BUDGET_WINDOW_MS, now, 1)
flush()
return '1'
`,
} as const;

/** The name of a store operation that runs as a script. */
export type ScriptName = keyof typeof BODIES;

/** A script's source and the SHA1 that `EVALSHA` names it by. */
export interface Script {
  readonly name: ScriptName;
  readonly source: string;
  readonly sha: string;
}

function script(name: ScriptName): Script {
  const source = `-- stormwatch ${name}\n${PRELUDE}\n${BODIES[name]}`;
  return Object.freeze({ name, source, sha: createHash('sha1').update(source).digest('hex') });
}

/** Every script, by operation. */
export const SCRIPTS: { readonly [K in ScriptName]: Script } = Object.freeze({
  reserveSlot: script('reserveSlot'),
  recordCalls: script('recordCalls'),
  reportOverload: script('reportOverload'),
  pause: script('pause'),
  setCircuit: script('setCircuit'),
  pace: script('pace'),
  deposit: script('deposit'),
  tryWithdraw: script('tryWithdraw'),
});

/** ARGV 2-12: the rules, the same for every operation. */
export function ruleArguments(options: ResolvedRedisStoreOptions): readonly string[] {
  const { rate, budget } = options;
  return [
    rate.minRate,
    rate.decreaseFactor,
    rate.decreaseCooldownMs,
    rate.doublingMs,
    rate.calmAfterMs,
    rate.observeWindowMs,
    rate.calmRate,
    budget.ratio,
    budget.minRetriesPerSecond,
    budget.windowMs,
    options.retentionMs,
  ].map(String);
}
