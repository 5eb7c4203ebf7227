package defender

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fakeShared is a SharedBudget of func fields; calls counts the round trips.
type fakeShared struct {
	mu     sync.Mutex
	calls  int
	take   func(family string, reserved bool, maxWait time.Duration) (time.Duration, bool, int, error)
	paused []time.Duration
}

func (f *fakeShared) TakeBudget(_ context.Context, family string, reserved bool, maxWait time.Duration) (time.Duration, bool, int, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	return f.take(family, reserved, maxWait)
}

func (f *fakeShared) PauseBudgets(_ context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paused = append(f.paused, d)
	return nil
}

func (f *fakeShared) BudgetLevels(context.Context, string) ([]float64, error) {
	return []float64{7, 9}, nil
}

func (f *fakeShared) roundTrips() int { f.mu.Lock(); defer f.mu.Unlock(); return f.calls }

// quick is a context for a call that may not wait for the budget.
func quick(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), time.Millisecond)
}

// While Redis cannot be reached, a replica keeps its share of each budget (the budget divided
// by the replicas it last saw), the reserve included, and tries Redis again after sharedRetry.
func TestSharedLimiterFallsBackToItsShare(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		down := false
		f := &fakeShared{take: func(string, bool, time.Duration) (time.Duration, bool, int, error) {
			if down {
				return 0, false, 0, errors.New("redis unavailable: dial tcp: connection refused")
			}
			return 0, false, 3, nil
		}}
		var logs bytes.Buffer
		l := NewSharedLimiter(DefaultLimits(), f, slog.New(slog.NewTextHandler(&logs, nil)))
		if err := l.Wait(t.Context(), MachineActions, false); err != nil {
			t.Fatal(err)
		}
		down = true
		passed := 0
		for range 100 {
			ctx, cancel := quick(t)
			if l.Wait(ctx, MachineActions, false) == nil {
				passed++
			}
			cancel()
		}
		// 100/min over 3 replicas: 33, of which 6 reserved; the look-ups' burst is 13.
		if passed != 13 {
			t.Fatalf("%d look-ups passed at once on the local share, want 13 (a third of the budget's burst)", passed)
		}
		for i := range 3 {
			ctx, cancel := quick(t)
			if err := l.Wait(ctx, MachineActions, true); err != nil {
				t.Fatalf("approved call %d waited on the local share: %v", i, err)
			}
			cancel()
		}
		if n := f.roundTrips(); n != 2 {
			t.Fatalf("%d round trips to Redis while it is down, want 2 (one that worked, one that failed)", n)
		}
		st := l.Stats()
		if b := st.Budgets[MachineActions]; b.LocalShare != 3 || !strings.Contains(b.String(), "Redis is unreachable: this replica keeps 1/3") {
			t.Fatalf("status while Redis is down: %+v %q", b, b.String())
		}
		if n := strings.Count(logs.String(), "shared rate budgets unreachable"); n != 1 {
			t.Fatalf("%d warnings, want one:\n%s", n, logs.String())
		}
		// After sharedRetry Redis is tried again, and answers.
		down = false
		time.Sleep(sharedRetry)
		if err := l.Wait(t.Context(), MachineActions, false); err != nil || f.roundTrips() != 3 {
			t.Fatalf("after %v: err %v, %d round trips", sharedRetry, err, f.roundTrips())
		}
		if b := l.Stats().Budgets[MachineActions]; b.LocalShare != 0 || !strings.Contains(b.String(), "shared by every replica") {
			t.Fatalf("status after Redis came back: %q", b.String())
		}
		if !strings.Contains(logs.String(), "reachable again") {
			t.Fatalf("no recovery logged:\n%s", logs.String())
		}
	})
}

// The shared budget's answer decides: its wait is slept, a wait past the deadline fails at once
// without sleeping, a reserve is counted, and a family without a budget costs no round trip.
func TestSharedLimiterFollowsTheSharedBudget(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var asked []time.Duration
		f := &fakeShared{take: func(fam string, reserved bool, maxWait time.Duration) (time.Duration, bool, int, error) {
			asked = append(asked, maxWait)
			if reserved {
				return 0, true, 3, nil
			}
			return 20 * time.Second, false, 3, nil
		}}
		l := NewSharedLimiter(Limits{MachineActions: {{Count: 100, Per: time.Minute}}}, f, nil)
		start := time.Now()
		if err := l.Wait(t.Context(), MachineActions, false); err != nil || time.Since(start) != 20*time.Second {
			t.Fatalf("err %v after %v, want the shared 20 s", err, time.Since(start))
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start = time.Now()
		if err := l.Wait(ctx, MachineActions, false); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 0 {
			t.Fatalf("err %v after %v, want a deadline error at once", err, time.Since(start))
		}
		if err := l.Wait(t.Context(), MachineActions, true); err != nil {
			t.Fatal(err)
		}
		if asked[0] != -1 || asked[1] != 5*time.Second {
			t.Fatalf("max waits asked %v, want no limit then the 5 s to the deadline", asked)
		}
		if err := l.Wait(t.Context(), Machines, false); err != nil || f.roundTrips() != 3 {
			t.Fatalf("unlimited family: err %v, %d round trips", err, f.roundTrips())
		}
		b := l.Stats().Budgets[0]
		if b.Requests != 2 || b.Delayed != 1 || b.FromRes != 1 || !b.Shared {
			t.Fatalf("budget stats %+v", b)
		}
		if lv := l.levels(MachineActions); len(lv) != 2 || lv[0] != 7 {
			t.Fatalf("levels %v, want the shared budget's", lv)
		}
	})
}

// A Retry-After seen by one replica reaches the others through the shared budget.
func TestSharedLimiterSharesRetryAfter(t *testing.T) {
	t.Parallel()
	f := &fakeShared{take: func(string, bool, time.Duration) (time.Duration, bool, int, error) { return 0, false, 1, nil }}
	l := NewSharedLimiter(DefaultLimits(), f, nil)
	h := http.Header{}
	h.Set("Retry-After", "30")
	if d := l.observe(&http.Response{StatusCode: http.StatusTooManyRequests, Header: h}); d != 30*time.Second {
		t.Fatalf("observed %v", d)
	}
	l.shared.pause(t.Context(), 30*time.Second)
	if len(f.paused) != 1 || f.paused[0] != 30*time.Second {
		t.Fatalf("shared pauses %v", f.paused)
	}
}
