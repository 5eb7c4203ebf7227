package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

var cmpTimes = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

func testLeaderAndFencing(t *testing.T, ctx context.Context, st *store.Store, _ storetest.Server) {
	a, err := st.ObtainLeader(ctx, "poller", "replica-a", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ObtainLeader(ctx, "poller", "replica-b", time.Minute); !errors.Is(err, store.ErrNotLeader) {
		t.Fatalf("second obtain = %v", err)
	}
	if owner, err := st.LeaderOf(ctx, "poller"); err != nil || owner != "replica-a" {
		t.Fatalf("LeaderOf = %q, %v", owner, err)
	}
	if _, err := st.AlertWatermark(ctx, "poller"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("watermark before the first poll: %v", err)
	}
	if err := st.CommitPoll(ctx, a, t0, store.PollStats{Leader: "replica-a", At: t0, Watermark: t0, Seen: 5, Posted: 2}); err != nil {
		t.Fatal(err)
	}
	if err := a.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	// a's lock is released; b becomes leader with a higher epoch and fences a's writes out.
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := st.ObtainLeader(ctx, "poller", "replica-b", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if b.Epoch() <= a.Epoch() {
		t.Fatalf("epochs a=%d b=%d", a.Epoch(), b.Epoch())
	}
	if err := st.CommitPoll(ctx, a, t0.Add(time.Hour), store.PollStats{}); !errors.Is(err, store.ErrNotLeader) {
		t.Fatalf("stale commit = %v", err)
	}
	if err := a.Refresh(ctx); !errors.Is(err, store.ErrNotLeader) {
		t.Fatalf("stale refresh = %v", err)
	}
	if err := st.CommitPoll(ctx, b, time.Time{}, store.PollStats{Leader: "replica-b", At: t0, Watermark: t0, Seen: 1,
		Below: 3, Held: 2, Refused: "C0SOC not_in_channel"}); err != nil {
		t.Fatal(err)
	}
	if wm, err := st.AlertWatermark(ctx, "poller"); err != nil || !wm.Equal(t0) {
		t.Fatalf("watermark = %v, %v", wm, err)
	}
	last, total, err := st.PollStatus(ctx, "poller")
	if err != nil || last.Leader != "replica-b" || last.Seen != 1 || total.Seen != 6 || total.Posted != 2 || !last.Watermark.Equal(t0) {
		t.Fatalf("PollStatus = %+v %+v %v", last, total, err)
	}
	if last.Below != 3 || last.Held != 2 || last.Refused != "C0SOC not_in_channel" || total.Held != 2 {
		t.Fatalf("PollStatus below/held/refused = %+v, totals %+v", last, total)
	}
	if err := b.Release(ctx); err != nil {
		t.Fatal(err)
	}
}
