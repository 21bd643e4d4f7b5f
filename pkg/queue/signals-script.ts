/**
 * One Lua call that reads a BullMQ queue's state (BullMQ 5/6 key layout):
 *
 * - `wait`, `paused` (legacy, pre-v5 pause), `active`: lists of job ids.
 *   Producers LPUSH (FIFO) or RPUSH (LIFO); workers RPOPLPUSH from the tail.
 * - `prioritized`: zset, score `priority * 2^32 + counter`: the first entry is
 *   the highest priority, and the oldest of a priority band is the band's first.
 * - `delayed`: zset, score `readyTime * 0x1000 + seq`. Due entries (readyTime
 *   <= now) are promoted only when a worker asks for work, so with zero
 *   workers they wait here: they are counted as ready.
 * - `meta` hash: field `paused` present while the queue is paused.
 * - job hash `<prefix>:<queue>:<id>`: `timestamp` (producer clock), `opts`
 *   (JSON, `delay` = the original delay; the hash's `delay` field is reset to 0
 *   on promotion), `processedOn` (start of the latest attempt).
 *
 * Ready time of a job in `wait`/`prioritized`: `max(timestamp + opts.delay,
 * processedOn)` — `processedOn` covers retried and stalled jobs, which became
 * ready again after their last attempt started (an upper bound of their age).
 * Ready time of a due delayed job: its score / 0x1000 (exact, also for retries
 * with backoff).
 *
 * KEYS: wait, paused, prioritized, delayed, active, waiting-children,
 *       completed, failed, meta
 * ARGV: now (ms), job key prefix (`bull:render:`), max priority bands to scan
 * Returns: { waiting, paused, prioritized, delayed, delayedDue, active,
 *            waitingChildren, completed, failed, isPaused, oldestReadyAt|-1 }
 */
export const SIGNALS_LUA = `
local rcall = redis.call
local now = tonumber(ARGV[1])
local jobPrefix = ARGV[2]
local maxBands = tonumber(ARGV[3])
local BAND = 4294967296
local oldest = nil

local function consider(t)
  if t and (oldest == nil or t < oldest) then oldest = t end
end

local function readyAt(jobId)
  if not jobId then return nil end
  local v = rcall("HMGET", jobPrefix .. jobId, "timestamp", "opts", "processedOn")
  local ts = tonumber(v[1])
  if not ts then return nil end
  local ready = ts
  if v[2] then
    local ok, opts = pcall(cjson.decode, v[2])
    if ok and type(opts) == "table" and tonumber(opts["delay"]) then ready = ts + tonumber(opts["delay"]) end
  end
  local processedOn = tonumber(v[3])
  if processedOn and processedOn > ready then ready = processedOn end
  return ready
end

-- A list's length and its oldest-ready candidates (both ends), skipping a
-- legacy "0:" marker at the tail (BullMQ < 5).
local function readList(key)
  local n = rcall("LLEN", key)
  if n == 0 then return 0 end
  local tailIndex = -1
  local tail = rcall("LINDEX", key, -1)
  if tail and string.sub(tail, 1, 2) == "0:" then
    n = n - 1
    tailIndex = -2
    tail = nil
    if n > 0 then tail = rcall("LINDEX", key, tailIndex) end
  end
  if n > 0 then
    consider(readyAt(tail))
    if n > 1 then consider(readyAt(rcall("LINDEX", key, 0))) end
  end
  return n
end

local waiting = readList(KEYS[1])
local paused = readList(KEYS[2])

local prioritized = rcall("ZCARD", KEYS[3])
if prioritized > 0 then
  local lo = 0
  for _ = 1, maxBands do
    local r = rcall("ZRANGEBYSCORE", KEYS[3], string.format("%.0f", lo), "+inf", "WITHSCORES", "LIMIT", 0, 1)
    if #r == 0 then break end
    consider(readyAt(r[1]))
    lo = (math.floor(tonumber(r[2]) / BAND) + 1) * BAND
  end
end

local delayed = rcall("ZCARD", KEYS[4])
local delayedDue = 0
if delayed > 0 then
  delayedDue = rcall("ZCOUNT", KEYS[4], 0, string.format("%.0f", (now + 1) * 0x1000 - 1))
  if delayedDue > 0 then
    local first = rcall("ZRANGE", KEYS[4], 0, 0, "WITHSCORES")
    consider(math.floor(tonumber(first[2]) / 0x1000))
  end
end

local active = rcall("LLEN", KEYS[5])
local waitingChildren = rcall("ZCARD", KEYS[6])
local completed = rcall("ZCARD", KEYS[7])
local failed = rcall("ZCARD", KEYS[8])
local isPaused = rcall("HEXISTS", KEYS[9], "paused")

local oldestOut = "-1"
if oldest then oldestOut = string.format("%.0f", oldest) end
return { waiting, paused, prioritized, delayed, delayedDue, active, waitingChildren, completed, failed, isPaused, oldestOut }
`;
