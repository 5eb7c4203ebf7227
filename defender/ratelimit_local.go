package defender

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/time/rate"
)

// taken is a call taken from a budget: how long it must wait, whether it came from the reserve,
// and how to give it back if the caller gives up while waiting (a no-op for a shared budget).
type taken struct {
	delay       time.Duration
	fromReserve bool
	cancel      func(time.Time)
}

// takeLocal takes a call from this process's buckets (NewLimiter, and the local share of a
// shared limiter while Redis is down): a reserved call takes the reserve of a
// window when it has a token now, else the shared part. A call that would wait past ctx's
// deadline takes nothing and fails at once.
func (l *Limiter) takeLocal(ctx context.Context, fam Family, reserved bool) (taken, error) {
	now := time.Now()
	var res []*rate.Reservation
	t := taken{cancel: func(at time.Time) { cancelAll(res, at) }}
	b := l.budgets[fam]
	if b == nil {
		return t, nil
	}
	for i, shared := range b.shared {
		if rb := b.reserved[i]; reserved && rb != nil {
			if r := rb.ReserveN(now, 1); r.OK() && r.DelayFrom(now) == 0 {
				res, t.fromReserve = append(res, r), true
				continue
			} else {
				r.CancelAt(now)
			}
		}
		r := shared.ReserveN(now, 1)
		if !r.OK() {
			cancelAll(res, now)
			return taken{}, fmt.Errorf("defender: rate limiter cannot grant a call")
		}
		res = append(res, r)
		t.delay = max(t.delay, r.DelayFrom(now))
	}
	if dl, ok := ctx.Deadline(); ok && t.delay > 0 && dl.Before(now.Add(t.delay)) {
		cancelAll(res, now)
		return taken{}, pastDeadline(fam, t.delay)
	}
	return t, nil
}

// pastDeadline is the error of a call whose budget would make it wait past its deadline.
func pastDeadline(fam Family, d time.Duration) error {
	return fmt.Errorf("defender: rate limit (%s): the next call is allowed in %s, after the deadline: %w",
		fam, d.Round(time.Millisecond), context.DeadlineExceeded)
}

func cancelAll(res []*rate.Reservation, now time.Time) {
	for _, r := range res {
		r.CancelAt(now)
	}
}

// localLevels reads this process's buckets of fam.
func (l *Limiter) localLevels(fam Family) []float64 {
	b := l.budgets[fam]
	if b == nil {
		return nil
	}
	now := time.Now()
	out := make([]float64, len(b.windows))
	for i := range b.windows {
		left := b.shared[i].TokensAt(now)
		if rb := b.reserved[i]; rb != nil {
			left += rb.TokensAt(now)
		}
		out[i] = max(0, left)
	}
	return out
}
