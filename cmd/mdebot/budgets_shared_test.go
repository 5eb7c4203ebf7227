package main

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

// virtualClock is the budgets' clock in these tests: a real Redis's cannot be moved.
type virtualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *virtualClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *virtualClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// sharedReplicas returns n limiters with the documented limits sharing st's budgets of MDE, as
// n replicas' wiring (app.limiter) makes them, on the clock c.
func sharedReplicas(st *store.Store, n int, c *virtualClock) []*defender.Limiter {
	var out []*defender.Limiter
	for range n {
		b := st.Budgets("mde", budgetPlan(defender.DefaultLimits()))
		b.UseClockForTests(c.Now)
		out = append(out, defender.NewSharedLimiter(defender.DefaultLimits(), b, nil))
	}
	return out
}

// tryNow is one call that may go only at once: it fails rather than wait for the budget.
func tryNow(t *testing.T, l *defender.Limiter, reserved bool) bool {
	ctx, cancel := context.WithTimeout(t.Context(), time.Millisecond)
	defer cancel()
	return l.Wait(ctx, defender.MachineActions, reserved) == nil
}

// mostInWindow is the most of the sorted times ts that fall in any span of w.
func mostInWindow(ts []time.Time, w time.Duration) int {
	best, j := 0, 0
	for i := range ts {
		for ts[i].Sub(ts[j]) >= w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// hammer has every replica call GET /api/machineactions as often as its budget lets it, every
// step of the clock for span, and returns when each call went.
func hammer(t *testing.T, reps []*defender.Limiter, step, span time.Duration, now func() time.Time, advance func(time.Duration)) []time.Time {
	var ts []time.Time
	for elapsed := time.Duration(0); elapsed < span; elapsed += step {
		for _, l := range reps {
			for range 50 {
				if !tryNow(t, l, false) {
					break
				}
				ts = append(ts, now())
			}
		}
		advance(step)
	}
	return ts
}

// Three replicas sharing one Redis call one API at most 100 times a minute and 1,500 an hour
// between them (look-ups: the 80 and 1,200 left beside the reserve). Each with a budget of its
// own, as before, they called it 240 times a minute.
func TestReplicasShareEachBudget(t *testing.T) {
	t.Parallel()
	t.Run("separate budgets (before)", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			reps := []*defender.Limiter{defender.NewLimiter(defender.DefaultLimits()), defender.NewLimiter(defender.DefaultLimits()), defender.NewLimiter(defender.DefaultLimits())}
			ts := hammer(t, reps, time.Second, 2*time.Minute, time.Now, time.Sleep)
			got := mostInWindow(ts, time.Minute)
			t.Logf("separate budgets: %d calls in the busiest minute", got)
			if got <= 100 {
				t.Fatalf("separate budgets made %d calls in a minute; this test no longer shows the finding", got)
			}
		})
	})
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			c := &virtualClock{now: time.Unix(1_800_000_000, 0)}
			reps := sharedReplicas(store.New(srv.Client, srv.Prefix), 3, c)
			ts := hammer(t, reps, 3*time.Second, 70*time.Minute, c.Now, c.Add)
			t.Logf("shared budgets: %d calls in the busiest minute, %d in the busiest hour", mostInWindow(ts, time.Minute), mostInWindow(ts, time.Hour))
			if got := mostInWindow(ts, time.Minute); got > 80 || got < 70 {
				t.Errorf("%d look-ups in the busiest minute across 3 replicas, want at most the shared 80 (and close to it)", got)
			}
			if got := mostInWindow(ts, time.Hour); got > 1200 || got < 1100 {
				t.Errorf("%d look-ups in the busiest hour across 3 replicas, want at most the shared 1,200 (and close to it)", got)
			}
			if st := reps[0].Stats().Budgets[2]; !st.Shared || st.Family != defender.MachineActions {
				t.Errorf("budget %+v is not shown as shared", st)
			}
		})
	}
}

// 500 look-ups in one instant, spread over three replicas, never delay an approved isolation
// on any of them past its first try: the reserve they share is out of the look-ups' reach.
func TestReplicasShareTheReserve(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			c := &virtualClock{now: time.Unix(1_800_000_000, 0)}
			reps := sharedReplicas(store.New(srv.Client, srv.Prefix), 3, c)
			passed := 0
			for i := range 500 {
				if tryNow(t, reps[i%3], false) {
					passed++
				}
			}
			if passed != 40 {
				t.Fatalf("%d of 500 look-ups passed at once across 3 replicas, want the shared burst of 40", passed)
			}
			// An isolation and its follow-up (status polls) on one replica, another on the next.
			for i := range 10 {
				if !tryNow(t, reps[1+i/5], true) {
					t.Fatalf("approved call %d waited behind look-ups", i)
				}
			}
			for i, l := range reps[1:] {
				if b := l.Stats().Budgets[2]; b.FromRes != 5 || b.Delayed != 0 {
					t.Fatalf("replica %d: %+v, want 5 calls from the reserve, none delayed", i+1, b)
				}
			}
			// The reserve is the budget's, not each replica's: its burst of 10 is spent.
			if tryNow(t, reps[0], true) {
				// Taken from the shared part? That is spent too: nothing may pass.
				t.Fatal("an 11th approved call passed at the same instant: the reserve is per replica")
			}
		})
	}
}

// A replica wired to a Redis that replicas share takes from the shared budgets; with the
// embedded store (one replica) it keeps them in process.
func TestLimiterWiringFollowsTheStore(t *testing.T) {
	t.Parallel()
	st := store.New(storetest.Servers(t)[0].Client, storetest.Prefix(t))
	for _, shared := range []bool{false, true} {
		a := &app{store: st, sharedRedis: shared, log: slog.New(slog.DiscardHandler)}
		for _, api := range []string{"mde", "graph"} {
			if b := a.limiter(api, nil).Stats().Budgets[0]; b.Shared != shared || len(b.Windows) != 2 {
				t.Errorf("shared Redis %v, %s: budget %+v", shared, api, b)
			}
		}
	}
}
