package bot

import (
	"context"
	"slices"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
	"github.com/slack-go/slack"
)

// msgOptions are the options that carry a rendered message.
func msgOptions(m rendered) []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...)}
	if len(m.Attachments) > 0 {
		opts = append(opts, slack.MsgOptionAttachments(m.Attachments...))
	}
	return opts
}

// post sends a new message (a thread reply when thread is set) and returns its ts.
func (d *delivery) post(ctx context.Context, m rendered, thread string, md slack.MsgOption) (ts string, attempted bool, err error) {
	opts := append(msgOptions(m), md)
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	attempted, err = d.send(ctx, func(ctx context.Context) error {
		var err error
		_, ts, err = d.r.p.slack.PostMessageContext(ctx, d.ch, opts...)
		return err
	})
	return ts, attempted, err
}

// threadGone reports whether Slack refused a reply because its thread is gone.
func threadGone(err error) bool {
	switch slackCode(err) {
	case "thread_not_found", "message_not_found", "cannot_reply_to_message":
		return true
	}
	return false
}

// postNew posts an alert as its own message: in the thread of its incident when another alert
// of the incident was posted in the channel, else as a new message that becomes the incident's
// thread.
func (d *delivery) postNew(ctx context.Context, c *claimed) {
	a := c.it.a
	msg := renderAlertNotice(a, d.r.p.opts.PortalURL, d.r.p.opts.Now())
	md := meta(kindCard, map[string]any{"alert_id": a.ID})
	thread := ""
	if a.IncidentID != 0 {
		thread = d.inc[a.IncidentID]
	}
	ts, attempted, err := d.post(ctx, msg, thread, md)
	if err != nil && thread != "" && threadGone(err) {
		thread = ""
		ts, attempted, err = d.post(ctx, msg, "", md)
	}
	var inc *store.IncidentKey
	if err == nil && thread == "" && a.IncidentID != 0 {
		d.inc[a.IncidentID] = ts
		inc = &store.IncidentKey{Channel: d.ch, IncidentID: a.IncidentID}
	}
	if err == nil {
		d.r.posted.Add(1)
	}
	d.done(ctx, c, attempted, err, store.Posted{TS: ts, Thread: thread, Digest: c.it.digest, Kind: kindCard}, inc)
}

// postDigest posts many new alerts as one digest: a parent message, then every alert listed in
// thread replies. Each chunk's alerts are confirmed as soon as their chunk is posted.
func (d *delivery) postDigest(ctx context.Context, cs []*claimed) {
	p := d.r.p
	sorted := slices.Clone(cs)
	slices.SortStableFunc(sorted, func(x, y *claimed) int { return severityOrder(x.it.a, y.it.a) })
	alerts := make([]defender.Alert, len(sorted))
	for i, c := range sorted {
		alerts[i] = c.it.a
	}
	chunks := (len(sorted) + digestChunk - 1) / digestChunk
	now := p.opts.Now()
	parent, attempted, err := d.post(ctx, renderDigest(alerts, chunks, p.opts.PortalURL, now), "",
		meta(kindDigest, map[string]any{"alerts": len(sorted)}))
	if err != nil {
		for _, c := range sorted {
			d.done(ctx, c, attempted, err, store.Posted{}, nil)
		}
		return
	}
	for i := 0; i < len(sorted); i += digestChunk {
		part := sorted[i:min(i+digestChunk, len(sorted))]
		ids := make([]any, len(part))
		for j, c := range part {
			ids[j] = c.it.a.ID
		}
		msg := renderDigestChunk(alerts[i:i+len(part)], i, len(sorted), p.opts.PortalURL, now)
		ts, attempted, err := d.post(ctx, msg, parent, meta(kindChunk, map[string]any{"alert_ids": ids}))
		d.batching = true
		for _, c := range part {
			if err == nil {
				d.r.digested.Add(1)
			}
			d.done(ctx, c, attempted, err, store.Posted{TS: ts, Thread: parent, Digest: c.it.digest, Kind: kindDigest}, nil)
		}
		d.batching = false
		d.flush(ctx)
	}
}

// update shows a change: the alert's message is edited and a thread reply says what changed
// (quiet leaves the reply out; the change summary covers it). An alert that was only a line of a
// digest gets its own message in the digest's thread, with buttons.
func (d *delivery) update(ctx context.Context, c *claimed, quiet bool) {
	p := d.r.p
	a := c.it.a
	old, _ := parseDigest(c.prev.Digest)
	cs := changes(old, c.it.vis)
	for _, ch := range cs {
		d.countChange(ch)
	}
	d.nChanged++
	if c.prev.Kind == kindDigest {
		if quiet {
			d.r.updated.Add(1)
			d.done(ctx, c, true, nil, store.Posted{TS: c.prev.TS, Thread: c.prev.Thread, Digest: c.it.digest, Kind: kindDigest}, nil)
			return
		}
		msg := renderAlertNotice(a, p.opts.PortalURL, p.opts.Now())
		ts, attempted, err := d.post(ctx, msg, c.prev.Thread, meta(kindCard, map[string]any{"alert_id": a.ID}))
		if err == nil {
			d.r.updated.Add(1)
		}
		d.done(ctx, c, attempted, err, store.Posted{TS: ts, Thread: c.prev.Thread, Digest: c.it.digest, Kind: kindCard}, nil)
		return
	}
	msg := renderAlertNotice(a, p.opts.PortalURL, p.opts.Now())
	attempted, err := d.send(ctx, func(ctx context.Context) error {
		_, _, _, err := p.slack.UpdateMessageContext(ctx, d.ch, c.prev.TS, msgOptions(msg)...)
		return err
	})
	if slackCode(err) == "message_not_found" || slackCode(err) == "cant_update_message" {
		// Someone deleted the message: post the alert again rather than lose the change.
		d.postNew(ctx, c)
		return
	}
	if err != nil {
		d.done(ctx, c, attempted, err, store.Posted{}, nil)
		return
	}
	d.r.updated.Add(1)
	posted := store.Posted{TS: c.prev.TS, Thread: c.prev.Thread, Digest: c.it.digest, Kind: kindCard}
	if !quiet && len(cs) > 0 {
		thread := c.prev.Thread
		if thread == "" {
			thread = c.prev.TS
		}
		if _, _, rerr := d.post(ctx, renderAlertChange(a, cs, p.opts.Now()), thread, meta(kindChange, map[string]any{"alert_id": a.ID})); rerr != nil {
			p.log.Warn("the thread reply about an alert change was not posted", "channel", d.ch, "alert", a.ID, "err", rerr)
		}
	}
	d.done(ctx, c, true, nil, posted, nil)
}

// countChange adds one change to the summary counts.
func (d *delivery) countChange(ch change) {
	for i := range d.changed {
		if d.changed[i].Field == ch.Field && d.changed[i].To == ch.To {
			d.changed[i].N++
			return
		}
	}
	d.changed = append(d.changed, changeCount{Field: ch.Field, To: ch.To, N: 1})
}

// postChangeSummary posts the one message that stands for the replies of a storm of changes.
func (d *delivery) postChangeSummary(ctx context.Context) {
	slices.SortStableFunc(d.changed, func(a, b changeCount) int { return b.N - a.N })
	msg := renderChangeSummary(d.nChanged, d.changed, d.r.p.opts.Now())
	if _, _, err := d.post(ctx, msg, "", meta(kindChanges, map[string]any{"alerts": d.nChanged})); err != nil {
		d.r.p.log.Warn("the summary of alert changes was not posted", "channel", d.ch, "err", err)
	}
}
