package bot

import (
	"context"
	"fmt"
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

// historyPage is how many messages one history or replies request reads.
const historyPage = 200

// reconcileSlack is the slack added before an attempt's start when reading the history (clock
// differences between replicas and Slack).
const reconcileSlack = 2 * time.Minute

// found locates a message reconciliation found.
type found struct {
	ts, thread, kind string
}

// reconcile looks for the messages of cs and returns the claims to post anew and those whose
// message exists (as updates when the alert changed since). ok is false when Slack could not be
// read: the claims are then left pending for the next poll, never posted blindly.
func (d *delivery) reconcile(ctx context.Context, cs []*claimed) (news, updates []*claimed, ok bool) {
	since := time.Time{}
	want := map[string]bool{}
	threads := map[string]bool{}
	for _, c := range cs {
		want[c.it.a.ID] = true
		if since.IsZero() || c.prev.Attempt.Before(since) {
			since = c.prev.Attempt
		}
		if ts := d.inc[c.it.a.IncidentID]; c.it.a.IncidentID != 0 && ts != "" {
			threads[ts] = true
		}
		if c.prev.Thread != "" {
			threads[c.prev.Thread] = true
		}
	}
	if since.IsZero() { // not recorded: look back as far as a claim can have been pending
		since = d.r.p.opts.Now().Add(-d.r.p.opts.Lease - d.r.p.opts.Interval)
	}
	got, err := d.findMessages(ctx, since.Add(-reconcileSlack), want, threads)
	if err != nil {
		d.r.p.log.Warn("could not read the channel to check for messages a poller left unrecorded", "channel", d.ch, "err", err)
		for _, c := range cs {
			c.open = false // stays pending: it may have been posted
			c.it.leave()
			d.r.deferred.Add(1)
		}
		return nil, nil, false
	}
	for _, c := range cs {
		f, hit := got[c.it.a.ID]
		if !hit {
			news = append(news, c)
			continue
		}
		// The message shows what the interrupted attempt posted.
		c.prev.TS, c.prev.Thread, c.prev.Kind, c.prev.Digest = f.ts, f.thread, f.kind, c.prev.PendingDigest
		if f.kind == kindCard && f.thread == "" && c.it.a.IncidentID != 0 && d.inc[c.it.a.IncidentID] == "" {
			d.inc[c.it.a.IncidentID] = f.ts
			d.writes.SetIncident(store.IncidentKey{Channel: d.ch, IncidentID: c.it.a.IncidentID}, f.ts)
		}
		if c.prev.Digest == c.it.digest {
			d.done(ctx, c, true, nil, store.Posted{TS: f.ts, Thread: f.thread, Digest: c.it.digest, Kind: f.kind}, nil)
			continue
		}
		updates = append(updates, c)
	}
	return news, updates, true
}

// findMessages reads the channel's history since oldest, and the threads named or found there,
// and returns the messages of the wanted alerts.
func (d *delivery) findMessages(ctx context.Context, oldest time.Time, want, threads map[string]bool) (map[string]found, error) {
	out := map[string]found{}
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
			return nil, fmt.Errorf("conversations.history: %w", err)
		}
		for _, m := range resp.Messages {
			if m.Metadata.EventType == metaEvent && m.Metadata.EventPayload["kind"] == kindDigest {
				threads[m.Timestamp] = true
			}
			note(out, m, "", want)
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
				return nil, fmt.Errorf("conversations.replies: %w", err)
			}
			for _, m := range msgs {
				if m.Timestamp != parent {
					note(out, m, parent, want)
				}
			}
			if !more || cursor == "" {
				break
			}
		}
	}
	return out, nil
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
			out[id] = found{ts: m.Timestamp, thread: thread, kind: kindCard}
		}
	case kindChunk:
		ids, _ := p["alert_ids"].([]any)
		for _, v := range ids {
			if id, _ := v.(string); want[id] {
				out[id] = found{ts: m.Timestamp, thread: thread, kind: kindDigest}
			}
		}
	}
}
