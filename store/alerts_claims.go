package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Claims and the writes after Slack's answers work on many records per script call (all of
// one channel, which share a hash tag): one call per keysPerCall records, and one round trip
// per call (see pipeWeight).
const keysPerCall = pipeWeight / scriptKeyWeight

// claimAlertsScript claims (alert, channel) notifications for posting or editing.
// ARGV: owner, clock (0: the server's TIME, see Store.clock), the caller's now (ms: only the
// attempt time, which bounds the later search of Slack history, so the earlier of the two
// clocks is kept), lease (ms), retention (ms), grace (ms: a pending claim of another owner may be
// taken over once its lease ended longer ago than this), then one digest per key. Whether a
// lease ended is decided by the server's clock, so a replica whose clock is far ahead cannot
// take a live claim over, nor one far behind keep others off its dead claim. Returns, per key,
// {outcome, the hash before the claim as a flat list}.
const claimAlertsScript = srvClock + `
local now = clock_ms(ARGV[2])
local attempt = math.min(now, tonumber(ARGV[3]))
local leaseEnd, cutoff = now + tonumber(ARGV[4]), now - tonumber(ARGV[6])
local out = {}
for i, k in ipairs(KEYS) do
  local digest = ARGV[6 + i]
  local prev = redis.call('HGETALL', k)
  local h = {}
  for j = 1, #prev, 2 do h[prev[j]] = prev[j + 1] end
  local outcome = 'claimed'
  if (h.s == 'posted' or h.s == 'failed') and h.d == digest then
    outcome = 'done'
  elseif h.s == 'pending' and h.o ~= ARGV[1] and tonumber(h.l or '0') > cutoff then
    outcome = 'busy'
  elseif h.s == 'pending' then
    if h.o ~= ARGV[1] then outcome = 'takeover' end
    redis.call('HSET', k, 'o', ARGV[1], 'l', leaseEnd, 'pd', digest)
    redis.call('PEXPIRE', k, ARGV[5])
  else
    redis.call('HSET', k, 's', 'pending', 'o', ARGV[1], 'l', leaseEnd, 'a', attempt, 'pd', digest)
    redis.call('PEXPIRE', k, ARGV[5])
  end
  out[i] = {outcome, prev}
end
return out`

// alertWritesScript applies the owner's writes after Slack answered. ARGV: owner, retention (ms),
// then five values per key: the operation and its arguments.
//
//	confirm ts thread digest kind   record a message Slack accepted (keeping the TTL the claim set)
//	release                         give a claim up (the next poll tries again); a message that
//	                                existed before the claim stays known
//	fail digest error               Slack refused for good: handled until the alert changes
//	renew clock lease               extend the claim by lease (ms) from the clock (0: the
//	                                server's TIME, see Store.clock)
//	incident value                  set an incident thread's key (not a claim: no owner check)
//
// Returns per key 1, or 0 when the claim is no longer the owner's.
const alertWritesScript = srvClock + `
local srv
local out = {}
for i, k in ipairs(KEYS) do
  local a = 2 + (i - 1) * 5
  local op = ARGV[a + 1]
  local so = {}
  if op ~= 'incident' then so = redis.call('HMGET', k, 's', 'o', 'ts') end
  if op == 'incident' then
    redis.call('SET', k, ARGV[a + 2], 'PX', ARGV[2])
    out[i] = 1
  elseif so[1] ~= 'pending' or so[2] ~= ARGV[1] then
    out[i] = 0
  else
    out[i] = 1
    if op == 'confirm' then
      redis.call('HDEL', k, 'o', 'l', 'a', 'pd', 'err')
      -- No PEXPIRE: the claim just set the retention (a few seconds or minutes of it passed).
      redis.call('HSET', k, 's', 'posted', 'ts', ARGV[a + 2], 'th', ARGV[a + 3], 'd', ARGV[a + 4], 'k', ARGV[a + 5])
    elseif op == 'release' then
      if so[3] and so[3] ~= '' then
        redis.call('HDEL', k, 'o', 'l', 'a', 'pd')
        redis.call('HSET', k, 's', 'posted')
      else
        redis.call('DEL', k)
      end
    elseif op == 'fail' then
      redis.call('HDEL', k, 'o', 'l', 'a', 'pd')
      redis.call('HSET', k, 's', 'failed', 'd', ARGV[a + 2], 'err', ARGV[a + 3])
      redis.call('PEXPIRE', k, ARGV[2])
    elseif op == 'renew' then
      local at = tonumber(ARGV[a + 2])
      if not at or at <= 0 then
        srv = srv or srv_ms()
        at = srv
      end
      redis.call('HSET', k, 'l', at + tonumber(ARGV[a + 3]))
    end
  end
end
return out`

