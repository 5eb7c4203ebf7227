package store

import "github.com/redis/go-redis/v9"

// Every change to an approval is one of these scripts: each touches only the
// request's own key (KEYS[1]), and the execution scripts its lease too
// (executions_lua.go, same hash tag), so it is atomic on a single server and
// in Cluster alike, and concurrent callers on any replica see exactly one
// winner. Times written to the record for people to read (created, expires,
// decided_at, votes, contain_until ...) come from the caller (ARGV, Unix
// milliseconds) so that one injected clock shows on the cards. Every decision
// by time is the server's (TTLs and TIME, executions_lua.go), never a
// replica's, whose clock may be far off: a request's expiry (expires_srv), the
// end of a containment (until_srv), a release claim's lease
// (release_lease_srv), the pace of polls, the execution lease and how long ago
// a request was approved. The caller gives durations, the script adds them to
// the server's time. No script writes to a missing key: a write would create a
// key without a TTL.
//
// Transition scripts answer {code, HGETALL}: the outcome and the record as
// it is after the script ran. Codes: "missing" (no such request), "changed"
// (the transition happened), "approved" and "counted" (a vote completed the
// quorum, or was recorded), "expired" (this call found it past its expiry and
// expired it), "closed" (not in a state the transition starts from), "own"
// (the requester voted), "again" (a second vote or cancel by the same
// person), "early" (not due yet), "same" (nothing to change).

// approvalPreamble defines the helpers every transition script uses.
const approvalPreamble = `
local K = KEYS[1]
local function snap(code) return {code, redis.call('HGETALL', K)} end
local function blank(v) return v == false or v == '' end
local function final_status(s)
  return s == 'Succeeded' or s == 'Failed' or s == 'TimeOut' or s == 'Cancelled'
end
if redis.call('EXISTS', K) == 0 then return {'missing', {}} end
local state = redis.call('HGET', K, 'state')
`

// createScript: ARGV[1] is the TTL in ms, ARGV[2] how long the request stays
// open (ms), ARGV[3] the clock argument, the rest field/value pairs. Returns 1
// when created, 0 when the id is taken.
const createScript = srvClock + `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('HSET', KEYS[1], 'expires_srv', clock_ms(ARGV[3]) + tonumber(ARGV[2]))
if redis.call('HGET', KEYS[1], 'state') == 'approved' then redis.call('HSET', KEYS[1], 'approved_srv', srv_ms()) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`

// cardScript: ARGV channel, ts. Returns 1 when set, 0 when missing.
const cardScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'card_channel', ARGV[1], 'card_ts', ARGV[2])
return 1`

// pastExpiry(at) reports whether a request is past its expiry at server time
// at. A record written before expires_srv existed falls back to expires.
const pastExpiry = `
local function past_expiry(at)
  return at >= tonumber(redis.call('HGET', K, 'expires_srv') or redis.call('HGET', K, 'expires'))
end
`

// expireIfDue is shared by the vote and deny scripts: a pending request
// past its expiry (by the server's clock) expires on the spot. The including
// script sets the locals NOW (the caller's time, Unix ms, for the record),
// RET (the retention TTL in ms) and CLK (the clock argument) first.
const expireIfDue = pastExpiry + `
if state ~= 'pending' then return snap('closed') end
if past_expiry(clock_ms(CLK)) then
  redis.call('HSET', K, 'state', 'expired', 'decided_at', NOW, 'reason', 'no decision before the request expired')
  redis.call('PEXPIRE', K, RET)
  return snap('expired')
end
`

// voteScript: ARGV user, now, retention, clock.
const voteScript = approvalPreamble + srvClock + `
local NOW, RET, CLK = ARGV[2], ARGV[3], ARGV[4]
` + expireIfDue + `
if redis.call('HGET', K, 'requester') == ARGV[1] then return snap('own') end
if redis.call('HEXISTS', K, 'vote:' .. ARGV[1]) == 1 then return snap('again') end
redis.call('HSET', K, 'vote:' .. ARGV[1], NOW)
local n = redis.call('HINCRBY', K, 'nvotes', 1)
if n >= tonumber(redis.call('HGET', K, 'required')) then
  redis.call('HSET', K, 'state', 'approved', 'decided_at', NOW, 'approved_srv', srv_ms())
  redis.call('PEXPIRE', K, RET)
  return snap('approved')
end
return snap('counted')`

// denyScript: ARGV user, reason, now, retention, clock.
const denyScript = approvalPreamble + srvClock + `
local NOW, RET, CLK = ARGV[3], ARGV[4], ARGV[5]
` + expireIfDue + `
redis.call('HSET', K, 'state', 'denied', 'decided_by', ARGV[1], 'reason', ARGV[2], 'decided_at', NOW)
redis.call('PEXPIRE', K, RET)
return snap('changed')`

// expireScript: ARGV now, retention, reason, clock.
const expireScript = approvalPreamble + srvClock + pastExpiry + `
if state ~= 'pending' then return snap('closed') end
if not past_expiry(clock_ms(ARGV[4])) then return snap('early') end
redis.call('HSET', K, 'state', 'expired', 'decided_at', ARGV[1], 'reason', ARGV[3])
redis.call('PEXPIRE', K, ARGV[2])
return snap('changed')`

// finishFields sets the outcome of an execution from ARGV[2..7]: state,
// action id, action status, already pending (0/1), result, now; ARGV[8] is the
// retention. ARGV[9], when above 0, is how long a containment lasts (ms): a
// done containment that made its own action schedules its release then, in
// the same step, so that no approved containment is ever left without its end
// (timed_lua.go), and the record is kept past that end: contain_until (the
// caller's now plus the hold, for the card) and until_srv (the server's time
// plus the hold, which decides). ARGV[10] is the clock argument.
const finishFields = `
redis.call('HSET', K, 'state', ARGV[2], 'action_id', ARGV[3], 'action_status', ARGV[4],
  'already_pending', ARGV[5], 'result', ARGV[6])
