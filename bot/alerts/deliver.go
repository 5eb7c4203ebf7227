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
// Its record before the claim is d.prev(c). A claimed is two words: a storm holds thousands.
type claimed struct {
	it   *item
	open bool // not finished yet (its claim may need renewing or releasing)
	// left is set when this channel is one the alert left (see movedTo).
	left bool
}

// noRecord is the prev of every claim that found no record.
var noRecord store.AlertMessage

// prev is the record of c before the claim: where the message is, what it shows; noRecord,
// not to be written to, when there was none (a storm's new alerts: they keep no record of
// their own).
func (d *delivery) prev(c *claimed) *store.AlertMessage {
	if m, ok := d.prevs[c]; ok {
		return m
	}
	return &noRecord
}

// key is the record of c's notification in this delivery's channel.
func (d *delivery) key(c *claimed) store.AlertKey {
	return store.AlertKey{Channel: d.ch, AlertID: c.it.id()}
}

// digest is what the channel's message is to show (see movedDigest).
func (c *claimed) digest() string {
	if c.left {
		return movedDigest(c.it.digest(), c.it.channels())
	}
	return c.it.digest()
}

// movedTo are the channels the alert goes to now, when this channel is one it left; else nil.
func (c *claimed) movedTo() []string {
	if !c.left {
		return nil
	}
	return c.it.channels()
}

// claimChunk is how many claims deliver sends and reads at a time, so that a storm's claims
// and their replies are never all held at once: a multiple of the store's claims per call,
// so that chunking adds no call and no round trip.
const claimChunk = 512

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
	claims   [][]claimed                      // every claim of the delivery, claimChunk at a time
	prevs    map[*claimed]*store.AlertMessage // the claims' records, for those that had one (see prev)
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
	d := &delivery{r: r, ch: w.channel, writes: p.st.AlertWrites(p.opts.Owner, p.opts.Retention), inc: map[int64]store.IncidentThread{},
		prevs: map[*claimed]*store.AlertMessage{}}
	for k, th := range r.state.Incidents {
		if k.Channel == w.channel {
			d.inc[k.IncidentID] = th
		}
	}
	defer d.close(ctx)
	news, updates := make([]*claimed, 0, len(w.news)), make([]*claimed, 0, len(w.updates)) // no copies as they grow
	var check []*claimed
	lists := [][]*item{w.news, w.updates, w.moved}
	w.news, w.updates, w.moved = nil, nil, nil // what is not claimed is not held
	for l, list := range lists {
		for from := 0; from < len(list); from += claimChunk {
			n, u, c, ok := d.claim(ctx, list[from:min(from+claimChunk, len(list))], l == 2)
			if !ok {
				for _, rest := range append([][]*item{list[from:]}, lists[l+1:]...) {
					for _, it := range rest {
						it.leave()
					}
					r.deferred.Add(int64(len(rest)))
				}
				return // the claims held so far are given back by close
			}
			news, updates, check = append(news, n...), append(updates, u...), append(check, c...)
		}
		lists[l] = nil
	}
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

// claim claims the items of one chunk (left: this channel is one they left) and sorts them out:
// new posts, updates, and those to look for in Slack first. ok is false when Redis did not
// answer.
func (d *delivery) claim(ctx context.Context, items []*item, left bool) (news, updates, check []*claimed, ok bool) {
	r, p := d.r, d.r.p
	claims := make([]store.AlertClaim, len(items))
	for i, it := range items {
		digest := it.digest()
		if left {
			digest = movedDigest(digest, it.channels())
		}
		claims[i] = store.AlertClaim{Key: store.AlertKey{Channel: d.ch, AlertID: it.id()}, Digest: digest}
	}
	now := p.opts.Now()
	res, err := p.st.ClaimAlerts(ctx, store.ClaimOptions{Owner: p.opts.Owner, Now: now, Lease: p.opts.Lease,
		Grace: p.opts.Grace, Retention: p.opts.Retention}, claims)
	if err != nil {
		p.log.Warn("claiming alerts failed", "channel", d.ch, "err", err)
		return nil, nil, nil, false
	}
	if d.leaseEnd.IsZero() {
		d.leaseEnd = now.Add(p.opts.Lease)
	}
	slab := make([]claimed, len(res))
	for i, cr := range res {
		c := &slab[i]
		*c = claimed{it: items[i], left: left}
		if cr.Prev != (store.AlertMessage{}) || cr.Prev.State == store.StatePending || r.first {
			prev := cr.Prev // its own: reconcile writes to it
			d.prevs[c] = &prev
		}
		switch {
		case cr.Outcome == store.Done:
			continue
		case cr.Outcome == store.Busy:
			items[i].leave()
			r.deferred.Add(1)
			continue
		case c.left && !cr.Prev.Posted():
			// No message of the alert to keep up to date here, and it is not posted here anew.
			d.writes.Release(d.key(c))
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
		c.open = true
	}
	d.claims = append(d.claims, slab)
	return news, updates, check, true
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

// renew extends the lease of the claims not finished yet, claimChunk at a time (a storm's
// renewals are never all queued at once; the calls and round trips are the same).
func (d *delivery) renew(ctx context.Context) {
	p := d.r.p
	now := p.opts.Now()
	end := now.Add(p.opts.Lease)
	w := p.st.AlertWrites(p.opts.Owner, p.opts.Retention)
	for _, slab := range d.claims { // at most claimChunk each
		var batch []*claimed
		for i := range slab {
			if c := &slab[i]; c.open {
				w.Renew(d.key(c), now, p.opts.Lease)
				batch = append(batch, c)
			}
		}
		if len(batch) == 0 {
			continue
		}
		lost, err := w.Exec(ctx)
		if err != nil {
			p.log.Warn("renewing claims failed", "channel", d.ch, "err", err)
			return
		}
		for _, k := range lost {
			for _, c := range batch {
				if d.key(c) == k && c.open {
					c.open = false
					c.it.leave()
				}
			}
		}
	}
	d.leaseEnd = end
}
