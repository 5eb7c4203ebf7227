package defender

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"golang.org/x/time/rate"
)

// Family groups endpoints that share a documented rate limit.
type Family int

// The families with limits of their own. Every call also counts against General.
const (
	General Family = iota
	Hunting
	PackageURI
)

func (f Family) String() string {
	switch f {
	case Hunting:
		return "hunting"
	case PackageURI:
		return "package-uri"
	}
	return "general"
}

// Window is "at most Count calls in any Per".
type Window struct {
	Count int
	Per   time.Duration
}

// Limits are the windows per family; an empty list means no client-side limit.
type Limits map[Family][]Window

// DefaultLimits are MDE's documented limits: 100 calls a minute and 1,500 an hour in general,
// 45 a minute (and 1,500 an hour) for advanced hunting, 2 a minute (and 120 an hour) for the
// investigation package URI.
func DefaultLimits() Limits {
	return Limits{
		General:    {{Count: 100, Per: time.Minute}, {Count: 1500, Per: time.Hour}},
		Hunting:    {{Count: 45, Per: time.Minute}, {Count: 1500, Per: time.Hour}},
		PackageURI: {{Count: 2, Per: time.Minute}, {Count: 120, Per: time.Hour}},
	}
}

// Unlimited has no client-side limits (tests and benchmarks against a fake).
func Unlimited() Limits { return Limits{} }

// Limiter is a client-side rate limiter shared by every caller of a Client. Each window is a
// token bucket whose burst and refill together never exceed Count calls in any span of Per, so a
// burst cannot push the tenant over MDE's limit. When MDE answers 429 (or 503) with Retry-After,
// every caller waits until then, not just the one that was throttled.
//
// It is an azcore per-retry policy: every try, retries included, passes through it.
type Limiter struct {
	buckets map[Family][]*rate.Limiter

	mu          sync.Mutex
	pausedUntil time.Time
	stats       LimiterStats
}

// LimiterStats counts what the limiter did, for the status command and metrics.
type LimiterStats struct {
	Requests  int64         // tries that passed the limiter
	Delayed   int64         // tries that had to wait for a token or a pause
	Waited    time.Duration // total time spent waiting
	Throttled int64         // 429 replies seen
	// PausedUntil is the end of the latest Retry-After pause (zero when none was asked for).
	PausedUntil time.Time
}

// NewLimiter returns a limiter enforcing limits.
func NewLimiter(limits Limits) *Limiter {
	l := &Limiter{buckets: make(map[Family][]*rate.Limiter)}
	for fam, windows := range limits {
		for _, w := range windows {
			if w.Count <= 0 || w.Per <= 0 {
				continue
			}
			// A bucket of burst B refilled at (Count-B)/Per lets through at most Count calls in
			// any span of Per. Half the budget as burst serves chat's bursts (a device card is
			// four calls) and still leaves half for a steady load; with B = 1 the refill can be
			// the full Count/Per.
			burst := max(1, w.Count/2)
			refill := rate.Limit(float64(w.Count-burst) / w.Per.Seconds())
			if burst == 1 {
				refill = rate.Limit(float64(w.Count) / w.Per.Seconds())
			}
			l.buckets[fam] = append(l.buckets[fam], rate.NewLimiter(refill, burst))
		}
	}
	return l
}

// Stats returns a snapshot of the counters.
func (l *Limiter) Stats() LimiterStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// Wait blocks until a call of family fam may be sent, or returns an error at once when ctx ends
// (or its deadline comes) before that.
func (l *Limiter) Wait(ctx context.Context, fam Family) error {
	start := time.Now()
	delayed := false
	for {
		l.mu.Lock()
		pause := time.Until(l.pausedUntil)
		l.mu.Unlock()
		if pause <= 0 {
			break
		}
		delayed = true
		if err := sleepCtx(ctx, pause); err != nil {
			return err
		}
	}
	now := time.Now()
	var res []*rate.Reservation
	var delay time.Duration
	for _, b := range l.bucketsFor(fam) {
		r := b.ReserveN(now, 1)
		if !r.OK() {
			cancelAll(res, now)
			return fmt.Errorf("defender: rate limiter cannot grant a call")
		}
		res = append(res, r)
		delay = max(delay, r.DelayFrom(now))
	}
	if delay > 0 {
		delayed = true
		if dl, ok := ctx.Deadline(); ok && dl.Before(now.Add(delay)) {
			cancelAll(res, now)
			return fmt.Errorf("defender: rate limit: the next call is allowed in %s, after the deadline: %w",
				delay.Round(time.Millisecond), context.DeadlineExceeded)
		}
		if err := sleepCtx(ctx, delay); err != nil {
			cancelAll(res, time.Now())
			return err
		}
	}
	l.mu.Lock()
	l.stats.Requests++
	if delayed {
		l.stats.Delayed++
		l.stats.Waited += time.Since(start)
	}
	l.mu.Unlock()
	return nil
}

func (l *Limiter) bucketsFor(fam Family) []*rate.Limiter {
	if fam == General {
		return l.buckets[General]
	}
	b := append([]*rate.Limiter(nil), l.buckets[General]...)
	return append(b, l.buckets[fam]...)
}

// Do implements policy.Policy.
func (l *Limiter) Do(req *policy.Request) (*http.Response, error) {
	if err := l.Wait(req.Raw().Context(), familyOf(req.Raw().URL.Path)); err != nil {
		return nil, err
	}
	resp, err := req.Next()
	if err == nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		l.observe(resp)
	}
	return resp, err
}

// observe records a throttling reply and pauses every caller for its Retry-After.
func (l *Limiter) observe(resp *http.Response) {
	now := time.Now()
	d := retryAfter(resp.Header, now)
	l.mu.Lock()
	defer l.mu.Unlock()
	if resp.StatusCode == http.StatusTooManyRequests {
		l.stats.Throttled++
	}
	if until := now.Add(d); d > 0 && until.After(l.pausedUntil) {
		l.pausedUntil = until
		l.stats.PausedUntil = until
	}
}

func familyOf(path string) Family {
	p := strings.ToLower(path)
	switch {
	case strings.Contains(p, "/advancedqueries/"), strings.HasSuffix(p, "/security/runhuntingquery"):
		return Hunting
	case strings.HasSuffix(p, "/getpackageuri"):
		return PackageURI
	}
	return General
}

func cancelAll(res []*rate.Reservation, now time.Time) {
	for _, r := range res {
		r.CancelAt(now)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
