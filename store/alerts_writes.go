package store

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Posted describes a message Slack accepted.
type Posted struct {
	TS, Thread, Digest, Kind string
}

// AlertWrites collects the writes that follow Slack's answers (confirm, release, fail, renew,
// incident threads, channel lists, mute counters) and sends them pipelined.
type AlertWrites struct {
	s         *Store
	owner     string
	retention time.Duration
	owned     []ownedOp
	plain     []func(ctx context.Context, p redis.Pipeliner) redis.Cmder
	indexed   [][2]string // channel-list key, channel (see IndexChannel)
	hits      map[string]int64
}

// ownedOp is a write that only the claim's owner may make; its key is reported when it was not.
// An incident thread's write rides along in its channel's call (same hash slot) with incident
// set: it is no claim, and never reported.
type ownedOp struct {
	key      AlertKey
	args     [5]any
	incident string // the incident thread's Redis key
}

// AlertWrites starts a batch of writes by owner; records it writes keep retention as TTL.
func (s *Store) AlertWrites(owner string, retention time.Duration) *AlertWrites {
	return &AlertWrites{s: s, owner: owner, retention: retention}
}

// Confirm records that the owner posted (or edited) the notification of k.
func (w *AlertWrites) Confirm(k AlertKey, p Posted) {
	w.owned = append(w.owned, ownedOp{key: k, args: [5]any{"confirm", p.TS, p.Thread, p.Digest, p.Kind}})
}

// Release gives up the owner's claim on k after a failed post.
func (w *AlertWrites) Release(k AlertKey) {
	w.owned = append(w.owned, ownedOp{key: k, args: [5]any{"release", "", "", "", ""}})
}

// Fail records that Slack refused the notification of k at digest for good (errCode is
// Slack's error code).
func (w *AlertWrites) Fail(k AlertKey, digest, errCode string) {
	w.owned = append(w.owned, ownedOp{key: k, args: [5]any{"fail", digest, errCode, "", ""}})
}

// Renew extends the owner's claim on k by lease from now, as the Redis server's clock reads
// it (the caller's now only for a store made WithCallerClockForTests).
func (w *AlertWrites) Renew(k AlertKey, now time.Time, lease time.Duration) {
	w.owned = append(w.owned, ownedOp{key: k, args: [5]any{"renew", strconv.FormatInt(w.s.clock(now), 10),
		strconv.FormatInt(lease.Milliseconds(), 10), "", ""}})
}

// SetIncident records the parent message of an incident's thread in a channel.
func (w *AlertWrites) SetIncident(k IncidentKey, th IncidentThread) {
	w.owned = append(w.owned, ownedOp{key: AlertKey{Channel: k.Channel}, args: [5]any{"incident", th.value(), "", "", ""},
		incident: w.s.alertIncidentKey(k)})
}

// IndexChannel records that alertID has a message in channel (see AlertState.Channels), and
// keeps the alert's channel list for the retention from now.
func (w *AlertWrites) IndexChannel(alertID, channel string) {
	w.indexed = append(w.indexed, [2]string{w.s.alertChannelsKey(alertID), channel})
}

// MarkMuted records that alertID was counted as muted at digest, so that it is counted once.
func (w *AlertWrites) MarkMuted(alertID, digest string) {
	key, ttl := w.s.alertMutedKey(alertID), w.retention
	w.plain = append(w.plain, func(ctx context.Context, p redis.Pipeliner) redis.Cmder { return p.Set(ctx, key, digest, ttl) })
}

// CountMuteHits adds n to a mute's hit counter (nothing when the mute has ended).
func (w *AlertWrites) CountMuteHits(muteID string, n int64) {
	if w.hits == nil {
		w.hits = map[string]int64{}
	}
	w.hits[muteID] += n
}

// Len is how many writes are queued.
func (w *AlertWrites) Len() int { return len(w.owned) + len(w.plain) + len(w.indexed) + len(w.hits) }

// Exec sends the writes and starts a new batch. It returns the keys of owned writes that found
// the claim no longer the owner's (another poller took it over).
func (w *AlertWrites) Exec(ctx context.Context) (lost []AlertKey, err error) {
	owned, plain, indexed, hits := w.owned, w.plain, w.indexed, w.hits
	w.owned, w.plain, w.indexed, w.hits = nil, nil, nil, nil
	if err := checkRetention("write alert state", w.retention); err != nil {
		return nil, err
	}
	b := newPipeBatch(w.s.rdb)
	calls := byChannel(len(owned), func(i int) string { return owned[i].key.Channel })
	for _, call := range calls {
		keys := make([]string, len(call))
		args := []any{w.owner, w.retention.Milliseconds()}
		for j, i := range call {
			keys[j] = w.s.alertMsgKey(owned[i].key)
			if owned[i].incident != "" {
				keys[j] = owned[i].incident
			}
			args = append(args, owned[i].args[:]...)
		}
		b.script(w.s.alertScripts.alertWrites, keys, args...)
	}
	for _, fn := range plain {
		b.cmd(fn)
	}
	for len(indexed) > 0 {
		n := min(len(indexed), keysPerCall)
		keys, args := make([]string, n), []any{w.retention.Milliseconds()}
		for i, ix := range indexed[:n] {
			keys[i] = ix[0]
			args = append(args, ix[1])
		}
		b.script(w.s.alertScripts.indexChannel, keys, args...)
		indexed = indexed[n:]
	}
	for id, n := range hits {
		b.script(w.s.alertScripts.muteHit, []string{w.s.mutesKey()}, id, n)
	}
	if err := b.exec(ctx, "write alert state"); err != nil {
		return nil, err
	}
	for i := 0; i < b.len(); i++ {
		if err := b.result(i).Err(); err != nil && err != redis.Nil { //nolint:errorlint // sentinel from go-redis
			return nil, wrap("write alert state", err)
		}
	}
	for c, call := range calls {
		v, _ := b.result(c).(*redis.Cmd).Slice()
		for j, i := range call {
			if owned[i].incident == "" && (j >= len(v) || v[j] != int64(1)) {
				lost = append(lost, owned[i].key)
			}
		}
	}
	return lost, nil
}
