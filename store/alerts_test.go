package store_test

import (
	"context"

	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

// roundTrips counts the round trips a client makes (one per command or pipeline).
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { r.n.Add(1); return next(ctx, cmd) }
}
func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { r.n.Add(1); return next(ctx, cmds) }
}

// TestAlertStateContract runs the alert notification records against every server.
func TestAlertStateContract(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				name string
				run  func(t *testing.T, ctx context.Context, st *store.Store, srv storetest.Server)
			}{
				{"ClaimConfirmUpdate", testClaimConfirmUpdate},
				{"BusyAndTakeover", testBusyAndTakeover},
				{"ReleaseAndFail", testReleaseAndFail},
				{"BatchesArePipelined", testBatchesArePipelined},
				{"ScriptCacheLost", testScriptCacheLost},
				{"Mutes", testMutes},
				{"LeaderAndFencing", testLeaderAndFencing},
			} {
				t.Run(tc.name, func(t *testing.T) {
					c := srv
					c.Prefix = srv.Prefix + ":" + tc.name
					// The contract is checked by a clock the test moves (the server's clock decides
					// in production: TestSkewedReplicaCannotStealClaim, TestSkewedReplicaMutes).
					tc.run(t, t.Context(), store.New(c.Client, c.Prefix, store.WithCallerClockForTests()), c)
					assertTTLs(t, c)
				})
			}
		})
	}
}

var (
	t0     = time.Now().UTC().Truncate(time.Millisecond)
	keyA   = store.AlertKey{Channel: "C1", AlertID: "da1"}
	keyB   = store.AlertKey{Channel: "C1", AlertID: "da2"}
	claimA = store.ClaimOptions{Owner: "a", Now: t0, Lease: time.Minute, Grace: 5 * time.Second, Retention: 24 * time.Hour}
)

func claim(t *testing.T, st *store.Store, o store.ClaimOptions, cs ...store.AlertClaim) []store.ClaimResult {
	t.Helper()
	res, err := st.ClaimAlerts(t.Context(), o, cs)
	if err != nil {
		t.Fatalf("ClaimAlerts: %v", err)
	}
	return res
}

func outcomes(res []store.ClaimResult) []store.ClaimOutcome {
	var out []store.ClaimOutcome
	for _, r := range res {
		out = append(out, r.Outcome)
	}
	return out
}

func exec(t *testing.T, w *store.AlertWrites) []store.AlertKey {
	t.Helper()
	lost, err := w.Exec(t.Context())
	if err != nil {
		t.Fatalf("Exec: %v", err)
	}
	return lost
}

