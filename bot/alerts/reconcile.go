package alerts

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/mdebot/mdebot/store"
	"github.com/slack-go/slack"
)

// Reconciliation: a claim left pending without a message means a poller began posting and never
// recorded the answer (it died, lost the lead, or Slack's answer was lost). The message may
// exist. Before posting again, the poller reads the channel since that attempt began and looks
// for the metadata every message of the poller carries: a card names its alert, a digest chunk
// lists its alerts. What it finds is recorded instead of posted again; so a crash at any moment
// never posts an alert twice.
//
// The store's first poll (no watermark: a new Redis, or the embedded store after a restart)
// checks every alert it would post the same way, reading the channel back to when the oldest
// of them was created (at least MDEBOT_ALERT_LOOKBACK, at most the retention): what the channel
// already shows is recorded, not posted again. Incident threads are found through the incident
// a card names in its metadata.

// historyPage is how many messages one history or replies request reads.
const historyPage = 200

// reconcileSlack is the slack added before an attempt's start when reading the history (clock
// differences between replicas and Slack).
const reconcileSlack = 2 * time.Minute

// found locates a message reconciliation found; shows is the hash of the digest it showed when
// posted or last edited ("" for a message of an older version).
type found struct {
	ts, thread, kind, shows string
}

// foundMessages is what reading a channel found: the wanted alerts' messages, and the parents
// of incident threads (top-level cards that name their incident).
type foundMessages struct {
	alerts  map[string]found
	parents map[int64]store.IncidentThread
}

// reconcile looks for the messages of cs and returns the claims to post anew and those whose
// message exists (as updates when the alert changed since). ok is false when Slack could not be
// read: the claims are then left pending for the next poll, never posted blindly.
func (d *delivery) reconcile(ctx context.Context, cs []*claimed) (news, updates []*claimed, ok bool) {
	p := d.r.p
	since := time.Time{}
	want := map[string]bool{}
	threads := map[string]bool{}
	incidents := map[int64]bool{}
	for _, c := range cs {
		prev := d.prev(c)
		want[c.it.id()] = true
		if prev.State == store.StatePending && (since.IsZero() || prev.Attempt.Before(since)) {
			since = prev.Attempt
		}
		if th := d.inc[c.it.incident]; c.it.incident != 0 && th.TS != "" {
			threads[th.TS] = true
		}
		if c.it.incident != 0 {
			incidents[c.it.incident] = true
		}
		if prev.Thread != "" {
			threads[prev.Thread] = true
		}
	}
	if d.r.first {
		since = minTime(since, d.firstStartSince(cs))
	}
	if since.IsZero() { // not recorded: look back as far as a claim can have been pending
		since = p.opts.Now().Add(-p.opts.Lease - p.opts.Interval)
	}
	got, err := d.findMessages(ctx, since.Add(-reconcileSlack), want, threads, incidents)
	if err != nil {
		return d.unreadable(cs, err)
	}
	for _, c := range cs {
		a, prev := c.it.brief(), d.prev(c)
		if th, hit := got.parents[a.IncidentID]; hit && a.IncidentID != 0 && d.inc[a.IncidentID].TS == "" {
			d.inc[a.IncidentID] = th
			d.writes.SetIncident(store.IncidentKey{Channel: d.ch, IncidentID: a.IncidentID}, th)
		}
		f, hit := got.alerts[a.ID]
		if !hit {
			news = append(news, c)
			continue
		}
		prev.TS, prev.Thread, prev.Kind = f.ts, f.thread, f.kind
		if f.kind == kindCard && f.thread == "" && a.IncidentID != 0 && d.inc[a.IncidentID].TS == "" {
			th := store.IncidentThread{TS: f.ts, Severity: string(c.it.sev())}
			d.inc[a.IncidentID] = th
			d.writes.SetIncident(store.IncidentKey{Channel: d.ch, IncidentID: a.IncidentID}, th)
		}
		switch {
		case f.shows != "" && f.shows == digestHash(c.digest()):
			d.done(ctx, c, true, nil, store.Posted{TS: f.ts, Thread: f.thread, Digest: c.digest(), Kind: f.kind}, nil)
			continue
		case f.shows == "" && prev.PendingDigest == "" && f.kind == kindDigest:
			// A digest line of unknown content, found by a first start: lines are never edited,
			// and the alert gets a message of its own at its next change.
			d.done(ctx, c, true, nil, store.Posted{TS: f.ts, Thread: f.thread, Digest: c.digest(), Kind: f.kind}, nil)
			continue
		case f.shows == "" || f.shows == digestHash(prev.PendingDigest):
			// The message shows what the interrupted attempt posted.
			prev.Digest = prev.PendingDigest
		default:
			prev.Digest = "" // not known: edited without a reply about what changed
		}
		if prev.Digest == c.digest() {
			d.done(ctx, c, true, nil, store.Posted{TS: f.ts, Thread: f.thread, Digest: c.digest(), Kind: f.kind}, nil)
			continue
		}
		updates = append(updates, c)
	}
	return news, updates, true
}

