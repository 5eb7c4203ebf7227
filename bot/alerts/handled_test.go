package alerts

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mdebot/mdebot/defender/mdefake"
	"github.com/mdebot/mdebot/store/storetest"
	"github.com/redis/go-redis/v9"
)

// scriptKeys counts the keys a client hands to scripts (a load or claim script reads each).
type scriptKeys struct{ n atomic.Int64 }

func (s *scriptKeys) add(cmd redis.Cmder) {
	if name := strings.ToLower(cmd.Name()); name != "evalsha" && name != "eval" {
		return
	}
	if args := cmd.Args(); len(args) > 2 {
		if n, ok := args[2].(int); ok {
			s.n.Add(int64(n))
		}
	}
}

func (s *scriptKeys) DialHook(next redis.DialHook) redis.DialHook { return next }
func (s *scriptKeys) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { s.add(cmd); return next(ctx, cmd) }
}
func (s *scriptKeys) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			s.add(c)
		}
		return next(ctx, cmds)
	}
}

// TestAlertTermSkipsKnownAlerts: within one leadership, a poll that reads again alerts the
// leader found done (the overlap window) reads none of their records, while an alert that
// changed is read, claimed and edited as always; a new term reads everything again.
func TestAlertTermSkipsKnownAlerts(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			e := newAlertEnv(t, srv)
			one, ok := srv.Client.(*redis.Client)
			if !ok {
				t.Skipf("needs a single-node Redis, not %T", srv.Client)
			}
			o := one.Options()
			rdb := redis.NewClient(&redis.Options{Addr: o.Addr, DB: o.DB, Username: o.Username, Password: o.Password})
			t.Cleanup(func() { _ = rdb.Close() })
			keys := &scriptKeys{}
			rdb.AddHook(keys)
			p, st := e.newPoller(pollerCfg{rdb: rdb})
			const n = 12 // one by one (under the storm threshold)
			var ids []string
			for i := range n {
				ids = append(ids, e.addAlert("Medium", "Known "+strconv.Itoa(i), 0))
			}
			l, err := st.ObtainLeader(t.Context(), PollerName, p.Owner(), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = l.Release(context.WithoutCancel(t.Context())) }()
			term := newTerm(l, time.Now())
			poll := func() int64 {
				t.Helper()
				before := keys.n.Load()
				if err := p.poll(t.Context(), term); err != nil {
					t.Fatal(err)
				}
				return keys.n.Load() - before
			}
			if got := poll(); got < 2*n {
				t.Fatalf("the first poll handed %d keys to scripts, want at least %d (load and claim)", got, 2*n)
			}
			if got := poll(); got > 5 {
				t.Errorf("a poll of %d unchanged, known alerts handed %d keys to scripts", n, got)
			}
			if err := e.mde.Fake.UpdateAlert(ids[7], func(a *mdefake.Alert) { a.Status = "InProgress" }); err != nil {
				t.Fatal(err)
			}
			if got := poll(); got < 2 || got > 12 {
				t.Errorf("a poll with one changed alert handed %d keys to scripts", got)
			}
			snap := e.slack.Snapshot()
			if card := alertCardOf(t, snap, socChannel, ids[7]); len(card.History) != 2 || !strings.Contains(string(card.Blocks), "InProgress") {
				t.Fatalf("the changed alert's card: %d versions", len(card.History))
			}
			assertOnce(t, snap, socChannel, ids)
			if got := poll(); got > 5 {
				t.Errorf("a poll after the edit handed %d keys to scripts", got)
			}
			// A new term remembers nothing: everything is read again, nothing posted twice.
			if got := func() int64 {
				before := keys.n.Load()
				if err := p.poll(t.Context(), newTerm(l, time.Now())); err != nil {
					t.Fatal(err)
				}
				return keys.n.Load() - before
			}(); got < 2*n {
				t.Errorf("a new term's poll handed %d keys to scripts, want every alert's records read", got)
			}
			assertOnce(t, e.slack.Snapshot(), socChannel, ids)
		})
	}
}
