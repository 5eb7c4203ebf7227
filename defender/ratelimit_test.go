package defender

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// maxInWindow returns the most events that fall in any window of length w.
func maxInWindow(ts []time.Time, w time.Duration) int {
	best, j := 0, 0
	for i := range ts {
		for ts[i].Sub(ts[j]) >= w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

func TestLimiterNeverExceedsWindows(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fam    Family
		calls  int
		window time.Duration
		limit  int
	}{
		// Look-ups get the budget less its reserve for approved actions.
		{Machines, 120, time.Minute, 80}, // within the hourly bucket's burst
		{Hunting, 150, time.Minute, 36},
		{PackageURI, 8, time.Minute, 2},
	}
	for _, tc := range cases {
		t.Run(tc.fam.String(), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				l := NewLimiter(DefaultLimits())
				var ts []time.Time
				for range tc.calls {
					if err := l.Wait(t.Context(), tc.fam, false); err != nil {
						t.Fatal(err)
					}
					ts = append(ts, time.Now())
				}
				if got := maxInWindow(ts, tc.window); got > tc.limit {
					t.Errorf("%d calls in one %v window, limit %d", got, tc.window, tc.limit)
				}
				// Sized to the limit, not below it: the whole budget of one window is usable
				// within that window.
				if d := ts[tc.limit-1].Sub(ts[0]); d > tc.window {
					t.Errorf("the first %d calls took %v, longer than one %v window", tc.limit, d, tc.window)
				}
			})
		})
	}
}

func TestLimiterHourlyWindow(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(Limits{Machines: {{Count: 100, Per: time.Minute}, {Count: 1500, Per: time.Hour}}})
		var ts []time.Time
		for range 2000 {
			if err := l.Wait(t.Context(), Machines, false); err != nil {
				t.Fatal(err)
			}
			ts = append(ts, time.Now())
		}
		if got := maxInWindow(ts, time.Hour); got > 1500 {
			t.Errorf("%d calls in one hour", got)
		}
	})
}

func TestLimiterDeadlineFailsFast(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(Limits{Machines: {{Count: 2, Per: time.Minute}}})
		for range 2 {
			_ = l.Wait(t.Context(), Machines, false)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		err := l.Wait(ctx, Machines, false)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 0 {
			t.Fatalf("err %v after %v", err, time.Since(start))
		}
		// The cancelled reservation gave its token back: the next call waits no longer than
		// it would have.
		if err := l.Wait(t.Context(), Machines, false); err != nil || time.Since(start) > 61*time.Second {
			t.Fatalf("err %v after %v", err, time.Since(start))
		}
	})
}

func TestLimiterPausesEveryCallerOnRetryAfter(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(Unlimited())
		h := http.Header{}
		h.Set("Retry-After", "30")
		l.observe(&http.Response{StatusCode: http.StatusTooManyRequests, Header: h})
		start := time.Now()
		done := make(chan time.Duration, 3)
		for range 3 {
			go func() {
				_ = l.Wait(context.Background(), Machines, false)
				done <- time.Since(start)
			}()
		}
		for range 3 {
			if d := <-done; d < 30*time.Second {
				t.Errorf("a caller went after %v, before the 30 s pause ended", d)
			}
		}
		if st := l.Stats(); st.Throttled != 1 || st.Delayed != 3 || st.Requests != 3 {
			t.Errorf("stats %+v", st)
		}
	})
}

func TestFamilyOf(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]Family{
		"/api/advancedqueries/run":             Hunting,
		"/api/AdvancedQueries/Run":             Hunting,
		"/api/machineactions/x/GetPackageUri":  PackageURI,
		"/api/machines":                        Machines,
		"/api/machines/findbyip(ip='1.2.3.4')": Machines,
		"/api/machines/abc/alerts":             Machines,
		"/api/machines/abc/isolate":            MachineActions,
		"/api/machineactions":                  MachineActions,
		"/api/machineactions/x/cancel":         MachineActions,
		"/api/alerts/x":                        Alerts,
		"/api/indicators":                      Indicators,
		"/api/files/x/stats":                   Entities,
		"/api/users/alice/machines":            Entities,
		"/v1.0/security/runHuntingQuery":       Hunting,
	} {
		method := http.MethodGet
		if strings.HasSuffix(path, "/isolate") || strings.HasSuffix(path, "/cancel") || strings.HasSuffix(path, "/run") || strings.HasSuffix(path, "Query") {
			method = http.MethodPost
		}
		if got := familyOf(method, path); got != want {
			t.Errorf("familyOf(%q) = %v, want %v", path, got, want)
		}
	}
}

// No number of look-ups delays a reserved call (an approved action) while its reserve lasts, and
// reserved calls never push a window past its count.
func TestReservedShareIsNeverTakenByLookups(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(DefaultLimits())
		// 500 look-ups within one minute: the first 40 pass at once, the rest would wait.
		quick, cancel := context.WithTimeout(t.Context(), time.Millisecond)
		passed := 0
		for range 500 {
			if l.Wait(quick, MachineActions, false) == nil {
				passed++
			}
		}
		cancel()
		if passed > 80 {
			t.Fatalf("%d look-ups passed in an instant, more than the shared part of the budget", passed)
		}
		start := time.Now()
		for i := range 10 { // an isolation and its follow-up
			if err := l.Wait(t.Context(), MachineActions, true); err != nil {
				t.Fatalf("reserved call %d: %v", i, err)
			}
		}
		if waited := time.Since(start); waited != 0 {
			t.Fatalf("reserved calls waited %v behind look-ups", waited)
		}
		st := l.Stats()
		var b BudgetStats
		for _, x := range st.Budgets {
			if x.Family == MachineActions {
				b = x
			}
		}
		if b.FromRes != 10 || b.Reserved != 20 || !strings.Contains(b.String(), "20/min reserved") {
			t.Fatalf("budget stats %+v %q", b, b.String())
		}
	})
}
