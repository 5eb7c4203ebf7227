package store

// The rate budgets that every replica shares are token buckets kept as GCRA: one number per
// bucket, its theoretical arrival time (TAT, Unix microseconds), in a hash per family (KEYS[1],
// fields s<i> and r<i>: window i's shared part and its reserve). A bucket of burst B that
// refills one call every E lets a call through at t when TAT - B*E <= t, and the call moves the
// TAT to max(TAT, t) + E: the same arithmetic as golang.org/x/time/rate's token bucket, which the
// local budget uses, so a shared budget enforces exactly what the local one does. The Retry-After
// pause that every replica honours is KEYS[2]; the replicas seen in the last two minutes (for
// the local share when Redis cannot be reached) are KEYS[3]. All three share the API's hash tag.
//
// The clock is the Redis server's TIME (srv_ms's reasoning, executions_lua.go), or the caller's
// in tests (ARGV[1] > 0). Numbers written back go through fmt(): Redis's Lua turns a number
// into a string with "%.14g", which would round a microsecond timestamp (16 digits).

// budgetPreamble: now (µs), the hash's TATs, and helpers.
const budgetPreamble = `
local function fmt(v) return string.format('%.0f', math.floor(v)) end
local now = tonumber(ARGV[1])
if not now or now <= 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local tats = {}
local flat = redis.call('HGETALL', KEYS[1])
for i = 1, #flat, 2 do tats[flat[i]] = tonumber(flat[i + 1]) end
local function tat(f) return tats[f] or 0 end
`

// budgetTakeScript: ARGV now, reserved (1/0), max wait µs (-1: no limit), replica id, window
// count n, then per window: shared burst, shared every µs, reserve burst (0: none), reserve
// every µs. It takes one call from every window, at once or scheduled ahead (like a
// rate.Reservation), after the pause: a reserved call takes a window's reserve when that has a
// call now, else the shared part. When the call would wait longer than the max wait, nothing is
// written. Returns {granted 1/0, wait µs, from the reserve 1/0, replicas}.
const budgetTakeScript = budgetPreamble + `
local reserved, maxw, n = ARGV[2] == '1', tonumber(ARGV[3]), tonumber(ARGV[5])
local at = math.max(now, tonumber(redis.call('GET', KEYS[2]) or '0'))
local function take(f, burst, every)
  local new = math.max(tat(f), at) + every
  return math.max(0, new - burst * every - at), new
end
local writes, delay, fromres = {}, 0, 0
for i = 0, n - 1 do
  local a = 6 + i * 4
  local sb, se, rb, re = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local done = false
  if reserved and rb > 0 then
    local w, new = take('r' .. i, rb, re)
    if w == 0 then writes['r' .. i], fromres, done = new, 1, true end
  end
  if not done then
    local w, new = take('s' .. i, sb, se)
    writes['s' .. i], delay = new, math.max(delay, w)
  end
end
redis.call('ZADD', KEYS[3], fmt(now), ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', fmt(now - 120000000))
redis.call('PEXPIRE', KEYS[3], 120000)
local replicas = redis.call('ZCARD', KEYS[3])
local total = at - now + delay
if maxw >= 0 and total > maxw then return {0, total, fromres, replicas} end
local far = now
for f, v in pairs(tats) do far = math.max(far, v) end
for f, v in pairs(writes) do
  redis.call('HSET', KEYS[1], f, fmt(v))
  far = math.max(far, v)
end
-- Once every TAT is past, the buckets are full: the hash may go.
redis.call('PEXPIRE', KEYS[1], math.floor((far - now) / 1000) + 1000)
return {1, total, fromres, replicas}
`

// budgetLevelsScript: ARGV now, window count n, then per window the four numbers of the take
// script. Returns per window the calls its buckets let through now without waiting (shared
// part and reserve together), the pause ignored.
const budgetLevelsScript = budgetPreamble + `
local n = tonumber(ARGV[2])
local function level(f, burst, every)
  if burst <= 0 then return 0 end
  return math.max(0, math.min(burst, math.floor((now - (tat(f) - burst * every)) / every)))
end
local out = {}
for i = 0, n - 1 do
  local a = 3 + i * 4
  out[#out + 1] = level('s' .. i, tonumber(ARGV[a]), tonumber(ARGV[a + 1])) + level('r' .. i, tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]))
end
return out
`

// budgetPauseScript: ARGV now, pause µs. Pauses every replica's calls for the pause (a
// Retry-After), unless a longer pause is already set.
const budgetPauseScript = `
local function fmt(v) return string.format('%.0f', math.floor(v)) end
local now = tonumber(ARGV[1])
if not now or now <= 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local til = now + tonumber(ARGV[2])
if til > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], fmt(til), 'PX', math.floor(tonumber(ARGV[2]) / 1000) + 1000)
end
return 1
`
