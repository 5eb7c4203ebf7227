package store

// The scripts of a containment with an end (isolate or restrict "for <duration>"). Its state
// lives in the request's own record, next to the approval it was given under, so that each
// script touches one key like every other transition (approvals_lua.go): the release is claimed
// in that record with a lease, and the timed index (approvals_index.go) only says when to look.
// Every decision by time is the server's (approvals_lua.go): contain_until, release_lease and
// reminded_until are for people and for the timed index, until_srv and release_lease_srv decide
// (a record written before they existed falls back to the former).
// Fields: contain_until (ms), until_srv (ms, server time), release_state (scheduled, releasing, released, skipped, failed,
// cancelled, superseded), release_owner, release_lease and release_lease_srv (the claim), release_attempts,
// release_action, release_status, release_result, release_at, release_by, release_reason,
// reminded_until (the end a reminder was posted for), extensions and one ext:<request> per
// extension applied.
//
// Codes beyond the transition codes: "release" (this caller claimed the release: send it),
// "remind" (this caller posts the reminder), "poll" (this caller looks at the release's Defender
// action), "held" (another replica holds the release and its lease runs), "limit" (an extension
// would go past the longest containment).

// timedPreamble defines srv_field(f, old): the server-time field f, or the caller-time field
// old of a record written before f existed.
const timedPreamble = approvalPreamble + srvClock + `
local function srv_field(f, old)
  return tonumber(redis.call('HGET', K, f) or redis.call('HGET', K, old))
end
`

// timedTickScript: ARGV owner, now, lease, reminder lead, poll interval (ms), clock. One look at
// a timed containment: claim its release when due (or take over a claim whose lease ran out),
// claim its reminder once per end, or claim the next look at its release's Defender action.
// Due, lapsed and next are judged by the server's clock (AT); now only goes on the record.
const timedTickScript = timedPreamble + `
local OWNER, NOW, LEASE, LEAD, POLL = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local AT = clock_ms(ARGV[6])
local rs = redis.call('HGET', K, 'release_state')
if blank(rs) then
  if state == 'pending' or state == 'approved' or state == 'executing' then return snap('early') end
  return snap('closed')
end
local function claim()
  redis.call('HSET', K, 'release_state', 'releasing', 'release_owner', OWNER, 'release_lease', NOW + LEASE,
    'release_lease_srv', AT + LEASE)
  redis.call('HINCRBY', K, 'release_attempts', 1)
  return snap('release')
end
if rs == 'scheduled' then
  local u = redis.call('HGET', K, 'contain_until')
  local us = srv_field('until_srv', 'contain_until')
  if AT >= us then return claim() end
  if AT >= us - LEAD and redis.call('HGET', K, 'reminded_until') ~= u then
    redis.call('HSET', K, 'reminded_until', u)
    return snap('remind')
  end
  return snap('early')
end
if rs == 'releasing' then
  if AT < srv_field('release_lease_srv', 'release_lease') then return snap('held') end
  return claim()
end
if rs == 'released' and not blank(redis.call('HGET', K, 'release_action')) and not final_status(redis.call('HGET', K, 'release_status')) then
  if AT < tonumber(redis.call('HGET', K, 'release_next_poll') or '0') then return snap('early') end
  redis.call('HSET', K, 'release_next_poll', AT + POLL)
  return snap('poll')
end
return snap('closed')`

// releaseDoneScript: ARGV owner, state (released, skipped, failed), action, status, result,
// now, retention. Only the holder of the release claim records its outcome.
const releaseDoneScript = approvalPreamble + `
if redis.call('HGET', K, 'release_state') ~= 'releasing' or redis.call('HGET', K, 'release_owner') ~= ARGV[1] then return snap('closed') end
redis.call('HSET', K, 'release_state', ARGV[2], 'release_action', ARGV[3], 'release_status', ARGV[4],
  'release_result', ARGV[5], 'release_at', ARGV[6])
redis.call('PEXPIRE', K, ARGV[7])
return snap('changed')`

// releaseRetryScript: ARGV owner, retry at (ms, the caller's), result, retry after (ms), clock.
// The holder gives the release back for retry after (by the server's clock); whichever replica
// looks then claims it again.
const releaseRetryScript = timedPreamble + `
if redis.call('HGET', K, 'release_state') ~= 'releasing' or redis.call('HGET', K, 'release_owner') ~= ARGV[1] then return snap('closed') end
redis.call('HSET', K, 'release_lease', ARGV[2], 'release_result', ARGV[3],
  'release_lease_srv', clock_ms(ARGV[5]) + tonumber(ARGV[4]))
return snap('changed')`

// releaseStatusScript: ARGV status, now, retention. Follows the release's Defender action.
const releaseStatusScript = approvalPreamble + `
if redis.call('HGET', K, 'release_state') ~= 'released' or blank(redis.call('HGET', K, 'release_action')) then return snap('closed') end
local cur = redis.call('HGET', K, 'release_status')
if final_status(cur) then return snap('closed') end
if cur == ARGV[1] then return snap('same') end
redis.call('HSET', K, 'release_status', ARGV[1])
redis.call('PEXPIRE', K, ARGV[3])
return snap('changed')`

// extendScript: ARGV extension request, add (ms), now, longest (ms), retention, clock. Moves the
// end once per extension request, while the release is still only scheduled, and never further
// than longest from now by the server's clock.
const extendScript = timedPreamble + `
if redis.call('HGET', K, 'release_state') ~= 'scheduled' then return snap('closed') end
if redis.call('HEXISTS', K, 'ext:' .. ARGV[1]) == 1 then return snap('again') end
local add, at = tonumber(ARGV[2]), clock_ms(ARGV[6])
local nu = tonumber(redis.call('HGET', K, 'contain_until')) + add
local ns = srv_field('until_srv', 'contain_until') + add
if ns > at + tonumber(ARGV[4]) then return snap('limit') end
redis.call('HSET', K, 'ext:' .. ARGV[1], ARGV[3], 'contain_until', nu, 'until_srv', ns)
redis.call('HINCRBY', K, 'extensions', 1)
redis.call('PEXPIRE', K, ns - at + tonumber(ARGV[5]))
return snap('changed')`

// stopReleaseScript: ARGV new state (cancelled or superseded), by, reason, now, retention. Stops
// a scheduled release: it was cancelled, or the device was released early by another request.
const stopReleaseScript = approvalPreamble + `
if redis.call('HGET', K, 'release_state') ~= 'scheduled' then return snap('closed') end
redis.call('HSET', K, 'release_state', ARGV[1], 'release_by', ARGV[2], 'release_reason', ARGV[3], 'release_at', ARGV[4])
redis.call('PEXPIRE', K, ARGV[5])
return snap('changed')`
