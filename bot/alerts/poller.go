// Package alerts is the alert notifier: the replica holding the leader lock polls MDE for
// alerts, claims each in Redis, posts it (or a storm digest) to its routed channel through a
// paced client, edits the message and replies in its thread when the alert changes, follows it
// when it moves to another channel, reconciles what a dead poller posted from channel history,
// reports its state to status, and answers the alert buttons (Assign to me, Resolve, Isolate
// device) by running the alert command as the person who clicked. It must not decide who may do
// what (commands does), build Block Kit itself (bot/render does), or import the socket runtime.
package alerts

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/mdebot/mdebot/bot/slackpost"
	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// PollerName names the alert poller's leader lock, watermark and statistics in the store.
const PollerName = "alertpoller"

// Options configure the alert poller. Zero values take the defaults shown.
type Options struct {
	// Owner names this replica in claims, logs and status (a random suffix is added).
	Owner string
	// DefaultChannel receives the alerts no route matches (MDEBOT_ALERT_CHANNEL).
	DefaultChannel string
	// Routes send alerts to channels by rule (MDEBOT_ALERT_ROUTES).
	Routes commands.Routes
	// MinSeverity is the lowest severity posted (MDEBOT_ALERT_MIN_SEVERITY); Low. An alert
	// with severity UnSpecified (or one unknown here) counts as Informational.
	MinSeverity defender.Severity
	// Interval is the time between polls (MDEBOT_ALERT_POLL_INTERVAL); 15s.
	Interval time.Duration
	// Lookback is how far back the very first poll looks (MDEBOT_ALERT_LOOKBACK); 1h.
	Lookback time.Duration
	// Overlap is how far before the watermark each poll reads again, for alerts MDE makes
	// visible late; 5m.
	Overlap time.Duration
	// LockTTL is the leader lock's time to live (Kubernetes' leader election calls it the lease
	// duration); the leader renews it every third of it and stops posting when two thirds
	// passed without a renewal (the renew deadline), before the lock can expire; 15s.
	LockTTL time.Duration
	// RetryPeriod is how often a follower tries to take the lock; it also tries the moment the
	// holder's lock runs out, so a dead leader is replaced within LockTTL; 2s.
	RetryPeriod time.Duration
	// Lease is how long a claim on one notification is its poller's alone; LockTTL.
	Lease time.Duration
	// Grace is waited beyond another poller's lease before taking its claims over; 5s.
	Grace time.Duration
	// Retention is how long message references are kept (later changes edit the message); 14d.
	Retention time.Duration
	// StormThreshold is how many new alerts one poll may post to one channel one by one; more
	// become a digest. 20; negative disables digests.
	StormThreshold int
	// PortalURL is the Defender portal, for links.
	PortalURL string
	// ActionButtons puts Isolate device, Assign to me and Resolve on alert messages. Set it only
	// when response actions are on (MDEBOT_RESPONDERS) and the bot handles those buttons;
	// otherwise messages only link to the portal.
	ActionButtons bool
	// MDEPerMinute is the poller's share of MDE's 100 calls a minute; 20. Negative: unbounded.
	MDEPerMinute int
	// PageSize is the $top of each alert page; 10,000 (MDE's maximum).
	PageSize int
	// SlackPerSecond and SlackBurst pace the messages to each channel; 1 and 3. Negative
	// SlackPerSecond: unpaced.
	SlackPerSecond float64
	SlackBurst     int
	// ConfirmEvery is how many posted messages are confirmed in Redis together; 25. A crash
	// loses at most that many confirmations, which the next leader recovers from Slack.
	ConfirmEvery int
	// Now is the clock; time.Now.
	Now func() time.Time
	// Sleep waits (Retry-After of a 429); it returns early with ctx's error.
	Sleep func(ctx context.Context, d time.Duration) error
	// Log receives the poller's records.
	Log *slog.Logger
	// Registerer receives the poller's metrics (see metrics.go); nil for none.
	Registerer prometheus.Registerer
}

func (o *Options) defaults() {
	o.MinSeverity = cmp.Or(o.MinSeverity, defender.SeverityLow)
	o.Interval = cmp.Or(o.Interval, 15*time.Second)
	o.Lookback = cmp.Or(o.Lookback, time.Hour)
	o.Overlap = cmp.Or(o.Overlap, 5*time.Minute)
	o.LockTTL = cmp.Or(o.LockTTL, 15*time.Second)
	o.RetryPeriod = cmp.Or(o.RetryPeriod, 2*time.Second)
	o.Lease = cmp.Or(o.Lease, o.LockTTL)
	o.Grace = cmp.Or(o.Grace, 5*time.Second)
	o.Retention = cmp.Or(o.Retention, 14*24*time.Hour)
	o.StormThreshold = cmp.Or(o.StormThreshold, 20)
	o.MDEPerMinute = cmp.Or(o.MDEPerMinute, 20)
	o.PageSize = cmp.Or(o.PageSize, defender.MaxPageSize)
	o.SlackPerSecond = cmp.Or(o.SlackPerSecond, 1)
	o.SlackBurst = cmp.Or(o.SlackBurst, 3)
	o.ConfirmEvery = cmp.Or(o.ConfirmEvery, 25)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = slackpost.Sleep
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	o.Owner = cmp.Or(o.Owner, "mdebot") + "-" + strings.ToLower(rand.Text()[:6])
}

