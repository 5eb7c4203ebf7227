package defender

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// SharedBudget keeps an API's budgets in one place for every replica (store.Budgets, in
// Redis). Microsoft's endpoint pages give each API's limit ("Rate limitations for this API are
// 100 calls per minute and 1500 calls per hour", e.g. List machines API,
// https://learn.microsoft.com/defender-endpoint/api/get-machines) without saying what it is
// counted per; the API terms say "API calls per connection: 100 per 60 seconds"
// (https://learn.microsoft.com/legal/microsoft-365/api-terms-of-use). MDE sees one caller in
// replicas that present one Entra app's tokens, so they must keep one budget between them:
// with a budget each, three replicas called one API 146 times in a minute (reliability suite,
// load scenario). Families are named by Family.Key, their windows by Limits.Plan.
type SharedBudget interface {
	// TakeBudget takes one call of family, at once or scheduled wait ahead (a Retry-After
	// pause included), from the reserve of a window when reserved and it has a call now. A
	// wait above maxWait (negative: no limit) takes nothing. replicas counts the replicas seen
	// taking from these budgets lately. One round trip.
	TakeBudget(ctx context.Context, family string, reserved bool, maxWait time.Duration) (wait time.Duration, fromReserve bool, replicas int, err error)
	// PauseBudgets makes every replica's calls wait d (a Retry-After).
	PauseBudgets(ctx context.Context, d time.Duration) error
	// BudgetLevels returns the calls each window of family lets through now without waiting.
	BudgetLevels(ctx context.Context, family string) ([]float64, error)
}

// Key names a family in a SharedBudget (and in metrics): machines, alerts, machine_actions,
// indicators, entities, hunting, package_uri.
func (f Family) Key() string { return f.label() }

// Times of the shared budgets. A take that Redis has not answered within sharedTimeout goes to
// the local share; after a failure the local share serves every call for sharedRetry before
// Redis is tried again, so that an outage costs one slow call per sharedRetry, not one per call.
const (
	sharedTimeout = time.Second
	sharedRetry   = 10 * time.Second
)

// NewSharedLimiter returns a limiter whose budgets every replica shares through sb, with one
// round trip per try. When sb cannot be reached (Redis down), each replica falls back to the
// local budget divided by the replicas it last saw sharing it: together they still keep
// under the limits, and an approved action still finds its own reserve (a fifth of each share)
// at once instead of waiting for Redis, which approvals could not have survived anyway. It
// logs the switch each way on log.
func NewSharedLimiter(limits Limits, sb SharedBudget, log *slog.Logger) *Limiter {
	l := NewLimiter(limits)
	l.shared = &sharing{sb: sb, limits: limits, log: log, replicas: 1}
	for _, b := range l.budgets {
		b.stats.Shared = true
	}
	return l
}

// sharing is the state of a limiter's shared budgets.
type sharing struct {
	sb     SharedBudget
	limits Limits
	log    *slog.Logger

	mu        sync.Mutex
	replicas  int       // replicas seen at the last take that Redis answered
	downUntil time.Time // the local share serves calls until then
	local     *Limiter  // the local share, made when Redis first fails
	localOf   int       // the replica count local was divided by
}

// take takes a call from the shared budget, or from the local share while Redis is down.
func (s *sharing) take(ctx context.Context, fam Family, reserved bool) (taken, error) {
	if err := ctx.Err(); err != nil {
		return taken{}, err
	}
	if local := s.fallback(); local != nil {
		return local.takeLocal(ctx, fam, reserved)
	}
	maxWait := time.Duration(-1)
	if dl, ok := ctx.Deadline(); ok {
		maxWait = max(0, time.Until(dl))
	}
	// The round trip has its own timeout, not the caller's deadline: a call that may not
	// wait (its deadline is near) still learns whether it may go now.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sharedTimeout)
	wait, fromRes, replicas, err := s.sb.TakeBudget(rctx, fam.Key(), reserved, maxWait)
	cancel()
	if err != nil {
		return s.goLocal(err).takeLocal(ctx, fam, reserved)
	}
	s.up(replicas)
	if maxWait >= 0 && wait > maxWait {
		return taken{}, pastDeadline(fam, wait)
	}
	// A call that gives up while it waits keeps its place in the shared budget: giving it
	// back would cost a round trip, and keeping it only makes the budget stricter.
	return taken{delay: wait, fromReserve: fromRes, cancel: func(time.Time) {}}, nil
}

// pause shares a Retry-After with every replica. A failure only loses the sharing: this
// replica pauses anyway (Limiter.observe).
func (s *sharing) pause(ctx context.Context, d time.Duration) {
	if s.fallback() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sharedTimeout)
	defer cancel()
	if err := s.sb.PauseBudgets(ctx, d); err != nil {
		s.goLocal(err)
	}
}

// levels returns the calls each window of fam lets through now, from Redis or the local share.
func (s *sharing) levels(fam Family) ([]float64, bool) {
	if local := s.fallback(); local != nil {
		return local.localLevels(fam), true
	}
	ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
	defer cancel()
	lv, err := s.sb.BudgetLevels(ctx, fam.Key())
	if err != nil {
		return s.goLocal(err).localLevels(fam), true
	}
	return lv, lv != nil
}

// fallback returns the local share while Redis is deemed down, nil when Redis should be tried.
func (s *sharing) fallback() *Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.local != nil && time.Now().Before(s.downUntil) {
		return s.local
	}
	return nil
}

// goLocal switches to the local share for sharedRetry and returns it. The share is made anew
// only when the replica count changed, so that a Redis that comes and goes does not refill it.
func (s *sharing) goLocal(err error) *Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	first := s.downUntil.IsZero()
	s.downUntil = time.Now().Add(sharedRetry)
	if s.local == nil || s.localOf != s.replicas {
		s.local, s.localOf = NewLimiter(s.limits.divided(s.replicas)), s.replicas
	}
	if first && s.log != nil {
		s.log.Warn("shared rate budgets unreachable: this replica keeps its share of each budget until Redis answers",
			"replicas", s.replicas, "err", err)
	}
	return s.local
}

// up records a take that Redis answered.
func (s *sharing) up(replicas int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.downUntil.IsZero() && s.log != nil {
		s.log.Info("shared rate budgets reachable again", "replicas", replicas)
	}
	s.downUntil = time.Time{}
	s.replicas = max(1, replicas)
}

// localShare is the divisor of the local share while it serves calls, else 0.
func (s *sharing) localShare() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.local != nil && time.Now().Before(s.downUntil) {
		return s.localOf
	}
	return 0
}

// levels returns the calls each window of fam lets through now without waiting, nil when the
// family has no budget.
func (l *Limiter) levels(fam Family) []float64 {
	if l.shared != nil {
		if lv, ok := l.shared.levels(fam); ok {
			return lv
		}
		return nil
	}
	return l.localLevels(fam)
}
