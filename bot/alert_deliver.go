package bot

import (
	"context"
	"errors"
	"time"

	"github.com/mdebot/mdebot/store"
	"github.com/slack-go/slack"
)

// claimed is one (alert, channel) notification this poll holds the claim of.
type claimed struct {
	it   *item
	key  store.AlertKey
	prev store.AlertMessage // the record before the claim: where the message is, what it shows
	open bool               // not finished yet (its claim may need renewing or releasing)
}

// confirmation is a post Slack accepted, to be recorded in Redis.
type confirmation struct {
	key      store.AlertKey
	posted   store.Posted
	incident *store.IncidentKey
	it       *item
}

// delivery posts one channel's share of a poll. Its Slack calls run one after another, paced
// for the channel; its Redis writes go in batches.
type delivery struct {
	r        *pollRun
	ch       string
	leaseEnd time.Time
	open     []*claimed
	writes   *store.AlertWrites
	pending  []confirmation
	inc      map[int64]string // incident -> parent message ts in this channel
	changed  []changeCount
	nChanged int
	// batching holds the automatic flushes back while a digest chunk's alerts are recorded.
	batching bool
}

// deliver claims and posts one channel's work; whatever it cannot finish is left unhandled,
// so the watermark stays before it and the next poll tries again.
func (r *pollRun) deliver(ctx context.Context, w *channelWork) {
	p := r.p
	d := &delivery{r: r, ch: w.channel, writes: p.st.AlertWrites(p.opts.Owner, p.opts.Retention), inc: map[int64]string{}}
	for k, ts := range r.state.Incidents {
		if k.Channel == w.channel {
			d.inc[k.IncidentID] = ts
		}
	}
	all := append(append([]*item{}, w.news...), w.updates...)
	claims := make([]store.AlertClaim, len(all))
	for i, it := range all {
		claims[i] = store.AlertClaim{Key: store.AlertKey{Channel: w.channel, AlertID: it.a.ID}, Digest: it.digest}
	}
	now := p.opts.Now()
	res, err := p.st.ClaimAlerts(ctx, store.ClaimOptions{Owner: p.opts.Owner, Now: now, Lease: p.opts.Lease,
		Grace: p.opts.Grace, Retention: p.opts.Retention}, claims)
	if err != nil {
		p.log.Warn("claiming alerts failed", "channel", w.channel, "err", err)
		for _, it := range all {
			it.leave()
		}
		r.deferred.Add(int64(len(all)))
		return
	}
	d.leaseEnd = now.Add(p.opts.Lease)
	var news, updates, check []*claimed
	for i, cr := range res {
		c := &claimed{it: all[i], key: cr.Key, prev: cr.Prev, open: true}
		switch {
		case cr.Outcome == store.Done:
			continue
		case cr.Outcome == store.Busy:
			all[i].leave()
			r.deferred.Add(1)
			continue
		case cr.Prev.State == store.StatePending && !cr.Prev.Posted():
			// A poller (another, or this one when Slack's answer was lost) may have posted it.
			check = append(check, c)
		case cr.Prev.Posted():
			updates = append(updates, c)
		default:
			news = append(news, c)
		}
		d.open = append(d.open, c)
	}
	defer d.close(ctx)
	if len(check) > 0 {
		n, u, ok := d.reconcile(ctx, check)
		if !ok {
			return
		}
		news, updates = append(news, n...), append(updates, u...)
	}
	storm := p.opts.StormThreshold >= 0 && len(news) > p.opts.StormThreshold
	if storm {
		d.postDigest(ctx, news)
	} else {
		for _, c := range news {
			d.postNew(ctx, c)
		}
	}
	quiet := p.opts.StormThreshold >= 0 && len(updates) > p.opts.StormThreshold
	for _, c := range updates {
		d.update(ctx, c, quiet)
	}
	if quiet && d.nChanged > 0 {
		d.postChangeSummary(ctx)
	}
}

// allowed reports whether this poller may still post: it leads, and its claims' lease runs.
func (d *delivery) allowed() bool {
	return time.Now().Before(d.r.t.validUntil()) && d.r.p.opts.Now().Before(d.leaseEnd)
}

// send makes one Slack call for the channel, paced, renewing the claims first when their lease
// is running out (a long Retry-After included). attempted is false when the call was never
// made, or Slack refused it with a 429 (then nothing was posted).
func (d *delivery) send(ctx context.Context, call func(ctx context.Context) error) (attempted bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	p := d.r.p
	allowed := func() bool {
		if d.leaseEnd.Sub(p.opts.Now()) < p.opts.Lease/2 {
			d.renew(ctx)
		}
		return d.allowed()
	}
	err = p.pacer.do(ctx, d.ch, allowed, func(context.Context) error {
		// The call outlives a shutdown (so that its answer is recorded) but not the term.
		cctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), d.r.t.validUntil())
		defer cancel()
		err := call(cctx)
		var rl *slack.RateLimitedError
		attempted = !errors.As(err, &rl)
		return err
	})
	return attempted, err
}

