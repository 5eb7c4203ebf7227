package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Alert notifications keep, per alert and channel, one hash (kind "alert-msg") that says where
// the alert was posted and what the channel saw, or that a poller is posting it now:
//
//	s   state: pending (a poller holds the claim), posted, failed (Slack refused for good)
//	o   the claim's owner while pending
//	l   the claim's lease end (Unix ms) while pending
//	a   when the first post attempt of this pending claim began (Unix ms)
//	pd  the digest the pending claim is posting
//	ts  the Slack message ts (empty until the first post succeeded)
//	th  the thread parent ts when the message is a thread reply
//	d   the digest of the fields the channel sees (status, assignment, classification,
//	    determination, severity) in the message now
//	k   what the message is: "card" (the alert's own message) or "digest" (a line of a storm digest)
//	err the last permanent Slack error
//
// Every hash carries the retention TTL, refreshed whenever it is written.
//
// Beside them, per alert, a set (kind "alert-channels") lists every channel the alert was
// posted in, so that a message stays up to date after the alert is routed elsewhere; and per
// incident and channel, a string (kind "alert-incident") holds the incident thread's parent
// message. Both carry the retention TTL too.
const (
	alertMsgKind      = "alert-msg"
	alertIncidentKind = "alert-incident"
	alertMutedKind    = "alert-muted"
	alertChannelsKind = "alert-channels"
)

// MessageState is where a (alert, channel) notification stands.
type MessageState string

// Notification states.
const (
	// StateNone means nothing was ever posted or claimed.
	StateNone MessageState = ""
	// StatePending means a poller claimed it and may be posting now.
	StatePending MessageState = "pending"
	// StatePosted means the message exists and shows Digest.
	StatePosted MessageState = "posted"
	// StateFailed means Slack refused it for good (e.g. channel_not_found) at Digest.
	StateFailed MessageState = "failed"
)

// AlertKey names the notification of one alert in one channel.
type AlertKey struct {
	Channel string
	AlertID string
}

// IncidentKey names the thread of one MDE incident in one channel.
type IncidentKey struct {
	Channel    string
	IncidentID int64
}

// IncidentThread is the parent message of an incident's thread in a channel.
type IncidentThread struct {
	TS string
	// Severity is the severity of the alert the parent message showed when it was posted; ""
	// when not known.
	Severity string
}

// value encodes a thread as "<ts>" or "<ts> <severity>" (a ts has no space).
func (t IncidentThread) value() string {
	if t.Severity == "" {
		return t.TS
	}
	return t.TS + " " + t.Severity
}

func parseIncidentThread(v string) IncidentThread {
	ts, sev, _ := strings.Cut(v, " ")
	return IncidentThread{TS: ts, Severity: sev}
}

// AlertMessage is what the store knows about one alert's notification in one channel.
type AlertMessage struct {
	State MessageState
	// Owner and LeaseUntil describe the claim while State is pending.
	Owner      string
	LeaseUntil time.Time
	// Attempt is when the pending claim's first post attempt began: a message with this alert
	// may exist in Slack from then on even though TS is empty.
	Attempt time.Time
	// PendingDigest is the digest the pending claim posts.
	PendingDigest string
	// TS and Thread locate the message; TS is empty until a post succeeded.
	TS, Thread string
	// Digest is what the channel sees in the message now (or what failed, when State is failed).
	Digest string
	// Kind is "card" or "digest".
	Kind string
	// Err is the last permanent Slack error.
	Err string
}

// Posted reports whether a message exists for the alert in the channel.
func (m AlertMessage) Posted() bool { return m.TS != "" }

// alertMsgKey is "<prefix>:alert-msg:{<channel>}:<alert id>": a channel's records share a
// hash tag, so that one script call can claim or confirm many of them, in Redis Cluster too.
func (s *Store) alertMsgKey(k AlertKey) string {
	return s.key(alertMsgKind, hashTag(k.Channel)+":"+k.AlertID)
}

func (s *Store) alertIncidentKey(k IncidentKey) string {
	return s.key(alertIncidentKind, k.Channel+":"+strconv.FormatInt(k.IncidentID, 10))
}

func (s *Store) alertMutedKey(alertID string) string { return s.key(alertMutedKind, alertID) }

func (s *Store) alertChannelsKey(alertID string) string { return s.key(alertChannelsKind, alertID) }

// AlertStateQuery names everything one poll needs to know, read pipelined.
type AlertStateQuery struct {
	Messages  []AlertKey
	Incidents []IncidentKey
	// Muted are alert ids whose "already counted as muted" marker is read.
	Muted []string
	// Channels are alert ids whose channels (every channel the alert was posted in) are read.
	Channels []string
}

