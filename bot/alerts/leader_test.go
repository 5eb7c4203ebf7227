package alerts

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

// The election runs as Kubernetes' does by default (k8s.io/client-go leaderelection: 15 s lease,
// 10 s renew deadline, 2 s retry period): the leader stops posting 10 s after its last renewal
// started, 5 s before its lock can expire, so a new leader never posts alongside it.
func TestLeaderElectionTiming(t *testing.T) {
	t.Parallel()
	srv := storetest.Servers(t)[0]
	st := store.New(srv.Client, srv.Prefix)
	p := NewPoller(nil, nil, st, Options{})
	if p.opts.LockTTL != 15*time.Second || p.opts.RetryPeriod != 2*time.Second {
		t.Errorf("lock TTL %s, retry period %s; want 15s and 2s", p.opts.LockTTL, p.opts.RetryPeriod)
	}
	start := time.Now()
	l, err := st.ObtainLeader(t.Context(), PollerName, p.Owner(), p.opts.LockTTL)
	if err != nil {
		t.Fatal(err)
	}
	if until := newTerm(l, start).validUntil().Sub(start); until != 10*time.Second {
		t.Errorf("a term lasts %s after its renewal started, want 10s", until)
	}
	if left, err := st.LeaderTTL(t.Context(), PollerName); err != nil || left > 15*time.Second || left < 14*time.Second {
		t.Errorf("LeaderTTL = %s, %v", left, err)
	}
	if err := l.Release(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.LeaderTTL(t.Context(), PollerName); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LeaderTTL of a free lock: %v", err)
	}
}

// A leader killed outright (no release, its lock left to expire) is replaced as soon as its lock
// runs out on the Redis server, not at the follower's next periodic try: the follower here retries
// only every 30 s, and still leads within the dead leader's 1.5 s lock (plus a little for the
// scheduling of a shared test machine, and the embedded server's one-second TTL clock).
func TestLeaderKilledReplacedWhenLockRunsOut(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			e := newAlertEnv(t, srv)
			rdbA := cloneClient(t, srv)
			optsA := Options{LockTTL: 1500 * time.Millisecond, RetryPeriod: 200 * time.Millisecond, Interval: time.Hour}
			a, _ := e.newPoller(pollerCfg{opts: optsA, rdb: rdbA})
			runPoller(t, a)
			waitLeader(t, e.srv, a.Owner())
			killedAt := time.Now()
			_ = rdbA.Close() // kill -9: no release, no more renewals

			b, _ := e.newPoller(pollerCfg{opts: Options{LockTTL: 30 * time.Second, RetryPeriod: 30 * time.Second, Interval: time.Hour},
				rdb: cloneClient(t, srv)})
			runPoller(t, b)
			waitLeader(t, e.srv, b.Owner())
			// The embedded server moves its TTL clock once a second (store.StartEmbedded).
			slack := 500 * time.Millisecond
			if srv.FastForward != nil {
				slack += time.Second
			}
			if took := time.Since(killedAt); took > optsA.LockTTL+slack {
				t.Errorf("a new leader %s after the kill, want within the 1.5s lock (+%s)", took, slack)
			}
		})
	}
}

// waitLeader waits (at most 10 s) until owner holds the poller's lock.
func waitLeader(t *testing.T, srv storetest.Server, owner string) {
	t.Helper()
	st := store.New(srv.Client, srv.Prefix)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if who, err := st.LeaderOf(ctx, PollerName); err == nil && who == owner {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never led", owner)
		case <-tick.C:
		}
	}
}
