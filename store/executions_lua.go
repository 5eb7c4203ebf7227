package store

// The execution of an approved request is held by a lease: a key of its own (KEYS[2], next to
// the record and under the same hash tag) whose value is the owner and whose TTL runs on the
// Redis server. The owner renews it while it works; when the owner dies (kill -9, node loss) the
// key expires and another replica takes the execution over. Whether a lease ran out, and how
// long ago a request was approved, are decided here by the server's own clock (the TTL, and
// TIME), never by a replica's: replicas' clocks may disagree, the server is one.
//
// TIME is non-deterministic; a script may still write after calling it because scripts are
// replicated by their effects, the default since Redis 5 and the only mode since Redis 7
// (redis.io, EVAL, "Replicating commands instead of scripts": "starting with Redis 5, the
// replication method described in this section (scripts effects replication) is the default";
// redis/redis#9812 removed verbatim script replication). The embedded server (miniredis)
// answers TIME from its clock and lets such scripts write.

// srvClock defines srv_ms(): the Redis server's time in Unix milliseconds, and clock_ms(arg):
// the clock that decides expiry, the release of a containment, its lease and the pace of polls
// (approvals_lua.go, timed_lua.go). clock_ms is srv_ms, unless arg, the clock argument Store.clock
// passed, is above 0: a store made WithCallerClockForTests passes its caller's clock there, so
// that tests and the demo compress time with an injected clock; `mdebot run` never does.
const srvClock = `
local function srv_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function clock_ms(arg)
  local c = tonumber(arg)
  if c and c > 0 then return c end
  return srv_ms()
end
`

// execPreamble is the preamble of the scripts over a record (KEYS[1]) and its lease (KEYS[2]).
const execPreamble = approvalPreamble + srvClock + `
local L = KEYS[2]
local function start(owner, now, ret, lease)
  redis.call('HSET', K, 'state', 'executing', 'executor', owner, 'executed_at', now, 'lease_from', srv_ms())
  redis.call('PEXPIRE', K, ret)
  redis.call('SET', L, owner, 'PX', lease)
end
`

// execClaimScript: ARGV owner, now, retention, lease. approved -> executing, once; the winner
// holds the lease.
const execClaimScript = execPreamble + `
if state ~= 'approved' then return snap('closed') end
start(ARGV[1], ARGV[2], ARGV[3], ARGV[4])
return snap('changed')`

// execRenewScript: ARGV owner, lease. Extends the owner's lease while it holds it; a lease that
// ran out, or that another replica took, is lost for good ("closed").
const execRenewScript = execPreamble + `
if state ~= 'executing' or redis.call('HGET', K, 'executor') ~= ARGV[1] or redis.call('GET', L) ~= ARGV[1] then
  return snap('closed')
end
redis.call('PEXPIRE', L, ARGV[2])
return snap('same')`

// execTakeoverScript: ARGV owner, now, retention, lease, start grace, late (ms).
//   - approved, approved (server time) less than the start grace ago: "early" (the replica that
//     approved it is starting it); more than late ago: "late" (never started, too old to run
//     now); otherwise it starts for owner: "started".
//   - executing with a live lease: "early"; with none: owner takes it over: "taken".
//   - anything else: "closed".
const execTakeoverScript = execPreamble + `
if state == 'approved' then
  local at = tonumber(redis.call('HGET', K, 'approved_srv') or '0')
  local age = srv_ms() - at
  if at > 0 and age < tonumber(ARGV[5]) then return snap('early') end
  if at > 0 and age >= tonumber(ARGV[6]) then return snap('late') end
  start(ARGV[1], ARGV[2], ARGV[3], ARGV[4])
  return snap('started')
end
if state ~= 'executing' then return snap('closed') end
if redis.call('EXISTS', L) == 1 then return snap('early') end
redis.call('HSET', K, 'executor', ARGV[1], 'lease_from', srv_ms())
redis.call('HINCRBY', K, 'takeovers', 1)
redis.call('SET', L, ARGV[1], 'PX', ARGV[4])
return snap('taken')`

// execFinishScript: ARGV owner, then finishFields (ARGV[2..10]). Only the current owner of the
// execution finishes it; its lease goes with it.
const execFinishScript = execPreamble + `
if state ~= 'executing' or redis.call('HGET', K, 'executor') ~= ARGV[1] then return snap('closed') end
redis.call('DEL', L)
` + finishFields