// unreadable handles a channel that could not be read. Claims a poller may have posted stay
// pending for the next poll, never posted blindly (when Slack refuses the read for good, they
// count as held, and the status check shows it). Claims no poller tried yet are given back for
// the next poll; but on a first start, when Slack refuses the read for good (a history scope
// missing), they are posted unchecked: a repeat of what an earlier store posted is better than
// never posting.
func (d *delivery) unreadable(cs []*claimed, err error) (news, updates []*claimed, ok bool) {
	code := refusal(err)
	unchecked := d.r.first && code != ""
	d.r.p.log.Warn("could not read the channel to check for messages posted but not recorded", "channel", d.ch, "err", err,
		"posting_unchecked", unchecked)
	for _, c := range cs {
		switch prev := d.prev(c); {
		case prev.State == store.StateNone && unchecked:
			news = append(news, c)
		case prev.State == store.StateNone:
			// Still open: given back when the delivery closes.
		default:
			c.open = false // stays pending: it may have been posted
			c.it.leave()
			if code != "" {
				d.r.noteRefused(d.ch, code)
				d.r.held.Add(1)
			} else {
				d.r.deferred.Add(1)
			}
		}
	}
	return news, nil, unchecked
}

// firstStartSince is how far back a first start reads the channel for cs: to the creation of
// the oldest alert, at least the lookback and at most the retention.
func (d *delivery) firstStartSince(cs []*claimed) time.Time {
	p := d.r.p
	now := p.opts.Now()
	since := now.Add(-p.opts.Lookback)
	for _, c := range cs {
		if t := c.it.createdAt(); !t.IsZero() && t.Before(since) {
			since = t
		}
	}
	if floor := now.Add(-p.opts.Retention); since.Before(floor) {
		since = floor
	}
	return since
}

// minTime is the earlier of two times, ignoring zero ones.
func minTime(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// findMessages reads the channel's history since oldest, and the threads named or found there
// (digests, and the threads of the incidents named), and returns the messages of the wanted
// alerts and the incident threads' parents.
func (d *delivery) findMessages(ctx context.Context, oldest time.Time, want, threads map[string]bool, incidents map[int64]bool) (foundMessages, error) {
	out := foundMessages{alerts: map[string]found{}, parents: map[int64]store.IncidentThread{}}
	userID, botID, err := d.ownIDs(ctx)
	if err != nil {
		return foundMessages{}, err
	}
	ts := fmt.Sprintf("%d.%06d", oldest.Unix(), oldest.Nanosecond()/1000)
	cursor := ""
	for {
		var resp *slack.GetConversationHistoryResponse
		if _, err := d.send(ctx, func(ctx context.Context) error {
			var err error
			resp, err = d.r.p.slack.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
				ChannelID: d.ch, Oldest: ts, Limit: historyPage, Cursor: cursor, IncludeAllMetadata: true})
			return err
		}); err != nil {
			return foundMessages{}, fmt.Errorf("conversations.history: %w", err)
		}
		for _, m := range resp.Messages {
			if !postedBy(m, userID, botID) { // another app's look-alike, or a person's message
				continue
			}
			// A reply also shown in the channel (reply_broadcast) is in the history too.
			thread := ""
			if m.ThreadTimestamp != "" && m.ThreadTimestamp != m.Timestamp {
				thread = m.ThreadTimestamp
			}
			if m.Metadata.EventType == metaEvent && thread == "" {
				pl := m.Metadata.EventPayload
				if pl["kind"] == kindDigest {
					threads[m.Timestamp] = true
				}
				if inc := payloadIncident(pl); pl["kind"] == kindCard && inc != 0 && incidents[inc] {
					threads[m.Timestamp] = true
					if _, seen := out.parents[inc]; !seen { // the newest, as history lists newest first
						sev, _ := pl["severity"].(string)
						out.parents[inc] = store.IncidentThread{TS: m.Timestamp, Severity: sev}
					}
				}
			}
			note(out.alerts, m, thread, want)
		}
		if cursor = resp.ResponseMetaData.NextCursor; !resp.HasMore || cursor == "" {
			break
		}
	}
	for parent := range threads {
		cursor := ""
		for {
			var msgs []slack.Message
			var more bool
			if _, err := d.send(ctx, func(ctx context.Context) error {
				var err error
				msgs, more, cursor, err = d.r.p.slack.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
					ChannelID: d.ch, Timestamp: parent, Oldest: ts, Limit: historyPage, Cursor: cursor, IncludeAllMetadata: true})
				return err
			}); err != nil {
				if threadGone(err) {
					break
				}
				return foundMessages{}, fmt.Errorf("conversations.replies: %w", err)
			}
			for _, m := range msgs {
				if m.Timestamp != parent && postedBy(m, userID, botID) {
					note(out.alerts, m, parent, want)
				}
			}
			if !more || cursor == "" {
				break
			}
		}
	}
	return out, nil
}

// payloadIncident reads the incident id a card's metadata names, or 0.
func payloadIncident(p map[string]any) int64 {
	s, _ := p["incident"].(string)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// note records the wanted alerts message m shows (a card of one alert, or a digest chunk).
func note(out map[string]found, m slack.Message, thread string, want map[string]bool) {
	if m.Metadata.EventType != metaEvent {
		return
	}
	p := m.Metadata.EventPayload
	switch p["kind"] {
	case kindCard:
		if id, _ := p["alert_id"].(string); want[id] {
			shows, _ := p["shows"].(string)
			out[id] = found{ts: m.Timestamp, thread: thread, kind: kindCard, shows: shows}
		}
	case kindChunk:
		ids, _ := p["alert_ids"].([]any)
		shows, _ := p["shows"].([]any)
		for i, v := range ids {
			if id, _ := v.(string); want[id] {
				f := found{ts: m.Timestamp, thread: thread, kind: kindDigest}
				if i < len(shows) {
					f.shows, _ = shows[i].(string)
				}
				out[id] = f
			}
		}
	}
}
