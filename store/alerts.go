package store

import (
	"fmt"
	"strconv"
	"strings"
	"time"
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

// alertIncidentKey is "<prefix>:alert-incident:{<channel>}:<incident>": in the channel's hash
// slot, so that the script that loads or confirms a channel's records reads or writes its
// incident threads in the same call.
func (s *Store) alertIncidentKey(k IncidentKey) string {
	return s.key(alertIncidentKind, hashTag(k.Channel)+":"+strconv.FormatInt(k.IncidentID, 10))
}

// alertIndexTag is the hash tag of the per-alert records (channel lists, mute markers): one
// script call loads or writes a whole poll's worth of them, in Redis Cluster too. They are
// small and expire with the retention, so one slot holds them all.
const alertIndexTag = "{alerts}"

func (s *Store) alertMutedKey(alertID string) string {
	return s.key(alertMutedKind, alertIndexTag+":"+alertID)
}

func (s *Store) alertChannelsKey(alertID string) string {
	return s.key(alertChannelsKind, alertIndexTag+":"+alertID)
}

// AlertStateQuery names everything one poll needs to know, read in one script call per hash
// slot (see LoadAlertState).
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
