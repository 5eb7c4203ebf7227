package alerts

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/store"
	"golang.org/x/sync/errgroup"
)

// pollRun is the working state of one poll.
type pollRun struct {
	p     *Poller
	t     *term
	now   time.Time
	state store.AlertState
	// first is set when the store has no watermark (its first poll): whatever the channels
	// already show was posted before the store began, and is looked up before posting.
	first bool
	// slim is set when the poll's alerts were kept slim (see slim.go): a card fetches its
	// alert whole first.
	slim bool

	seen, posted, digested, updated, muted, unrouted, failed, deferred, below, held atomic.Int64

	mu      sync.Mutex
	refused map[string]string // channel -> Slack's code, for the channels Slack refused
}

// noteRefused records that Slack refused channel (or the token) with code.
func (r *pollRun) noteRefused(channel, code string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.refused == nil {
		r.refused = map[string]string{}
	}
	r.refused[channel] = code
}

// refusedSummary is "C0A not_in_channel, C0B token_revoked", or "".
func (r *pollRun) refusedSummary() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	parts := make([]string, 0, len(r.refused))
	for ch, code := range r.refused {
		parts = append(parts, ch+" "+code)
	}
	slices.Sort(parts)
	return commands.Truncate(strings.Join(parts, ", "), 200)
}

// maxChannelsAtOnce bounds how many channels one poll posts to at the same time.
const maxChannelsAtOnce = 8

// poll runs one poll and records its watermark and statistics (if still the leader).
func (p *Poller) poll(ctx context.Context, t *term) error {
	start := time.Now()
	p.budget.lastPoll.Store(0)
	r := &pollRun{p: p, t: t, now: p.opts.Now()}
	wm, err := r.run(ctx)
	st := store.PollStats{Leader: p.opts.Owner, At: p.opts.Now(), Duration: time.Since(start), Watermark: wm,
		Seen: r.seen.Load(), Posted: r.posted.Load(), Digested: r.digested.Load(), Updated: r.updated.Load(),
		Muted: r.muted.Load(), Unrouted: r.unrouted.Load(), Failed: r.failed.Load(), Deferred: r.deferred.Load(),
		Below: r.below.Load(), Held: r.held.Load(), Refused: r.refusedSummary(), MDECalls: p.budget.lastPoll.Load()}
	newWM := wm
	if err != nil {
		newWM = time.Time{}
		if !errors.Is(err, context.Canceled) { // a shutdown is no failure
			st.Error = commands.Truncate(err.Error(), 300)
		}
	}
	p.m.polled(st, newWM, err)
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if cerr := p.st.CommitPoll(cctx, t.leader, newWM, st); cerr != nil {
		return errors.Join(err, fmt.Errorf("alert poller: recording the poll: %w", cerr))
	}
	p.log.Debug("alert poll done", "seen", st.Seen, "posted", st.Posted, "digested", st.Digested, "updated", st.Updated,
		"muted", st.Muted, "deferred", st.Deferred, "below", st.Below, "held", st.Held, "mde_calls", st.MDECalls,
		"watermark", wm, "took", st.Duration)
	return err
}

