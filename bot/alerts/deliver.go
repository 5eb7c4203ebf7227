package alerts

import (
	"context"
	"errors"
	"time"

	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
	"github.com/slack-go/slack"
)

// claimed is one (alert, channel) notification this poll holds the claim of.
type claimed struct {
	it     *item
	key    store.AlertKey
	digest string             // what the channel's message is to show (see movedDigest)
	prev   store.AlertMessage // the record before the claim: where the message is, what it shows
	open   bool               // not finished yet (its claim may need renewing or releasing)
	// movedTo are the channels the alert goes to now, when this channel is one it left.
	movedTo []string
}

// incidentRef is an incident thread to record: a new alert's message became its parent.
type incidentRef struct {
	key    store.IncidentKey
	thread store.IncidentThread
}

// confirmation is a post Slack accepted, to be recorded in Redis.
type confirmation struct {
	key      store.AlertKey
	posted   store.Posted
	incident *incidentRef
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
	inc      map[int64]store.IncidentThread // incident -> parent message in this channel
	changed  []render.ChangeCount
	nChanged int
	// batching holds the automatic flushes back while a digest chunk's alerts are recorded.
	batching bool
	// refused is Slack's code once it refused the channel or the token in this poll: the rest
	// of the channel's work is left for the next poll without asking again.
	refused string
	// ahead and wholes serve the cards of a poll that kept its alerts slim (see slim.go).
	ahead  []string
	wholes map[string]defender.Alert
}

// deliver claims and posts one channel's work; whatever it cannot finish is left unhandled,
// so the watermark stays before it and the next poll tries again.
func (r *pollRun) deliver(ctx context.Context, w *channelWork) {
	p := r.p
	d := &delivery{r: r, ch: w.channel, writes: p.st.AlertWrites(p.opts.Owner, p.opts.Retention), inc: map[int64]store.IncidentThread{}}
	for k, th := range r.state.Incidents {
		if k.Channel == w.channel {
			d.inc[k.IncidentID] = th
		}
	}
	all := append(append(append([]*item{}, w.news...), w.updates...), w.moved...)
	nCurrent := len(w.news) + len(w.updates)
	claims := make([]store.AlertClaim, len(all))
	for i, it := range all {
		digest := it.digest
		if i >= nCurrent {
			digest = movedDigest(it.digest, it.channels)
		}
		claims[i] = store.AlertClaim{Key: store.AlertKey{Channel: w.channel, AlertID: it.a.ID}, Digest: digest}
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
		c := &claimed{it: all[i], key: cr.Key, digest: claims[i].Digest, prev: cr.Prev, open: true}
		if i >= nCurrent {
			c.movedTo = all[i].channels
		}
		switch {
		case cr.Outcome == store.Done:
			continue
		case cr.Outcome == store.Busy:
			all[i].leave()
			r.deferred.Add(1)
			continue
		case c.movedTo != nil && !cr.Prev.Posted():
			// No message of the alert to keep up to date here, and it is not posted here anew.
			d.writes.Release(c.key)
			continue
		case cr.Prev.State == store.StatePending && !cr.Prev.Posted():
			// A poller (another, or this one when Slack's answer was lost) may have posted it.
			check = append(check, c)
		case r.first && !cr.Prev.Posted():
			// The store's first poll: the channel may show it from before the store began.
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
	if !storm {
		d.cardsAhead(news)
	}
	d.cardsAhead(updates)
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
	if d.refused != "" {
		return false, &channelRefused{code: d.refused}
	}
	p := d.r.p
	allowed := func() error {
		if d.leaseEnd.Sub(p.opts.Now()) < p.opts.Lease/2 {
			d.renew(ctx)
		}
		if !d.allowed() {
			return errLostLead
		}
		return nil
	}
	err = p.pacer.Do(ctx, d.ch, allowed, func(context.Context) error {
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
