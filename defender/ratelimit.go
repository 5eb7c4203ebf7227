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

// Limiter is a client-side rate limiter shared by every caller of a Client, with one budget
// per family. Each window of a budget is two token buckets: a reserve of a fifth of the window
// that only reserved calls (Client.Reserved) may take, and the rest that every call takes; their
// bursts and refills together never exceed Count calls in any span of Per. When MDE answers 429
// (or 503) with Retry-After, every caller waits until then, not just the one throttled.
//
// It is an azcore per-retry policy: every try, retries included, passes through it.
type Limiter struct {
	budgets map[Family]*budget

	mu          sync.Mutex
	pausedUntil time.Time
	stats       LimiterStats
}

type budget struct {
	windows  []Window
	shared   []*rate.Limiter
	reserved []*rate.Limiter // nil where the window is too small to split
	stats    BudgetStats
}

// LimiterStats counts what the limiter did, for the status command and metrics.
type LimiterStats struct {
	Requests  int64         // tries that passed the limiter
	Delayed   int64         // tries that had to wait for a token or a pause
	Waited    time.Duration // total time spent waiting
	Throttled int64         // 429 replies seen
	// PausedUntil is the end of the latest Retry-After pause (zero when none was asked for).
	PausedUntil time.Time
	// Budgets are the families' own counters, in the order of Families (limited ones only).
	Budgets []BudgetStats
}

// NewLimiter returns a limiter enforcing limits.
func NewLimiter(limits Limits) *Limiter {
	l := &Limiter{budgets: map[Family]*budget{}}
	for fam, windows := range limits {
		b := &budget{stats: BudgetStats{Family: fam}}
		for _, w := range windows {
			if w.Count <= 0 || w.Per <= 0 {
				continue
			}
			res := 0
			if w.Count >= 2*ReservedShare {
				res = w.Count / ReservedShare
			}
			b.windows = append(b.windows, w)
			b.shared = append(b.shared, bucket(w.Count-res, w.Per))
			var rb *rate.Limiter
			if res > 0 {
				rb = bucket(res, w.Per)
				if w.Per == time.Minute {
					b.stats.Reserved = res
				}
			}
			b.reserved = append(b.reserved, rb)
		}
		if len(b.windows) > 0 {
			b.stats.Windows = b.windows
			l.budgets[fam] = b
		}
	}
	return l
}

// bucket lets through at most count calls in any span of per: a burst of half the count serves
// chat's bursts (a device card is several calls) and the refill of the other half a steady
// load; with a burst of 1 the refill is the full count.
func bucket(count int, per time.Duration) *rate.Limiter {
	burst := max(1, count/2)
	refill := rate.Limit(float64(count-burst) / per.Seconds())
	if burst == 1 {
		refill = rate.Limit(float64(count) / per.Seconds())
	}
	return rate.NewLimiter(refill, burst)
}

// Stats returns a snapshot of the counters.
func (l *Limiter) Stats() LimiterStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stats
	s.Budgets = nil
	for _, f := range Families {
		if b, ok := l.budgets[f]; ok {
			s.Budgets = append(s.Budgets, b.stats)
		}
	}
	return s
}

// Wait blocks until a call of family fam may be sent, or returns an error at once when ctx ends
// (or its deadline comes) before that. A reserved call takes the reserve of a window when it
// has a token now, else the shared part.
func (l *Limiter) Wait(ctx context.Context, fam Family, reserved bool) error {
	_, err := l.wait(ctx, fam, reserved)
	return err
}

// wait is Wait, also returning how long the call waited (zero when it went at once).
func (l *Limiter) wait(ctx context.Context, fam Family, reserved bool) (time.Duration, error) {
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
			return 0, err
		}
	}
	now := time.Now()
	var res []*rate.Reservation
	var delay time.Duration
	fromReserve := false
	b := l.budgets[fam]
	if b != nil {
		for i, shared := range b.shared {
			if rb := b.reserved[i]; reserved && rb != nil {
				if r := rb.ReserveN(now, 1); r.OK() && r.DelayFrom(now) == 0 {
					res, fromReserve = append(res, r), true
					continue
				} else {
					r.CancelAt(now)
				}
			}
			r := shared.ReserveN(now, 1)
			if !r.OK() {
				cancelAll(res, now)
				return 0, fmt.Errorf("defender: rate limiter cannot grant a call")
			}
			res = append(res, r)
			delay = max(delay, r.DelayFrom(now))
		}
	}
	if delay > 0 {
		delayed = true
		if dl, ok := ctx.Deadline(); ok && dl.Before(now.Add(delay)) {
			cancelAll(res, now)
			return 0, fmt.Errorf("defender: rate limit (%s): the next call is allowed in %s, after the deadline: %w",
				fam, delay.Round(time.Millisecond), context.DeadlineExceeded)
		}
		if err := sleepCtx(ctx, delay); err != nil {
			cancelAll(res, time.Now())
			return 0, err
		}
	}
	var waited time.Duration
	if delayed {
		waited = time.Since(start)
	}
	l.mu.Lock()
	l.stats.Requests++
	if delayed {
		l.stats.Delayed++
		l.stats.Waited += waited
	}
	if b != nil {
		b.stats.Requests++
		if delayed {
			b.stats.Delayed++
		}
		if fromReserve {
			b.stats.FromRes++
		}
	}
	l.mu.Unlock()
	return waited, nil
}

// Do implements policy.Policy.
func (l *Limiter) Do(req *policy.Request) (*http.Response, error) { return l.send(req, nil) }

// send waits for the limiter, sends the try and records a throttling reply; m, when set, counts
// the wait and the reply (see metrics.go).
func (l *Limiter) send(req *policy.Request, m *apiMetrics) (*http.Response, error) {
	ctx := req.Raw().Context()
	fam := familyOf(req.Raw().Method, req.Raw().URL.Path)
	waited, err := l.wait(ctx, fam, isReserved(ctx))
	if err != nil {
		return nil, err
	}
	m.waited(fam, waited)
	resp, err := req.Next()
	m.replied(fam, resp, err)
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

// familyOf sorts an endpoint into its family by method and path.
func familyOf(method, path string) Family {
	p := strings.ToLower(path)
	seg := strings.Split(strings.Trim(p, "/"), "/")
	for len(seg) > 0 && (seg[0] == "api" || seg[0] == "v1.0") {
		seg = seg[1:]
	}
	first := ""
	if len(seg) > 0 {
		first = seg[0]
	}
	switch {
	case strings.Contains(p, "/advancedqueries/"), strings.HasSuffix(p, "/security/runhuntingquery"):
		return Hunting
	case strings.HasSuffix(p, "/getpackageuri"):
		return PackageURI
	case first == "machineactions", first == "machines" && method == http.MethodPost && len(seg) == 3:
		return MachineActions
	case first == "machines":
		return Machines
	case first == "alerts":
		return Alerts
	case first == "indicators":
		return Indicators
	}
	return Entities
}

type reservedKey struct{}

// withReserved marks a request's context as an approved action or its follow-up, for the
// limiter policy of this package only.
func withReserved(ctx context.Context) context.Context {
	return context.WithValue(ctx, reservedKey{}, true)
}

func isReserved(ctx context.Context) bool { v, _ := ctx.Value(reservedKey{}).(bool); return v }

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
