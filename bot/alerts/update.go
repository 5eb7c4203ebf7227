package alerts

import (
	"cmp"
	"context"
	"slices"

	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/store"
)

// update shows a change: the alert's message is edited and a thread reply says what changed
// (quiet leaves the reply out; the change summary covers it). An alert that was only a line of a
// digest gets its own message in the digest's thread, with buttons. A message whose earlier
// content is not known (found in the channel by a first start) is edited without a reply.
func (d *delivery) update(ctx context.Context, c *claimed, quiet bool) {
	if c.left {
		d.updateMoved(ctx, c, quiet)
		return
	}
	p, prev := d.r.p, d.prev(c)
	a := c.it.alert()
	var cs []render.Change
	if old, known := parseDigest(prev.Digest); known {
		cs = changes(old, c.it.vis())
		for _, ch := range cs {
			d.countChange(ch)
		}
		d.nChanged++
	}
	if prev.Kind == kindDigest {
		if quiet {
			d.r.updated.Add(1)
			d.done(ctx, c, true, nil, store.Posted{TS: prev.TS, Thread: prev.Thread, Digest: c.digest(), Kind: kindDigest}, nil)
			return
		}
		o := d.card(ctx, c)
		o.thread = prev.Thread
		ts, attempted, err := d.post(ctx, o)
		if err == nil {
			d.r.updated.Add(1)
		}
		d.done(ctx, c, attempted, err, store.Posted{TS: ts, Thread: prev.Thread, Digest: c.digest(), Kind: kindCard}, nil)
		return
	}
	attempted, err := d.edit(ctx, prev.TS, d.card(ctx, c))
	if code := slackCode(err); code == "message_not_found" || code == "cant_update_message" {
		// Someone deleted the message: post the alert again rather than lose the change.
		d.postNew(ctx, c)
		return
	}
	if err != nil {
		d.done(ctx, c, attempted, err, store.Posted{}, nil)
		return
	}
	d.r.updated.Add(1)
	if !quiet && len(cs) > 0 {
		d.reply(ctx, c, render.AlertChange(a, cs, p.opts.Now()))
	}
	d.done(ctx, c, true, nil, store.Posted{TS: prev.TS, Thread: prev.Thread, Digest: c.digest(), Kind: kindCard}, nil)
}

// updateMoved keeps the message of an alert in a channel it no longer goes to up to date: the
// message is edited to show the alert as it is now, without its buttons, with a line that names
// the channels it goes to; the first time (or when those channels change) a thread reply says
// so. People who saw the alert here never act on a stale card, and the alert is worked in one
// place. A line of a digest is not edited (lists never are), and a message someone deleted is
// not posted again.
func (d *delivery) updateMoved(ctx context.Context, c *claimed, quiet bool) {
	p, prev := d.r.p, d.prev(c)
	a := c.it.alert()
	posted := store.Posted{TS: prev.TS, Thread: prev.Thread, Digest: c.digest(), Kind: prev.Kind}
	if prev.Kind == kindDigest {
		d.done(ctx, c, true, nil, posted, nil)
		return
	}
	attempted, err := d.edit(ctx, prev.TS, d.card(ctx, c))
	switch code := slackCode(err); {
	case code == "message_not_found" || code == "cant_update_message":
		d.done(ctx, c, true, nil, posted, nil)
		return
	case err != nil:
		d.done(ctx, c, attempted, err, store.Posted{}, nil)
		return
	}
	d.r.updated.Add(1)
	if !quiet && !slices.Equal(movedTo(prev.Digest), c.movedTo()) {
		var cs []render.Change
		if old, known := parseDigest(prev.Digest); known {
			cs = changes(old, c.it.vis())
		}
		d.reply(ctx, c, render.AlertMovedReply(a, c.movedTo(), cs, p.opts.Now()))
	}
	d.done(ctx, c, true, nil, posted, nil)
}

// reply posts a thread reply about a change under c's message; a failure is only logged (the
// message itself shows the change).
func (d *delivery) reply(ctx context.Context, c *claimed, m render.Message) {
	prev := d.prev(c)
	thread := cmp.Or(prev.Thread, prev.TS)
	if _, _, err := d.post(ctx, outgoing{msg: m, thread: thread, kind: kindChange, payload: map[string]any{"alert_id": c.it.id()}}); err != nil {
		d.r.p.log.Warn("the thread reply about an alert change was not posted", "channel", d.ch, "alert", c.it.id(), "err", err)
	}
}

// countChange adds one change to the summary counts.
func (d *delivery) countChange(ch render.Change) {
	for i := range d.changed {
		if d.changed[i].Field == ch.Field && d.changed[i].To == ch.To {
			d.changed[i].N++
			return
		}
	}
	d.changed = append(d.changed, render.ChangeCount{Field: ch.Field, To: ch.To, N: 1})
}

// postChangeSummary posts the one message that stands for the replies of a storm of changes.
func (d *delivery) postChangeSummary(ctx context.Context) {
	slices.SortStableFunc(d.changed, func(a, b render.ChangeCount) int { return b.N - a.N })
	msg := render.ChangeSummary(d.nChanged, d.changed, d.r.p.opts.Now())
	if _, _, err := d.post(ctx, outgoing{msg: msg, kind: kindChanges, payload: map[string]any{"alerts": d.nChanged}}); err != nil {
		d.r.p.log.Warn("the summary of alert changes was not posted", "channel", d.ch, "err", err)
	}
}