// AlertState is the answer to an AlertStateQuery. Missing entries are absent from the maps.
type AlertState struct {
	Messages map[AlertKey]AlertMessage
	// Incidents maps an incident's thread to its parent message.
	Incidents map[IncidentKey]IncidentThread
	// Muted maps an alert id to the digest it had when it was last counted as muted.
	Muted map[string]string
	// Channels maps an alert id to the channels it was posted in, sorted.
	Channels map[string][]string
}

// LoadAlertState reads the notifications, incident threads, mute markers and channel lists of
// q, pipelined.
func (s *Store) LoadAlertState(ctx context.Context, q AlertStateQuery) (AlertState, error) {
	out := AlertState{Messages: map[AlertKey]AlertMessage{}, Incidents: map[IncidentKey]IncidentThread{},
		Muted: map[string]string{}, Channels: map[string][]string{}}
	b := newPipeBatch(s.rdb)
	for _, k := range q.Messages {
		key := s.alertMsgKey(k)
		b.cmd(func(ctx context.Context, p redis.Pipeliner) redis.Cmder { return p.HGetAll(ctx, key) })
	}
	for _, k := range q.Incidents {
		key := s.alertIncidentKey(k)
		b.cmd(func(ctx context.Context, p redis.Pipeliner) redis.Cmder { return p.Get(ctx, key) })
	}
	for _, id := range q.Muted {
		key := s.alertMutedKey(id)
		b.cmd(func(ctx context.Context, p redis.Pipeliner) redis.Cmder { return p.Get(ctx, key) })
	}
	for _, id := range q.Channels {
		key := s.alertChannelsKey(id)
		b.cmd(func(ctx context.Context, p redis.Pipeliner) redis.Cmder { return p.SMembers(ctx, key) })
	}
	if err := b.exec(ctx, "load alert state"); err != nil {
		return out, err
	}
	i := 0
	for _, k := range q.Messages {
		h, err := b.result(i).(*redis.MapStringStringCmd).Result()
		i++
		if err != nil {
			return out, wrap("load alert state", err)
		}
		if len(h) > 0 {
			out.Messages[k] = parseAlertMessage(h)
		}
	}
	for _, k := range q.Incidents {
		if err := getInto(b.result(i), func(v string) { out.Incidents[k] = parseIncidentThread(v) }); err != nil {
			return out, wrap("load alert state", err)
		}
		i++
	}
	for _, id := range q.Muted {
		if err := getInto(b.result(i), func(v string) { out.Muted[id] = v }); err != nil {
			return out, wrap("load alert state", err)
		}
		i++
	}
	for _, id := range q.Channels {
		chans, err := b.result(i).(*redis.StringSliceCmd).Result()
		i++
		if err != nil {
			return out, wrap("load alert state", err)
		}
		if len(chans) > 0 {
			slices.Sort(chans)
			out.Channels[id] = chans
		}
	}
	return out, nil
}

// getInto passes a GET's value to set, ignoring a missing key.
func getInto(c redis.Cmder, set func(string)) error {
	v, err := c.(*redis.StringCmd).Result()
	switch {
	case err == redis.Nil: //nolint:errorlint // go-redis returns the sentinel itself
		return nil
	case err != nil:
		return err
	}
	set(v)
	return nil
}

func parseAlertMessage(h map[string]string) AlertMessage {
	return AlertMessage{
		State:         MessageState(h["s"]),
		Owner:         h["o"],
		LeaseUntil:    msTime(h["l"]),
		Attempt:       msTime(h["a"]),
		PendingDigest: h["pd"],
		TS:            h["ts"],
		Thread:        h["th"],
		Digest:        h["d"],
		Kind:          h["k"],
		Err:           h["err"],
	}
}

// msTime reads Unix milliseconds; anything else is the zero time.
func msTime(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(n)
}

// flatPairs turns a Lua HGETALL reply into a map.
func flatPairs(v any) map[string]string {
	list, _ := v.([]any)
	m := make(map[string]string, len(list)/2)
	for i := 0; i+1 < len(list); i += 2 {
		k, _ := list[i].(string)
		val, _ := list[i+1].(string)
		m[k] = val
	}
	return m
}

// checkRetention rejects TTLs Redis cannot store (every key this package writes must expire).
func checkRetention(op string, d time.Duration) error {
	if d < time.Millisecond {
		return fmt.Errorf("store: %s: duration %v is under 1ms, and every key needs a TTL", op, d)
	}
	return nil
}
