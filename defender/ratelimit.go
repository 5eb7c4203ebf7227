package defender

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"golang.org/x/time/rate"
)

// Limiter is a client-side rate limiter shared by every caller of a Client, with one budget
// per family. Each window of a budget is two token buckets (Limits.Plan): a reserve of a fifth
// of the window that only reserved calls (Client.Reserved) may take, and the rest that every
// call takes; their bursts and refills together never exceed Count calls in any span of Per.
// When MDE answers 429 (or 503) with Retry-After, every caller waits until then, not just the
// one throttled. NewLimiter keeps the buckets in this process; NewSharedLimiter keeps them in
// Redis for every replica (sharedbudget.go), pauses included.
//
// It is an azcore per-retry policy: every try, retries included, passes through it.
type Limiter struct {
	budgets map[Family]*budget
	shared  *sharing // nil: the budgets are this process's alone

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

// NewLimiter returns a limiter enforcing limits in this process only (one replica, the
// embedded store); NewSharedLimiter shares them between replicas.
func NewLimiter(limits Limits) *Limiter {
	l := &Limiter{budgets: map[Family]*budget{}}
	for fam, plans := range limits.Plan() {
		b := &budget{stats: BudgetStats{Family: fam}}
		for _, p := range plans {
			b.windows = append(b.windows, p.Window)
			b.shared = append(b.shared, rate.NewLimiter(rate.Every(p.Shared.Every), p.Shared.Burst))
			var rb *rate.Limiter
			if p.Reserve.Burst > 0 {
				rb = rate.NewLimiter(rate.Every(p.Reserve.Every), p.Reserve.Burst)
				if p.Window.Per == time.Minute {
					b.stats.Reserved = p.Reserved
				}
			}
			b.reserved = append(b.reserved, rb)
		}
		b.stats.Windows = b.windows
		l.budgets[fam] = b
	}
	return l
}

// Stats returns a snapshot of the counters.
func (l *Limiter) Stats() LimiterStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	share := 0
	if l.shared != nil {
		share = l.shared.localShare()
	}
	s := l.stats
	s.Budgets = nil
	for _, f := range Families {
		if b, ok := l.budgets[f]; ok {
			bs := b.stats
			bs.LocalShare = share
			s.Budgets = append(s.Budgets, bs)
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
	var t taken
	var err error
	if l.shared != nil && l.budgets[fam] != nil { // an unlimited family costs no round trip
		t, err = l.shared.take(ctx, fam, reserved)
	} else {
		t, err = l.takeLocal(ctx, fam, reserved)
	}
	if err != nil {
		return 0, err
	}
	if t.delay > 0 {
		delayed = true
		if err := sleepCtx(ctx, t.delay); err != nil {
			t.cancel(time.Now())
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
	if b := l.budgets[fam]; b != nil {
		b.stats.Requests++
		if delayed {
			b.stats.Delayed++
		}
		if t.fromReserve {
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
		if d := l.observe(resp); d > 0 && l.shared != nil {
			l.shared.pause(ctx, d)
		}
	}
	return resp, err
}

// observe records a throttling reply and pauses every caller of this limiter for its
// Retry-After, which it returns.
func (l *Limiter) observe(resp *http.Response) time.Duration {
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
	return d
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
