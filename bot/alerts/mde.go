package alerts

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mdebot/mdebot/defender"
	"golang.org/x/time/rate"
)

// Source reads alerts and devices from MDE (*defender.Client). Alerts yields a page's alerts
// as they are decoded, so that a poll keeps only what it needs of each (see slim.go).
type Source interface {
	Alerts(ctx context.Context, opts defender.AlertListOptions) iter.Seq2[defender.Alert, error]
	GetAlert(ctx context.Context, id string, withEvidence bool) (defender.Alert, error)
	ListMachines(ctx context.Context, opts defender.ListOptions) ([]defender.Machine, error)
}

// mdeBudget bounds the poller's share of MDE's rate limit: every request of the poller waits for
// a token of its own bucket before it joins the client's shared limiter, so people running
// commands always have the rest. A 429 pauses the shared limiter for its Retry-After (defender
// does that), and the poll simply fails and is tried again: nothing is lost.
type mdeBudget struct {
	lim      *rate.Limiter
	perMin   int
	calls    atomic.Int64 // every request made
	lastPoll atomic.Int64 // requests of the current poll
}

func newMDEBudget(perMinute int) *mdeBudget {
	if perMinute <= 0 {
		return &mdeBudget{lim: rate.NewLimiter(rate.Inf, 1)}
	}
	// A burst of a quarter of the minute's share serves a poll that needs a few pages at once.
	return &mdeBudget{lim: rate.NewLimiter(rate.Limit(float64(perMinute)/60), max(1, perMinute/4)), perMin: perMinute}
}

// call waits for the budget, then runs fn (one MDE request).
func (m *mdeBudget) call(ctx context.Context, fn func(ctx context.Context) error) error {
	if err := m.lim.Wait(ctx); err != nil {
		return fmt.Errorf("alert poller: waiting for its MDE budget: %w", err)
	}
	m.calls.Add(1)
	m.lastPoll.Add(1)
	return fn(ctx)
}

// tagCache keeps devices' machine tags for ttl, so that routing on tags costs MDE one request
// per tagBatch devices not seen recently. Expired entries are dropped at every lookup, and the
// cache never holds more than size devices (the oldest go first).
type tagCache struct {
	ttl  time.Duration
	size int
	mu   sync.Mutex
	m    map[string]tagEntry
}

type tagEntry struct {
	tags []string
	at   time.Time
}

// tagBatch is how many devices one request looks up ("id eq ... or id eq ...").
const tagBatch = 20

// refreshAfter is how many unknown devices one lookup asks about by id (a request per tagBatch);
// beyond it (a storm on many devices, or the first poll) every device is listed instead, a page
// of defender.MaxPageSize at a time: the cost follows the number of devices, never the number
// of alerts.
const refreshAfter = 2 * tagBatch

// tagCacheSize bounds the tag cache: far more devices than alert on in one cache TTL.
const tagCacheSize = 20000

func newTagCache(ttl time.Duration, size int) *tagCache {
	return &tagCache{ttl: ttl, size: max(1, size), m: map[string]tagEntry{}}
}

// tags returns the machine tags of the devices ids, asking MDE about those not cached.
func (c *tagCache) tags(ctx context.Context, src Source, budget *mdeBudget, now time.Time, ids []string) (map[string][]string, error) {
	out := make(map[string][]string, len(ids))
	var missing []string
	c.mu.Lock()
	c.expireLocked(now)
	for _, id := range ids {
		if e, ok := c.m[id]; ok && now.Sub(e.at) < c.ttl {
			out[id] = e.tags
		} else if _, dup := out[id]; !dup {
			out[id] = nil
			missing = append(missing, id)
		}
	}
	c.mu.Unlock()
	if len(missing) > refreshAfter {
		if err := c.refreshAll(ctx, src, budget, now, out); err != nil {
			return nil, err
		}
		return out, nil
	}
	for len(missing) > 0 {
		n := min(tagBatch, len(missing))
		batch := missing[:n]
		missing = missing[n:]
		var ms []defender.Machine
		err := budget.call(ctx, func(ctx context.Context) error {
			var err error
			ms, err = src.ListMachines(ctx, defender.ListOptions{Filter: defender.In("id", batch...), PageSize: n, Limit: n})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("alert poller: machine tags: %w", err)
		}
		c.mu.Lock()
		for _, id := range batch {
			c.m[id] = tagEntry{at: now}
		}
		for _, m := range ms {
			if _, asked := out[m.ID]; !asked {
				continue // not a device of this lookup: not cached either
			}
			c.m[m.ID] = tagEntry{tags: m.MachineTags, at: now}
			out[m.ID] = m.MachineTags
		}
		c.shrinkLocked()
		c.mu.Unlock()
	}
	return out, nil
}

// expireLocked drops the entries older than the TTL; c.mu is held.
func (c *tagCache) expireLocked(now time.Time) {
	for id, e := range c.m {
		if now.Sub(e.at) >= c.ttl {
			delete(c.m, id)
		}
	}
}

// shrinkLocked drops the oldest entries while the cache holds more than its size; c.mu is held.
func (c *tagCache) shrinkLocked() {
	extra := len(c.m) - c.size
	if extra <= 0 {
		return
	}
	ids := make([]string, 0, len(c.m))
	for id := range c.m {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return c.m[a].at.Compare(c.m[b].at) })
	for _, id := range ids[:extra] {
		delete(c.m, id)
	}
}

// refreshAll lists every device, caches its tags, and fills out (the devices asked about) from
// them; a device MDE does not list is cached without tags.
func (c *tagCache) refreshAll(ctx context.Context, src Source, budget *mdeBudget, now time.Time, out map[string][]string) error {
	for skip := 0; ; skip += defender.MaxPageSize {
		var ms []defender.Machine
		err := budget.call(ctx, func(ctx context.Context) error {
			var err error
			ms, err = src.ListMachines(ctx, defender.ListOptions{PageSize: defender.MaxPageSize, Limit: defender.MaxPageSize, Skip: skip})
			return err
		})
		if err != nil {
			return fmt.Errorf("alert poller: machine tags: %w", err)
		}
		c.mu.Lock()
		for _, m := range ms {
			c.m[m.ID] = tagEntry{tags: m.MachineTags, at: now}
			if _, asked := out[m.ID]; asked {
				out[m.ID] = m.MachineTags
			}
		}
		c.mu.Unlock()
		if len(ms) < defender.MaxPageSize {
			break
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for id := range out {
		if _, ok := c.m[id]; !ok {
			c.m[id] = tagEntry{at: now}
		}
	}
	c.shrinkLocked()
	return nil
}