// renew extends the lease of the claims not finished yet.
func (d *delivery) renew(ctx context.Context) {
	p := d.r.p
	end := p.opts.Now().Add(p.opts.Lease)
	w := p.st.AlertWrites(p.opts.Owner, p.opts.Retention)
	for _, c := range d.open {
		if c.open {
			w.Renew(c.key, end)
		}
	}
	lost, err := w.Exec(ctx)
	if err != nil {
		p.log.Warn("renewing claims failed", "channel", d.ch, "err", err)
		return
	}
	d.leaseEnd = end
	for _, k := range lost {
		for _, c := range d.open {
			if c.key == k && c.open {
				c.open = false
				c.it.leave()
			}
		}
	}
}

// done records the outcome of c's Slack call: confirmed after success, failed for good after a
// permanent refusal, released when the call was never made or Slack said no, and left pending
// when the answer was lost (the message may exist: the next poll looks in Slack before posting).
func (d *delivery) done(ctx context.Context, c *claimed, attempted bool, err error, posted store.Posted, inc *store.IncidentKey) {
	p := d.r.p
	c.open = false
	switch {
	case err == nil:
		d.writes.Confirm(c.key, posted)
		if inc != nil {
			d.writes.SetIncident(*inc, posted.TS)
		}
		d.pending = append(d.pending, confirmation{key: c.key, posted: posted, incident: inc, it: c.it})
	case permanent(err):
		p.log.Error("Slack refused an alert message", "channel", d.ch, "alert", c.it.a.ID, "err", err)
		d.writes.Fail(c.key, c.it.digest, slackCode(err))
		d.r.failed.Add(1)
	case !attempted || slackCode(err) != "":
		if !errors.Is(err, errLostLead) && !errors.Is(err, context.Canceled) {
			p.log.Warn("alert message not posted; the next poll tries again", "channel", d.ch, "alert", c.it.a.ID, "err", err)
		}
		d.writes.Release(c.key)
		c.it.leave()
		d.r.deferred.Add(1)
	default:
		p.log.Warn("no answer from Slack to an alert message; the next poll checks whether it exists", "channel", d.ch,
			"alert", c.it.a.ID, "err", err)
		c.it.leave()
		d.r.deferred.Add(1)
	}
	if !d.batching && len(d.pending) >= p.opts.ConfirmEvery {
		d.flush(ctx)
	}
}

// flush sends the queued writes. Confirmations Redis did not take are kept for the next poll,
// and their alerts count as unhandled until then.
func (d *delivery) flush(ctx context.Context) {
	p := d.r.p
	if d.writes.Len() == 0 {
		return
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	lost, err := d.writes.Exec(fctx)
	pending := d.pending
	d.pending = nil
	if err != nil {
		p.log.Warn("recording alert messages failed; kept for the next poll", "channel", d.ch, "err", err)
		for _, c := range pending {
			c.it.leave()
		}
		p.keepUnconfirmed(pending)
		return
	}
	for _, k := range lost {
		p.log.Warn("another poller took over an alert claim while this one posted", "channel", k.Channel, "alert", k.AlertID)
	}
}

// close flushes the writes and gives back the claims never attempted.
func (d *delivery) close(ctx context.Context) {
	for _, c := range d.open {
		if c.open {
			c.open = false
			d.writes.Release(c.key)
			c.it.leave()
			d.r.deferred.Add(1)
		}
	}
	d.flush(ctx)
}

// keepUnconfirmed remembers confirmations for the next poll.
func (p *Poller) keepUnconfirmed(cs []confirmation) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.unconfirmed = append(p.unconfirmed, cs...)
}

// flushUnconfirmed records the posts an earlier poll could not; the poll stops if Redis still
// cannot take them.
func (p *Poller) flushUnconfirmed(ctx context.Context) error {
	p.mu.Lock()
	cs := p.unconfirmed
	p.unconfirmed = nil
	p.mu.Unlock()
	if len(cs) == 0 {
		return nil
	}
	w := p.st.AlertWrites(p.opts.Owner, p.opts.Retention)
	for _, c := range cs {
		w.Confirm(c.key, c.posted)
		if c.incident != nil {
			w.SetIncident(*c.incident, c.posted.TS)
		}
	}
	if _, err := w.Exec(ctx); err != nil {
		p.keepUnconfirmed(cs)
		return err
	}
	return nil
}

// metaEvent is the event type of the metadata on every message the poller posts; reconciliation
// reads it back.
const metaEvent = "mdebot_alert"

// Message kinds in the metadata.
const (
	kindCard    = "card"
	kindDigest  = "digest"
	kindChunk   = "digest_chunk"
	kindChange  = "change"
	kindChanges = "changes"
)

func meta(kind string, payload map[string]any) slack.MsgOption {
	if payload == nil {
		payload = map[string]any{}
	}
	payload["kind"] = kind
	return slack.MsgOptionMetadata(slack.SlackMetadata{EventType: metaEvent, EventPayload: payload})
}