// Poller posts MDE alerts to Slack. Every replica runs one; only the holder of the leader lock
// polls (see Run).
type Poller struct {
	opts   Options
	log    *slog.Logger
	mde    Source
	slack  SlackAPI
	st     *store.Store
	budget *mdeBudget
	pacer  *slackpost.Pacer
	tags   *tagCache
	me     ownIdentity
	m      *metrics
	done   handled // the alerts this term's polls found done (see handled.go)

	// unconfirmed are posts Slack accepted whose confirmation Redis did not take (it was down);
	// they are confirmed first thing in the next poll, so they are never posted twice.
	mu          sync.Mutex
	unconfirmed []confirmation
}

// NewPoller returns a poller; Run starts it.
func NewPoller(mde Source, api SlackAPI, st *store.Store, opts Options) *Poller {
	opts.defaults()
	every := rate.Limit(opts.SlackPerSecond)
	if opts.SlackPerSecond < 0 {
		every = rate.Inf
	}
	return &Poller{
		opts:   opts,
		log:    opts.Log.With("component", "alert-poller", "owner", opts.Owner),
		mde:    mde,
		slack:  api,
		st:     st,
		budget: newMDEBudget(opts.MDEPerMinute),
		pacer:  slackpost.NewPacer(every, opts.SlackBurst, opts.Sleep),
		tags:   newTagCache(10*time.Minute, tagCacheSize),
		m:      newMetrics(opts.Registerer, opts.Now),
	}
}

// Owner is this replica's name in claims and in status.
func (p *Poller) Owner() string { return p.opts.Owner }

// Run competes for the leader lock until ctx ends, the way Kubernetes' leader election does
// (k8s.io/client-go/tools/leaderelection: 15s lease, 10s renew deadline, 2s retry period): a
// follower tries every RetryPeriod, and right when the holder's lock runs out; the leader polls
// every Interval and renews the lock every third of its TTL. A leader that cannot renew stops
// posting before its lock can have expired, so that two leaders never post at the same time;
// whatever a leader left half done, the next one finishes through the claims.
func (p *Poller) Run(ctx context.Context) error {
	for {
		start := time.Now()
		l, err := p.st.ObtainLeader(ctx, PollerName, p.opts.Owner, p.opts.LockTTL)
		switch {
		case err == nil:
			p.log.Info("alert poller leads", "epoch", l.Epoch())
			p.lead(ctx, newTerm(l, start))
		case ctx.Err() != nil:
		case !errors.Is(err, store.ErrNotLeader):
			p.log.Warn("leader lock unavailable", "err", err)
		}
		if err := slackpost.Sleep(ctx, p.retryIn(ctx)); err != nil {
			return nil
		}
	}
}

// retryIn is how long a follower waits before it tries the lock again: RetryPeriod, or less when
// the holder's lock runs out sooner (by the Redis server's clock).
func (p *Poller) retryIn(ctx context.Context) time.Duration {
	left, err := p.st.LeaderTTL(ctx, PollerName)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return min(p.opts.RetryPeriod, 10*time.Millisecond)
	case err != nil:
		return p.opts.RetryPeriod
	}
	return min(p.opts.RetryPeriod, left+time.Millisecond)
}

// term is one leadership: valid until a moment safely before the lock could expire, extended by
// every renewal.
type term struct {
	leader *store.Leader
	mu     sync.Mutex
	until  time.Time
}

// newTerm starts the term of a lock obtained by a request sent at start.
func newTerm(l *store.Leader, start time.Time) *term {
	t := &term{leader: l}
	t.extend(start)
	return t
}

func (t *term) extend(from time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	// A renewal that started at from keeps the lock until from+TTL; a third is kept as margin
	// for pauses and clock drift.
	if u := from.Add(t.leader.TTL() * 2 / 3); u.After(t.until) {
		t.until = u
	}
}

func (t *term) validUntil() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.until
}

// lead polls while t's lock is held; it returns when ctx ends or the lead is lost.
func (p *Poller) lead(ctx context.Context, t *term) {
	l := t.leader
	defer p.m.lead()()
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { p.renew(lctx, cancel, t) })
	defer wg.Wait()
	tick := time.NewTicker(p.opts.Interval)
	defer tick.Stop()
	for {
		if err := p.poll(lctx, t); err != nil && lctx.Err() == nil {
			p.log.Warn("alert poll failed", "err", err)
		}
		select {
		case <-lctx.Done():
			cancel()
			if ctx.Err() != nil {
				rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				if err := l.Release(rctx); err != nil {
					p.log.Warn("releasing the leader lock", "err", err)
				}
				rcancel()
			}
			p.log.Info("alert poller no longer leads")
			return
		case <-tick.C:
		}
	}
}

// renew refreshes the lock every third of its TTL and ends the term when it is lost, or when it
// could not be refreshed before the term's margin ran out.
func (p *Poller) renew(ctx context.Context, cancel context.CancelFunc, t *term) {
	every := t.leader.TTL() / 3
	for {
		deadline := time.Until(t.validUntil())
		if deadline <= 0 {
			p.log.Warn("leader lock not renewed in time; stepping down")
			cancel()
			return
		}
		if err := slackpost.Sleep(ctx, min(every, deadline)); err != nil {
			return
		}
		start := time.Now()
		rctx, rcancel := context.WithTimeout(ctx, every)
		err := t.leader.Refresh(rctx)
		rcancel()
		switch {
		case err == nil:
			t.extend(start)
		case errors.Is(err, store.ErrNotLeader):
			p.log.Warn("leader lock lost")
			cancel()
			return
		case ctx.Err() != nil:
			return
		default:
			p.log.Warn("leader lock not renewed", "err", err)
		}
	}
}

// PollOnce runs one poll as the holder of l, which the caller obtained just now and keeps
// renewed (Run does all this itself; tests and benchmarks call PollOnce).
func (p *Poller) PollOnce(ctx context.Context, l *store.Leader) error {
	return p.poll(ctx, newTerm(l, time.Now()))
}
