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

func testMutes(t *testing.T, ctx context.Context, st *store.Store, _ storetest.Server) {
	m1, err := st.AddMute(ctx, store.Mute{Kind: store.MuteTitle, Value: "noisy", Reason: "known", Creator: "U1",
		Until: t0.Add(time.Hour)}, t0)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := st.AddMute(ctx, store.Mute{Kind: store.MuteMachine, Value: "abc", Label: "web01", Reason: "patching",
		Creator: "U2", Until: t0.Add(10 * time.Minute)}, t0)
	if err != nil {
		t.Fatal(err)
	}
	w := st.AlertWrites("a", time.Hour)
	w.CountMuteHits(m1.ID, 3)
	w.CountMuteHits("gone", 1)
	exec(t, w)
	got, err := st.Mutes(ctx, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	m1.Hits = 3
	if diff := cmp.Diff([]store.Mute{m2, m1}, got, cmpTimes); diff != "" {
		t.Fatalf("mutes (-want +got):\n%s", diff)
	}
	if got, _ := st.Mutes(ctx, t0.Add(20*time.Minute)); len(got) != 1 || got[0].ID != m1.ID {
		t.Fatalf("after m2 ended: %+v", got)
	}
	removed, err := st.RemoveMute(ctx, m1.ID)
	if err != nil || removed.Value != "noisy" {
		t.Fatalf("RemoveMute = %+v, %v", removed, err)
	}
	if _, err := st.RemoveMute(ctx, m1.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second RemoveMute = %v", err)
	}
	if _, err := st.AddMute(ctx, store.Mute{Kind: "user", Value: "x", Until: t0.Add(time.Hour)}, t0); err == nil {
		t.Fatal("a mute of an unknown kind was stored")
	}
}
