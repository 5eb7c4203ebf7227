package alerts

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
	"github.com/redis/go-redis/v9"
)

// roundTrips counts the round trips a Redis client makes (one per command or pipeline).
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { r.n.Add(1); return next(ctx, cmd) }
}
func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { r.n.Add(1); return next(ctx, cmds) }
}

// peakHeap samples the heap in use until stop is called, and returns its peak.
func peakHeap() (stop func() uint64) {
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() uint64 { close(done); wg.Wait(); return peak }
}

// BenchmarkAlertPipeline measures poll -> dedup (Redis) -> render -> post (Slack) with both
// fakes unthrottled: every iteration is one poll that posts every alert anew (a fresh key
// prefix, so a first start, and a channel of its own, which that first start finds empty), one
// by one ("cards") or as a storm digest ("digest"). It reports alerts per second,
// Redis round trips per poll, MDE calls per 10,000 alerts and the peak heap.
func BenchmarkAlertPipeline(b *testing.B) {
	for _, tc := range []struct {
		name   string
		alerts int
		storm  int
	}{{"cards", 500, -1}, {"digest", 10000, 20}} {
		for _, srv := range fastServers(b) {
			b.Run(tc.name+"/"+srv.Name, func(b *testing.B) {
				e := newAlertEnv(b, srv)
				e.mde.Fake.AddAlerts(tc.alerts)
				var rt roundTrips
				srv.Client.AddHook(&rt)
				var polls, alerts, calls, trips, channels int64
				var peak uint64
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					srv.Prefix = storetest.Prefix(b)
					e.srv = srv
					channels++
					p, st := e.newPoller(pollerCfg{opts: Options{StormThreshold: tc.storm, MinSeverity: "Informational",
						DefaultChannel: "C0BENCH" + strconv.FormatInt(channels, 10)}})
					l, err := st.ObtainLeader(b.Context(), PollerName, p.Owner(), time.Minute)
					if err != nil {
						b.Fatal(err)
					}
					before := rt.n.Load()
					stop := peakHeap()
					b.StartTimer()
					if err := p.PollOnce(b.Context(), l); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					peak = max(peak, stop())
					trips += rt.n.Load() - before
					last, _, err := st.PollStatus(b.Context(), PollerName)
					if err != nil {
						b.Fatal(err)
					}
					if got := last.Posted + last.Digested; got != int64(tc.alerts) {
						b.Fatalf("posted %d of %d", got, tc.alerts)
					}
					polls++
					alerts += got(last)
					calls += last.MDECalls
					cleanPrefix(b, srv.Client, srv.Prefix)
					b.StartTimer()
				}
				b.StopTimer()
				b.ReportMetric(float64(alerts)/b.Elapsed().Seconds(), "alerts/s")
				b.ReportMetric(float64(trips)/float64(polls), "redis-trips/poll")
				b.ReportMetric(float64(calls)*10000/float64(alerts), "mde-calls/10k-alerts")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			})
		}
	}
}

func got(s store.PollStats) int64 { return s.Posted + s.Digested }

// cleanPrefix deletes a benchmark iteration's keys.
func cleanPrefix(b *testing.B, rdb redis.UniversalClient, prefix string) {
	ctx := b.Context()
	iter := rdb.Scan(ctx, 0, prefix+":*", 1000).Iterator()
	for iter.Next(ctx) {
		_ = rdb.Del(ctx, iter.Val()).Err()
	}
}
