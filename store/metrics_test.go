package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
)

// Only failures count: a missing key, a script's NOSCRIPT (go-redis then sends the script), a
// cancelled call and the connection's own set-up are none; an error reply is one, alone or in
// a pipeline.
func TestInstrumentRedisCountsFailuresOnly(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			store.InstrumentRedis(srv.Client, reg)
			ctx, rdb := t.Context(), srv.Client
			key := storetest.Prefix(t) + ":metrics"
			if err := rdb.Get(ctx, key).Err(); !errors.Is(err, redis.Nil) {
				t.Fatalf("GET of a missing key: %v", err)
			}
			script := redis.NewScript("return '" + key + "'") // never loaded before: NOSCRIPT first
			if err := script.Run(ctx, rdb, []string{key}).Err(); err != nil {
				t.Fatal(err)
			}
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			_ = rdb.Get(cctx, key).Err()
			if err := rdb.Set(ctx, key, "v", time.Minute).Err(); err != nil {
				t.Fatal(err)
			}
			if err := rdb.LPush(ctx, key, "x").Err(); err == nil {
				t.Fatal("LPUSH on a string worked")
			}
			_, _ = rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				p.Get(ctx, key)
				p.HGet(ctx, key, "f")
				return nil
			})
			for kind, want := range map[string]float64{"reply": 2, "timeout": 0, "network": 0, "other": 0} {
				got, err := testutil.GatherAndCount(reg, "mdebot_redis_errors_total")
				if err != nil || got != 4 {
					t.Fatalf("%d series, %v", got, err)
				}
				if v := counterValue(t, reg, kind); v != want {
					t.Errorf("%s errors = %v, want %v", kind, v, want)
				}
			}
		})
	}
}

func counterValue(t *testing.T, reg *prometheus.Registry, kind string) float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		for _, m := range f.Metric {
			if len(m.Label) == 1 && m.Label[0].GetValue() == kind {
				return m.Counter.GetValue()
			}
		}
	}
	t.Fatalf("no series for %s", kind)
	return 0
}
