package main

import (
	"testing"
	"time"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

// BenchmarkBudgetTake is what the rate budget adds to one MDE call: a local limiter's
// buckets, or one script round trip to the shared budgets (embedded server, and the real
// Redis when MDEBOT_TEST_REDIS_URL is set). The limits are too high to ever wait.
func BenchmarkBudgetTake(b *testing.B) {
	limits := defender.Limits{defender.MachineActions: {{Count: 1 << 30, Per: time.Minute}, {Count: 1 << 30, Per: time.Hour}}}
	run := func(b *testing.B, l *defender.Limiter) {
		b.ReportAllocs()
		start := time.Now()
		for b.Loop() {
			if err := l.Wait(b.Context(), defender.MachineActions, false); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N), "µs/take")
	}
	b.Run("local", func(b *testing.B) { run(b, defender.NewLimiter(limits)) })
	for _, srv := range storetest.Servers(b) {
		b.Run(srv.Name, func(b *testing.B) {
			st := store.New(srv.Client, srv.Prefix)
			run(b, defender.NewSharedLimiter(limits, st.Budgets("mde", budgetPlan(limits)), nil))
		})
	}
}