if ARGV[2] == 'failed' or final_status(ARGV[4]) then redis.call('HSET', K, 'finished_at', ARGV[7]) end
local ttl = tonumber(ARGV[8])
local hold = tonumber(ARGV[9] or '0')
if ARGV[2] == 'done' and ARGV[5] == '0' and hold > 0 and blank(redis.call('HGET', K, 'release_state')) then
  redis.call('HSET', K, 'release_state', 'scheduled', 'contain_until', tonumber(ARGV[7]) + hold,
    'until_srv', clock_ms(ARGV[10]) + hold)
  ttl = ttl + hold
end
redis.call('PEXPIRE', K, ttl)
return snap('changed')`

// statusScript: ARGV status, now, retention. Follows the MDE action of a
// done request; a final status never changes again.
const statusScript = approvalPreamble + `
if state ~= 'done' or blank(redis.call('HGET', K, 'action_id')) then return snap('closed') end
local cur = redis.call('HGET', K, 'action_status')
if final_status(cur) then return snap('closed') end
if cur == ARGV[1] then return snap('same') end
redis.call('HSET', K, 'action_status', ARGV[1])
if final_status(ARGV[1]) then redis.call('HSET', K, 'finished_at', ARGV[2]) end
redis.call('PEXPIRE', K, ARGV[3])
return snap('changed')`

// cancelClaimScript: ARGV user, reason, now. One cancel of a live action. It
// decides by state alone; now is only recorded (cancel_at).
const cancelClaimScript = approvalPreamble + `
if state ~= 'done' or blank(redis.call('HGET', K, 'action_id')) or final_status(redis.call('HGET', K, 'action_status')) then
  return snap('closed')
end
if redis.call('HEXISTS', K, 'cancel_by') == 1 then return snap('again') end
redis.call('HSET', K, 'cancel_by', ARGV[1], 'cancel_reason', ARGV[2], 'cancel_at', ARGV[3])
return snap('changed')`

// cancelReleaseScript: ARGV user. Gives a cancel claim back after MDE refused.
const cancelReleaseScript = approvalPreamble + `
if redis.call('HGET', K, 'cancel_by') ~= ARGV[1] then return snap('closed') end
redis.call('HDEL', K, 'cancel_by', 'cancel_reason', 'cancel_at')
return snap('changed')`

// pollScript: ARGV interval (ms), clock. Claims the next look at a followed action: at most one
// caller per interval of the server's clock, whichever replica it runs on (a replica whose
// clock ran a year ahead would otherwise hold every other one off for a year).
const pollScript = approvalPreamble + srvClock + `
if state ~= 'done' then return snap('closed') end
local at = clock_ms(ARGV[2])
local nxt = tonumber(redis.call('HGET', K, 'next_poll') or '0')
if at < nxt then return snap('early') end
redis.call('HSET', K, 'next_poll', at + tonumber(ARGV[1]))
return snap('changed')`

// packageScript: ARGV now. Marks the package link posted, once (HSETNX decides;
// now is only recorded).
const packageScript = approvalPreamble + `
if state ~= 'done' then return snap('closed') end
if redis.call('HSETNX', K, 'package_posted', ARGV[1]) == 0 then return snap('again') end
return snap('changed')`

// approvalScripts are the compiled scripts of a Store.
type approvalScripts struct {
	create, card, vote, deny, expire, status                    *redis.Script
	cancelClaim, cancelRelease, pkg, poll                       *redis.Script
	claim, renew, takeover, finish                              *redis.Script
	timedTick, releaseDone, releaseRetry, releaseStatus, extend *redis.Script
	stopRelease                                                 *redis.Script
}

func newApprovalScripts() approvalScripts {
	return approvalScripts{
		create:        redis.NewScript(createScript),
		card:          redis.NewScript(cardScript),
		vote:          redis.NewScript(voteScript),
		deny:          redis.NewScript(denyScript),
		expire:        redis.NewScript(expireScript),
		claim:         redis.NewScript(execClaimScript),
		renew:         redis.NewScript(execRenewScript),
		takeover:      redis.NewScript(execTakeoverScript),
		finish:        redis.NewScript(execFinishScript),
		status:        redis.NewScript(statusScript),
		cancelClaim:   redis.NewScript(cancelClaimScript),
		cancelRelease: redis.NewScript(cancelReleaseScript),
		pkg:           redis.NewScript(packageScript),
		poll:          redis.NewScript(pollScript),
		timedTick:     redis.NewScript(timedTickScript),
		releaseDone:   redis.NewScript(releaseDoneScript),
		releaseRetry:  redis.NewScript(releaseRetryScript),
		releaseStatus: redis.NewScript(releaseStatusScript),
		extend:        redis.NewScript(extendScript),
		stopRelease:   redis.NewScript(stopReleaseScript),
	}
}
