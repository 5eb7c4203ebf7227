package defender

import (
	"context"
	"errors"
	"net/http"
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
		{General, 120, time.Minute, 100}, // within the hourly bucket's burst
		{Hunting, 150, time.Minute, 45},
		{PackageURI, 8, time.Minute, 2},
	}
	for _, tc := range cases {
		t.Run(tc.fam.String(), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				l := NewLimiter(DefaultLimits())
				var ts []time.Time
				for range tc.calls {
					if err := l.Wait(t.Context(), tc.fam); err != nil {
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
		l := NewLimiter(Limits{General: {{Count: 100, Per: time.Minute}, {Count: 1500, Per: time.Hour}}})
		var ts []time.Time
		for range 2000 {
			if err := l.Wait(t.Context(), General); err != nil {
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
		l := NewLimiter(Limits{General: {{Count: 2, Per: time.Minute}}})
		for range 2 {
			_ = l.Wait(t.Context(), General)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		err := l.Wait(ctx, General)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 0 {
			t.Fatalf("err %v after %v", err, time.Since(start))
		}
		// The cancelled reservation gave its token back: the next call waits no longer than
		// it would have.
		if err := l.Wait(t.Context(), General); err != nil || time.Since(start) > 61*time.Second {
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
				_ = l.Wait(context.Background(), General)
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
		"/api/advancedqueries/run":            Hunting,
		"/api/AdvancedQueries/Run":            Hunting,
		"/api/machineactions/x/GetPackageUri": PackageURI,
		"/api/machines":                       General,
	} {
		if got := familyOf(path); got != want {
			t.Errorf("familyOf(%q) = %v, want %v", path, got, want)
		}
	}
}