func testClaimConfirmUpdate(t *testing.T, ctx context.Context, st *store.Store, _ storetest.Server) {
	res := claim(t, st, claimA, store.AlertClaim{Key: keyA, Digest: "d1"}, store.AlertClaim{Key: keyB, Digest: "d1"})
	if got := outcomes(res); !cmp.Equal(got, []store.ClaimOutcome{store.Claimed, store.Claimed}) {
		t.Fatalf("first claims = %v", got)
	}
	w := st.AlertWrites("a", 24*time.Hour)
	w.Confirm(keyA, store.Posted{TS: "1.1", Digest: "d1", Kind: "card"})
	w.Confirm(keyB, store.Posted{TS: "1.2", Thread: "1.1", Digest: "d1", Kind: "card"})
	w.SetIncident(store.IncidentKey{Channel: "C1", IncidentID: 7}, store.IncidentThread{TS: "1.1", Severity: "Low"})
	w.SetIncident(store.IncidentKey{Channel: "C1", IncidentID: 9}, store.IncidentThread{TS: "1.3"})
	w.MarkMuted("da9", "d1")
	w.IndexChannel("da1", "C1")
	w.IndexChannel("da1", "C0B")
	w.IndexChannel("da1", "C1")
	if lost := exec(t, w); len(lost) > 0 {
		t.Fatalf("lost %v", lost)
	}
	state, err := st.LoadAlertState(ctx, store.AlertStateQuery{
		Messages:  []store.AlertKey{keyA, keyB, {Channel: "C2", AlertID: "da1"}},
		Incidents: []store.IncidentKey{{Channel: "C1", IncidentID: 7}, {Channel: "C1", IncidentID: 8}, {Channel: "C1", IncidentID: 9}},
		Muted:     []string{"da9", "da8"},
		Channels:  []string{"da1", "da2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := store.AlertState{
		Messages: map[store.AlertKey]store.AlertMessage{
			keyA: {State: store.StatePosted, TS: "1.1", Digest: "d1", Kind: "card"},
			keyB: {State: store.StatePosted, TS: "1.2", Thread: "1.1", Digest: "d1", Kind: "card"},
		},
		Incidents: map[store.IncidentKey]store.IncidentThread{
			{Channel: "C1", IncidentID: 7}: {TS: "1.1", Severity: "Low"},
			{Channel: "C1", IncidentID: 9}: {TS: "1.3"},
		},
		Muted:    map[string]string{"da9": "d1"},
		Channels: map[string][]string{"da1": {"C0B", "C1"}},
	}
	if diff := cmp.Diff(want, state); diff != "" {
		t.Fatalf("state (-want +got):\n%s", diff)
	}
	// The same digest is done; a new one is claimed again, keeping the message.
	res = claim(t, st, claimA, store.AlertClaim{Key: keyA, Digest: "d1"}, store.AlertClaim{Key: keyB, Digest: "d2"})
	if got := outcomes(res); !cmp.Equal(got, []store.ClaimOutcome{store.Done, store.Claimed}) {
		t.Fatalf("second claims = %v", got)
	}
	if res[1].Prev.TS != "1.2" || res[1].Prev.Digest != "d1" {
		t.Fatalf("prev = %+v", res[1].Prev)
	}
	w.Confirm(keyB, store.Posted{TS: "1.2", Thread: "1.1", Digest: "d2", Kind: "card"})
	exec(t, w)
	res = claim(t, st, claimA, store.AlertClaim{Key: keyB, Digest: "d2"})
	if res[0].Outcome != store.Done {
		t.Fatalf("after the edit: %v", res[0].Outcome)
	}
}

func testBusyAndTakeover(t *testing.T, _ context.Context, st *store.Store, _ storetest.Server) {
	claim(t, st, claimA, store.AlertClaim{Key: keyA, Digest: "d1"})
	b := claimA
	b.Owner = "b"
	if res := claim(t, st, b, store.AlertClaim{Key: keyA, Digest: "d1"}); res[0].Outcome != store.Busy {
		t.Fatalf("live lease: %v", res[0].Outcome)
	}
	b.Now = t0.Add(time.Minute + 2*time.Second) // past the lease, inside the grace
	if res := claim(t, st, b, store.AlertClaim{Key: keyA, Digest: "d1"}); res[0].Outcome != store.Busy {
		t.Fatalf("inside grace: %v", res[0].Outcome)
	}
	b.Now = t0.Add(time.Minute + 6*time.Second)
	res := claim(t, st, b, store.AlertClaim{Key: keyA, Digest: "d1"})
	if res[0].Outcome != store.TakenOver || res[0].Prev.Owner != "a" || !res[0].Prev.Attempt.Equal(t0) {
		t.Fatalf("takeover = %+v", res[0])
	}
	// The old owner's confirm is refused and reported; the new owner's goes through.
	wa := st.AlertWrites("a", time.Hour)
	wa.Confirm(keyA, store.Posted{TS: "9.9", Digest: "d1", Kind: "card"})
	if lost := exec(t, wa); !cmp.Equal(lost, []store.AlertKey{keyA}) {
		t.Fatalf("stale confirm lost = %v", lost)
	}
	wb := st.AlertWrites("b", time.Hour)
	wb.Confirm(keyA, store.Posted{TS: "1.1", Digest: "d1", Kind: "card"})
	if lost := exec(t, wb); len(lost) > 0 {
		t.Fatalf("lost %v", lost)
	}
}

func testReleaseAndFail(t *testing.T, ctx context.Context, st *store.Store, _ storetest.Server) {
	claim(t, st, claimA, store.AlertClaim{Key: keyA, Digest: "d1"}, store.AlertClaim{Key: keyB, Digest: "d1"})
	w := st.AlertWrites("a", time.Hour)
	w.Release(keyA)
	w.Fail(keyB, "d1", "channel_not_found")
	w.Renew(keyA, t0, time.Hour) // released already: reported as not owned
	if lost := exec(t, w); !cmp.Equal(lost, []store.AlertKey{keyA}) {
		t.Fatalf("lost = %v", lost)
	}
	res := claim(t, st, claimA, store.AlertClaim{Key: keyA, Digest: "d1"}, store.AlertClaim{Key: keyB, Digest: "d1"},
		store.AlertClaim{Key: keyB, Digest: "d2"})
	// keyB is claimed twice in one batch: the second sees the first's pending claim as its own.
	if got := outcomes(res); !cmp.Equal(got, []store.ClaimOutcome{store.Claimed, store.Done, store.Claimed}) {
		t.Fatalf("after release and fail = %v", got)
	}
	// Releasing a claim on a message that exists keeps the message.
	w.Confirm(keyA, store.Posted{TS: "1.1", Digest: "d1", Kind: "card"})
	exec(t, w)
	claim(t, st, claimA, store.AlertClaim{Key: keyA, Digest: "d3"})
	w.Release(keyA)
	exec(t, w)
	state, err := st.LoadAlertState(ctx, store.AlertStateQuery{Messages: []store.AlertKey{keyA}})
	if err != nil {
		t.Fatal(err)
	}
	if m := state.Messages[keyA]; m.State != store.StatePosted || m.TS != "1.1" || m.Digest != "d1" {
		t.Fatalf("after releasing an edit: %+v", m)
	}
}

func testBatchesArePipelined(t *testing.T, ctx context.Context, _ *store.Store, srv storetest.Server) {
	var rt roundTrips
	srv.Client.AddHook(&rt)
	st := store.New(srv.Client, srv.Prefix)
	const n = 500
	claims := make([]store.AlertClaim, n)
	keys := make([]store.AlertKey, n)
	for i := range claims {
		keys[i] = store.AlertKey{Channel: "C1", AlertID: "a" + string(rune('0'+i%10)) + time.Duration(i).String()}
		claims[i] = store.AlertClaim{Key: keys[i], Digest: "d"}
	}
	before := rt.n.Load()
	if _, err := st.LoadAlertState(ctx, store.AlertStateQuery{Messages: keys}); err != nil {
		t.Fatal(err)
	}
	claim(t, st, claimA, claims...)
	w := st.AlertWrites("a", time.Hour)
	for _, k := range keys {
		w.Confirm(k, store.Posted{TS: "1.1", Digest: "d", Kind: "card"})
	}
	exec(t, w)
	// Three steps for 500 alerts: the reads in round trips of 256 keys, the claims and the
	// confirmations in round trips of 64 (their scripts run a few commands per key), plus one
	// EVAL retry per script step when the server had not seen the scripts yet.
	if got := rt.n.Load() - before; got > 2+8+8+2 {
		t.Errorf("%d round trips for %d alerts", got, n)
	}
}

func testScriptCacheLost(t *testing.T, _ context.Context, st *store.Store, srv storetest.Server) {
	claim(t, st, claimA, store.AlertClaim{Key: keyA, Digest: "d1"})
	if err := srv.Client.ScriptFlush(t.Context()).Err(); err != nil {
		t.Skipf("SCRIPT FLUSH: %v", err)
	}
	w := st.AlertWrites("a", time.Hour)
	w.Confirm(keyA, store.Posted{TS: "1.1", Digest: "d1", Kind: "card"})
	if lost := exec(t, w); len(lost) > 0 {
		t.Fatalf("lost %v", lost)
	}
}

// assertTTLs checks that every key under the prefix expires, except the watermark.
func assertTTLs(t *testing.T, srv storetest.Server) {
	t.Helper()
	ctx := t.Context()
	iter := srv.Client.Scan(ctx, 0, srv.Prefix+":*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		ttl, err := srv.Client.PTTL(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		isWatermark := len(k) > len(srv.Prefix) && containsAll(k, ":alert-watermark:")
		if ttl < 0 && !isWatermark {
			t.Errorf("key %s has no TTL", k)
		}
		if ttl >= 0 && isWatermark {
			t.Errorf("the watermark %s has a TTL", k)
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
}

func containsAll(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
