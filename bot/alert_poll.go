package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
	"golang.org/x/sync/errgroup"
)

// item is one alert of a poll, with what the poll decided about it.
type item struct {
	a        defender.Alert
	vis      visible
	digest   string
	low      bool // below MinSeverity: only an existing message is kept up to date
	channels []string
	mute     *store.Mute

	mu        sync.Mutex
	unhandled bool // some channel did not finish it; the watermark stays before it
}

func (it *item) leave() {
	it.mu.Lock()
	it.unhandled = true
	it.mu.Unlock()
}

// pollRun is the working state of one poll.
type pollRun struct {
	p     *Poller
	t     *term
	now   time.Time
	state store.AlertState

	seen, posted, digested, updated, muted, unrouted, failed, deferred atomic.Int64
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
		MDECalls: p.budget.lastPoll.Load()}
	newWM := wm
	if err != nil {
		newWM = time.Time{}
		if !errors.Is(err, context.Canceled) { // a shutdown is no failure
			st.Error = commands.Truncate(err.Error(), 300)
		}
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if cerr := p.st.CommitPoll(cctx, t.leader, newWM, st); cerr != nil {
		return errors.Join(err, fmt.Errorf("alert poller: recording the poll: %w", cerr))
	}
	p.log.Debug("alert poll done", "seen", st.Seen, "posted", st.Posted, "digested", st.Digested, "updated", st.Updated,
		"muted", st.Muted, "deferred", st.Deferred, "mde_calls", st.MDECalls, "watermark", wm, "took", st.Duration)
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
	}
	mutes, err := p.st.Mutes(ctx, r.now)
	if err != nil {
		return wm, err
	}
	alerts, err := r.fetch(ctx, since)
	if err != nil {
		return wm, err
	}
	items, err := r.classify(ctx, alerts, mutes)
	if err != nil {
		return wm, err
	}
	if err := r.load(ctx, items); err != nil {
		return wm, err
	}
	if err := r.countMuted(ctx, items); err != nil {
		return wm, err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(maxChannelsAtOnce)
	for _, w := range r.plan(items) {
		g.Go(func() error { r.deliver(gctx, w); return nil })
	}
	_ = g.Wait()
	return r.watermark(wm, items), ctx.Err()
}

// load reads, pipelined, every notification, incident thread and mute marker the items
// need.
func (r *pollRun) load(ctx context.Context, items []*item) error {
	var q store.AlertStateQuery
	seenInc := map[store.IncidentKey]bool{}
	for _, it := range items {
		if it.mute != nil {
			q.Muted = append(q.Muted, it.a.ID)
			continue
		}
		for _, ch := range it.channels {
			q.Messages = append(q.Messages, store.AlertKey{Channel: ch, AlertID: it.a.ID})
			if k := (store.IncidentKey{Channel: ch, IncidentID: it.a.IncidentID}); it.a.IncidentID != 0 && !seenInc[k] {
				seenInc[k] = true
				q.Incidents = append(q.Incidents, k)
			}
		}
	}
	var err error
	r.state, err = r.p.st.LoadAlertState(ctx, q)
	return err
}

// countMuted counts each muted alert once per version against its mute.
func (r *pollRun) countMuted(ctx context.Context, items []*item) error {
	w := r.p.st.AlertWrites(r.p.opts.Owner, r.p.opts.Retention)
	hits := map[string]int64{}
	for _, it := range items {
		if it.mute == nil {
			continue
		}
		r.muted.Add(1)
		if r.state.Muted[it.a.ID] == it.digest {
			continue
		}
		hits[it.mute.ID]++
		w.MarkMuted(it.a.ID, it.digest)
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

// channelWork is what one channel gets in a poll: alerts to post, and posted alerts whose
// visible fields changed.
type channelWork struct {
	channel string
	news    []*item
	updates []*item
}

// plan sorts the work by channel, leaving out what is already handled: unchanged messages,
// muted and unrouted alerts, and low alerts that were never posted.
func (r *pollRun) plan(items []*item) []*channelWork {
	byCh := map[string]*channelWork{}
	var order []string
	for _, it := range items {
		if it.mute != nil {
			continue
		}
		for _, ch := range it.channels {
			m, ok := r.state.Messages[store.AlertKey{Channel: ch, AlertID: it.a.ID}]
			if ok && m.State != store.StatePending && m.Digest == it.digest {
				continue
			}
			if it.low && !m.Posted() {
				continue
			}
			w := byCh[ch]
			if w == nil {
				w = &channelWork{channel: ch}
				byCh[ch] = w
				order = append(order, ch)
			}
			if m.Posted() {
				w.updates = append(w.updates, it)
			} else {
				w.news = append(w.news, it)
			}
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
		t := it.a.LastUpdateTime.Time
		if it.unhandled {
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
