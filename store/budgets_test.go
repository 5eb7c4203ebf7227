package store_test

import (
	"testing"
	"time"

	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

// minutePlan is MDE's 100 calls a minute: a reserve of 20 (burst 10, one more every 6 s) and a
// shared part of 80 (burst 40, one more every 1.5 s), as defender.Limits.Plan makes it.
var minutePlan = map[string][]store.BudgetWindow{"machine_actions": {{
	Shared:  store.BudgetBucket{Burst: 40, Every: 1500 * time.Millisecond},
	Reserve: store.BudgetBucket{Burst: 10, Every: 6 * time.Second},
}}}

func TestBudgetsTakeWindowsAndReserve(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			st := store.New(srv.Client, srv.Prefix)
			now := time.Unix(1_800_000_000, 123_456_000)
			clock := func() time.Time { return now }
			a, b := st.Budgets("mde", minutePlan), st.Budgets("mde", minutePlan)
			a.UseClockForTests(clock)
			b.UseClockForTests(clock)
			ctx := t.Context()
			// Two replicas share 40 look-ups at once, then the next waits 1.5 s.
			for i := range 40 {
				bud := a
				if i%2 == 1 {
					bud = b
				}
				if w, res, n, err := bud.TakeBudget(ctx, "machine_actions", false, 0); err != nil || w != 0 || res {
					t.Fatalf("look-up %d: wait %v reserve %v replicas %d err %v", i, w, res, n, err)
				}
			}
			w, _, n, err := b.TakeBudget(ctx, "machine_actions", false, 0)
			if err != nil || w != 1500*time.Millisecond || n != 2 {
				t.Fatalf("41st look-up: wait %v replicas %d err %v; want 1.5 s and 2 replicas", w, n, err)
			}
			// Refused, it took nothing: asked again, it still waits 1.5 s, not 3 s.
			if w, _, _, _ := a.TakeBudget(ctx, "machine_actions", false, time.Second); w != 1500*time.Millisecond {
				t.Fatalf("a refused look-up took a call: the next waits %v", w)
			}
			// Approved actions find the reserve whole, at once, on either replica.
			for i := range 10 {
				if w, res, _, err := b.TakeBudget(ctx, "machine_actions", true, 0); err != nil || w != 0 || !res {
					t.Fatalf("reserved call %d: wait %v from the reserve %v err %v", i, w, res, err)
				}
			}
			if lv, err := a.BudgetLevels(ctx, "machine_actions"); err != nil || len(lv) != 1 || lv[0] != 0 {
				t.Fatalf("levels %v %v, want [0]", lv, err)
			}
			// A granted wait is a place in the queue: two scheduled calls wait 1.5 s and 3 s.
			if w, _, _, _ := a.TakeBudget(ctx, "machine_actions", false, -1); w != 1500*time.Millisecond {
				t.Fatalf("first scheduled call waits %v", w)
			}
			if w, _, _, _ := b.TakeBudget(ctx, "machine_actions", true, -1); w != 3*time.Second {
				t.Fatalf("second scheduled call (reserve spent) waits %v", w)
			}
			// A minute later the scheduled calls still hold 2 of the 40 (their 3 s have not
			// refilled yet); the reserve is whole. Later both parts are full again.
			now = now.Add(time.Minute)
			if lv, _ := a.BudgetLevels(ctx, "machine_actions"); len(lv) != 1 || lv[0] != 48 {
				t.Fatalf("levels a minute later %v, want [48]", lv)
			}
			now = now.Add(time.Minute)
			if lv, _ := a.BudgetLevels(ctx, "machine_actions"); len(lv) != 1 || lv[0] != 50 {
				t.Fatalf("levels two minutes later %v, want [50]", lv)
			}
			// A family without a plan has no limit and no key.
			if w, _, _, err := a.TakeBudget(ctx, "hunting", false, 0); w != 0 || err != nil {
				t.Fatalf("unplanned family: wait %v err %v", w, err)
			}
			keys, err := srv.Client.Keys(ctx, srv.Prefix+":budget:*").Result()
			if err != nil || len(keys) != 2 {
				t.Fatalf("keys %v %v, want the family's and the replicas'", keys, err)
			}
			for _, k := range keys {
				if ttl := srv.Client.PTTL(ctx, k).Val(); ttl <= 0 {
					t.Errorf("%s has no TTL (%v)", k, ttl)
				}
			}
		})
	}
}

func TestBudgetsPauseEveryReplica(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			st := store.New(srv.Client, srv.Prefix)
			now := time.Unix(1_800_000_000, 0)
			a, b := st.Budgets("mde", minutePlan), st.Budgets("mde", minutePlan)
			a.UseClockForTests(func() time.Time { return now })
			b.UseClockForTests(func() time.Time { return now })
			if err := a.PauseBudgets(t.Context(), 30*time.Second); err != nil {
				t.Fatal(err)
			}
			// A shorter pause does not cut the longer one.
			if err := b.PauseBudgets(t.Context(), 5*time.Second); err != nil {
				t.Fatal(err)
			}
			for _, reserved := range []bool{false, true} {
				w, _, _, err := b.TakeBudget(t.Context(), "machine_actions", reserved, -1)
				if err != nil || w != 30*time.Second {
					t.Fatalf("reserved %v: wait %v err %v, want the other replica's 30 s pause", reserved, w, err)
				}
			}
			// Refused during the pause when the caller cannot wait that long.
			if w, _, _, _ := a.TakeBudget(t.Context(), "machine_actions", true, time.Second); w <= time.Second {
				t.Fatalf("a call went during the pause: wait %v", w)
			}
			now = now.Add(31 * time.Second)
			if w, _, _, _ := a.TakeBudget(t.Context(), "machine_actions", true, 0); w != 0 {
				t.Fatalf("after the pause: wait %v", w)
			}
		})
	}
}
