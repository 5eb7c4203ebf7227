package defender

import (
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

// Every try is counted by family and status class, a 429 as throttled, the limiter's wait in
// seconds, and the budget left is read from the limiter at scrape time.
func TestMetricsCountTriesWaitsAndBudget(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	// 2 calls a minute: a burst of 1, then one every 30 s. setup mounts the API under /mde, which
	// familyOf does not strip, so these calls fall in the entities family.
	lim := NewLimiter(Limits{Entities: {{Count: 2, Per: time.Minute}}})
	var n atomic.Int32
	c, mux, _ := setup(t, WithRetry(policy.RetryOptions{MaxRetries: 3, RetryDelay: time.Millisecond, MaxRetryDelay: time.Minute, TryTimeout: 2 * time.Minute}), WithLimiter(lim), WithMetrics(m))
	mux.HandleFunc("/api/machines/{id}", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			mdeError(w, 429, "TooManyRequests", "slow down")
			return
		}
		_, _ = w.Write(testdataBytes("machine.json"))
	})
	var fams []*dto.MetricFamily
	synctest.Test(t, func(t *testing.T) {
		if _, err := c.GetMachine(t.Context(), machineID); err != nil {
			t.Fatal(err)
		}
		var err error
		if fams, err = reg.Gather(); err != nil { // on the bubble's clock, just after the call
			t.Fatal(err)
		}
	})
	count := func(v *prometheus.CounterVec, labels ...string) float64 {
		return testutil.ToFloat64(v.WithLabelValues(labels...))
	}
	for _, tc := range []struct {
		name string
		got  float64
		want float64
	}{
		{"4xx", count(m.requests, "mde", "entities", "4xx"), 1},
		{"2xx", count(m.requests, "mde", "entities", "2xx"), 1},
		{"throttled", count(m.throttled, "mde", "entities"), 1},
		{"throttled elsewhere", count(m.throttled, "mde", "alerts"), 0},
		{"waits", count(m.waits, "mde", "entities"), 1},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	// The retry came 1 s after the 429 (Retry-After) and then waited for the bucket's next token,
	// 30 s after the first.
	if w := count(m.waitSecs, "mde", "entities"); w < 28 || w > 30 {
		t.Errorf("waited %v s, want 29", w)
	}
	found := false
	for _, f := range fams {
		if f.GetName() != "mdebot_api_budget_remaining" {
			continue
		}
		for _, s := range f.Metric {
			found = true
			if len(s.Label) != 3 || s.Label[0].GetValue() != "mde" || s.Label[1].GetValue() != "entities" || s.Label[2].GetValue() != "1m" {
				t.Errorf("budget series %v", s.Label)
			}
			// Just spent: nothing has refilled on the bubble's clock.
			if left := s.Gauge.GetValue(); left < 0 || left >= 1 {
				t.Errorf("budget left %v, want 0 (just spent)", left)
			}
		}
	}
	if !found {
		t.Error("no budget series")
	}
}