// ClaimOutcome is what a claim found.
type ClaimOutcome string

// Claim outcomes.
const (
	// Claimed: the caller now holds the claim (nothing was pending, or it already held it).
	Claimed ClaimOutcome = "claimed"
	// TakenOver: the caller took over another owner's expired claim; that owner may have posted
	// before it stopped, so the caller must look in Slack before posting again.
	TakenOver ClaimOutcome = "takeover"
	// Busy: another owner holds a live claim.
	Busy ClaimOutcome = "busy"
	// Done: the notification already shows this digest (or failed at it for good).
	Done ClaimOutcome = "done"
)

// AlertClaim asks to claim one notification for posting digest.
type AlertClaim struct {
	Key    AlertKey
	Digest string
}

// ClaimResult is the outcome of one claim, with the record as it was before.
type ClaimResult struct {
	Key     AlertKey
	Outcome ClaimOutcome
	Prev    AlertMessage
}

// ClaimOptions are the times of a batch of claims.
type ClaimOptions struct {
	Owner string
	Now   time.Time
	// Lease is how long the claim is the owner's alone; the owner must not post after it ends
	// unless it renewed the claim.
	Lease time.Duration
	// Grace is added to another owner's lease before it may be taken over (clock skew, a
	// request still in flight).
	Grace time.Duration
	// Retention is the TTL of the record.
	Retention time.Duration
}

// byChannel splits n items into script calls: runs of at most keysPerCall items of one channel,
// in the order given.
func byChannel(n int, channel func(i int) string) [][]int {
	var calls [][]int
	open := map[string]int{} // channel -> index of its call being filled
	for i := range n {
		ch := channel(i)
		c, ok := open[ch]
		if !ok || len(calls[c]) == keysPerCall {
			c = len(calls)
			calls = append(calls, nil)
			open[ch] = c
		}
		calls[c] = append(calls[c], i)
	}
	return calls
}

// ClaimAlerts claims many notifications, pipelined.
func (s *Store) ClaimAlerts(ctx context.Context, o ClaimOptions, claims []AlertClaim) ([]ClaimResult, error) {
	if o.Owner == "" || o.Lease < time.Millisecond {
		return nil, fmt.Errorf("store: claim alerts: an owner and a lease are required")
	}
	if err := checkRetention("claim alerts", o.Retention); err != nil {
		return nil, err
	}
	calls := byChannel(len(claims), func(i int) string { return claims[i].Key.Channel })
	b := newPipeBatch(s.rdb)
	for _, call := range calls {
		keys := make([]string, len(call))
		args := []any{o.Owner, s.clock(o.Now), o.Now.UnixMilli(), o.Lease.Milliseconds(), o.Retention.Milliseconds(), o.Grace.Milliseconds()}
		for j, i := range call {
			keys[j] = s.alertMsgKey(claims[i].Key)
			args = append(args, claims[i].Digest)
		}
		b.script(s.alertScripts.claimAlert, keys, args...)
	}
	if err := b.exec(ctx, "claim alerts"); err != nil {
		return nil, err
	}
	out := make([]ClaimResult, len(claims))
	for c, call := range calls {
		v, err := b.result(c).(*redis.Cmd).Slice()
		if err != nil || len(v) != len(call) {
			return nil, wrap("claim alerts", fmt.Errorf("unexpected reply: %w", err))
		}
		for j, i := range call {
			pair, _ := v[j].([]any)
			if len(pair) != 2 {
				return nil, fmt.Errorf("store: claim alerts: unexpected reply")
			}
			outcome, _ := pair[0].(string)
			out[i] = ClaimResult{Key: claims[i].Key, Outcome: ClaimOutcome(outcome), Prev: parseAlertMessage(flatPairs(pair[1]))}
		}
	}
	return out, nil
}