// run does the poll and returns the watermark every alert up to which is handled (the old one
// when the poll failed).
func (r *pollRun) run(ctx context.Context) (time.Time, error) {
	p := r.p
	if err := p.flushUnconfirmed(ctx); err != nil {
		return time.Time{}, err
	}
	wm, err := p.st.AlertWatermark(ctx, PollerName)
	first := errors.Is(err, store.ErrNotFound)
	if err != nil && !first {
		return time.Time{}, err
	}
	since := wm.Add(-p.opts.Overlap)
	if first {
		wm = r.now.Add(-p.opts.Lookback)
		since = wm
		r.first = true
	}
	mutes, err := p.st.Mutes(ctx, r.now)
	if err != nil {
		return wm, err
	}
	items, err := r.fetch(ctx, since, mutes)
	if err != nil {
		return wm, err
	}
	err = r.classify(ctx, items, mutes)
	if err != nil {
		return wm, err
	}
	todo := p.done.todo(r.t, items)
	if err := r.load(ctx, todo); err != nil {
		return wm, err
	}
	if err := r.countMuted(ctx, todo); err != nil {
		return wm, err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(maxChannelsAtOnce)
	for _, w := range r.plan(todo) {
		g.Go(func() error { r.deliver(gctx, w); return nil })
	}
	_ = g.Wait()
	if ctx.Err() == nil {
		p.done.remember(r.t, items)
	}
	return r.watermark(wm, items), ctx.Err()
}

// loadChunk is how many items load reads the state of at a time, so that a storm's reads and
// their replies are never all held at once: a multiple of the store's keys per call, so that
// chunking adds no call and no round trip.
const loadChunk = 256

// load reads, pipelined, every notification, incident thread, mute marker and channel list the
// items need, loadChunk items at a time; then the notifications in the channels an alert was
// posted in and no longer routes to (see moved.go).
func (r *pollRun) load(ctx context.Context, items []*item) error {
	r.state = store.AlertState{Messages: map[store.AlertKey]store.AlertMessage{}, Incidents: map[store.IncidentKey]store.IncidentThread{},
		Muted: map[string]string{}, Channels: map[string][]string{}}
	seenInc := map[store.IncidentKey]bool{}
	for from := 0; from < len(items); from += loadChunk {
		var q store.AlertStateQuery
		for _, it := range items[from:min(from+loadChunk, len(items))] {
			if it.mute() != nil {
				q.Muted = append(q.Muted, it.id())
				continue
			}
			q.Channels = append(q.Channels, it.id())
			for _, ch := range it.channels() {
				q.Messages = append(q.Messages, store.AlertKey{Channel: ch, AlertID: it.id()})
				if k := (store.IncidentKey{Channel: ch, IncidentID: it.incident}); it.incident != 0 && !seenInc[k] {
					seenInc[k] = true
					q.Incidents = append(q.Incidents, k)
				}
			}
		}
		st, err := r.p.st.LoadAlertState(ctx, q)
		if err != nil {
			return err
		}
		maps.Copy(r.state.Messages, st.Messages)
		maps.Copy(r.state.Incidents, st.Incidents)
		maps.Copy(r.state.Muted, st.Muted)
		maps.Copy(r.state.Channels, st.Channels)
	}
	return r.loadMoved(ctx, items)
}

// countMuted counts each muted alert once per version against its mute.
func (r *pollRun) countMuted(ctx context.Context, items []*item) error {
	w := r.p.st.AlertWrites(r.p.opts.Owner, r.p.opts.Retention)
	hits := map[string]int64{}
	for _, it := range items {
		if it.mute() == nil {
			continue
		}
		r.muted.Add(1)
		if r.state.Muted[it.id()] == it.digest() {
			continue
		}
		hits[it.mute().ID]++
		w.MarkMuted(it.id(), it.digest())
	}
	for id, n := range hits {
		w.CountMuteHits(id, n)
	}
	if w.Len() == 0 {
		return nil
	}
	_, err := w.Exec(ctx)
	return err
}

// channelWork is what one channel gets in a poll: alerts to post, posted alerts whose visible
// fields changed, and posted alerts that now go to other channels.
type channelWork struct {
	channel string
	news    []*item
	updates []*item
	moved   []*item
}

// plan sorts the work by channel, leaving out what is already handled: unchanged messages,
// muted and unrouted alerts, and low alerts that were never posted (counted as below the
// minimum).
func (r *pollRun) plan(items []*item) []*channelWork {
	byCh := map[string]*channelWork{}
	var order []string
	work := func(ch string) *channelWork {
		w := byCh[ch]
		if w == nil {
			w = &channelWork{channel: ch}
			byCh[ch] = w
			order = append(order, ch)
		}
		return w
	}
	for _, it := range items {
		if it.mute() != nil {
			continue
		}
		shown := false
		for _, ch := range it.channels() {
			m, ok := r.state.Messages[store.AlertKey{Channel: ch, AlertID: it.id()}]
			shown = shown || m.Posted()
			if ok && m.State != store.StatePending && m.Digest == it.digest() {
				continue
			}
			if it.low() && !m.Posted() {
				continue
			}
			if w := work(ch); m.Posted() {
				w.updates = append(w.updates, it)
			} else {
				w.news = append(w.news, it)
			}
		}
		if it.low() && !shown {
			r.below.Add(1)
		}
		for _, ch := range it.moved() {
			m := r.state.Messages[store.AlertKey{Channel: ch, AlertID: it.id()}]
			if m.State != store.StatePending && m.Digest == movedDigest(it.digest(), it.channels()) {
				continue
			}
			w := work(ch)
			w.moved = append(w.moved, it)
		}
	}
	out := make([]*channelWork, 0, len(order))
	for _, ch := range order {
		out = append(out, byCh[ch])
	}
	return out
}

// watermark is the lastUpdateTime up to which every alert is handled: just before the oldest
// alert left for the next poll, or the newest one read when none was left.
func (r *pollRun) watermark(wm time.Time, items []*item) time.Time {
	var newest time.Time
	for _, it := range items {
		t := it.updatedAt()
		if it.isUnhandled() {
			// The query is "ge": starting at the unhandled alert's time reads it again.
			return t
		}
		if t.After(newest) {
			newest = t
		}
	}
	if newest.After(wm) {
		return newest
	}
	return wm
}
