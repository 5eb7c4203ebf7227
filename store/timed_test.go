package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

// TestTimedContract runs the timed containment scripts against every server.
func TestTimedContract(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				name string
				run  func(t *testing.T, ctx context.Context, st *store.Store)
			}{
				{"ReleaseOnceOnTime", testReleaseOnceOnTime},
				{"LeaseTakeover", testLeaseTakeover},
				{"ExtendOncePerRequest", testExtendOnce},
				{"Stop", testStopRelease},
			} {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					c := srv
					c.Prefix = srv.Prefix + ":" + tc.name
					// The contract runs on an injected clock; approvals_clock_test.go proves the
					// decisions follow the server's clock when the caller's is far off.
					tc.run(t, t.Context(), store.New(c.Client, c.Prefix, store.WithCallerClockForTests()))
					assertAllKeysExpire(t, c)
				})
			}
		})
	}
}

// contained creates an isolation for 30 minutes, approved and run at apT0.
func contained(t *testing.T, st *store.Store, id string) time.Time {
	t.Helper()
	a := newReq(id, 0)
	a.State, a.Timed = store.ApprovalApproved, true
	mustCreate(t, st, a)
	if tr, err := st.ClaimExecution(t.Context(), id, "r1", apT0); err != nil || tr.Outcome != store.OutcomeChanged {
		t.Fatalf("claim: %v %v", tr.Outcome, err)
	}
	tr, err := st.FinishExecution(t.Context(), id, "r1", store.Execution{State: store.ApprovalDone, ActionID: "act-1",
		ActionStatus: "Pending", At: apT0, ContainFor: 30 * time.Minute})
	if err != nil || tr.Approval.Contain.State != store.ReleaseScheduled {
		t.Fatalf("finish: %+v %v", tr.Approval.Contain, err)
	}
	return tr.Approval.Contain.Until
}

func look(owner string, now time.Time) store.TimedLook {
	return store.TimedLook{Owner: owner, Now: now, Lease: 5 * time.Minute, Lead: 15 * time.Minute, Poll: time.Minute}
}

// The reminder is claimed once, 15 minutes before the end; the release never before the end,
// and by exactly one of many concurrent callers at it.
func testReleaseOnceOnTime(t *testing.T, ctx context.Context, st *store.Store) {
	until := contained(t, st, "req-tim1")
	if !until.Equal(apT0.Add(30 * time.Minute)) {
		t.Fatalf("until %v", until)
	}
	if ids, _ := st.DueTimed(ctx, until, 10); len(ids) != 1 {
		t.Fatalf("due at the end: %v", ids)
	}
	for _, at := range []time.Duration{0, 14 * time.Minute} {
		if tr, _ := st.TimedTick(ctx, "req-tim1", look("r1", apT0.Add(at))); tr.Outcome != store.OutcomeEarly {
			t.Errorf("at +%v: %s, want early", at, tr.Outcome)
		}
	}
	if tr, _ := st.TimedTick(ctx, "req-tim1", look("r1", apT0.Add(15*time.Minute))); tr.Outcome != store.OutcomeRemind {
		t.Errorf("at +15m: %s, want remind", tr.Outcome)
	}
	if tr, _ := st.TimedTick(ctx, "req-tim1", look("r2", until.Add(-time.Millisecond))); tr.Outcome != store.OutcomeEarly {
		t.Errorf("a millisecond early: %s, want early (reminded once)", tr.Outcome)
	}
	var mu sync.Mutex
	won := 0
	var wg sync.WaitGroup
	for _, owner := range []string{"r1", "r2", "r3", "r4"} {
		wg.Go(func() {
			tr, err := st.TimedTick(ctx, "req-tim1", look(owner, until))
			if err == nil && tr.Outcome == store.OutcomeRelease {
				mu.Lock()
				won++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d callers claimed the release, want 1", won)
	}
	tr, _ := st.TimedTick(ctx, "req-tim1", look("r1", until))
	if tr.Outcome != store.OutcomeHeld {
		t.Errorf("while held: %s", tr.Outcome)
	}
	owner := tr.Approval.Contain.Owner
	if tr, _ := st.FinishRelease(ctx, "req-tim1", "someone-else", store.Release{State: store.ReleaseReleased}); tr.Outcome != store.OutcomeClosed {
		t.Errorf("a non-holder finished the release: %s", tr.Outcome)
	}
	tr, err := st.FinishRelease(ctx, "req-tim1", owner, store.Release{State: store.ReleaseReleased, ActionID: "act-2", ActionStatus: "Pending", At: until})
	if err != nil || tr.Outcome != store.OutcomeChanged {
		t.Fatalf("finish release: %s %v", tr.Outcome, err)
	}
	if tr, _ := st.TimedTick(ctx, "req-tim1", look("r9", until.Add(time.Hour))); tr.Outcome != store.OutcomePoll {
		t.Errorf("after the release: %s, want poll", tr.Outcome)
	}
	if tr, _ := st.SetReleaseStatus(ctx, "req-tim1", "Succeeded", until.Add(time.Hour)); tr.Outcome != store.OutcomeChanged {
		t.Errorf("status: %s", tr.Outcome)
	}
	if tr, _ := st.TimedTick(ctx, "req-tim1", look("r9", until.Add(2*time.Hour))); tr.Outcome != store.OutcomeClosed {
		t.Errorf("after the release succeeded: %s, want closed", tr.Outcome)
	}
}

// A claim whose holder stopped is taken over once its lease ran out, not before.
func testLeaseTakeover(t *testing.T, ctx context.Context, st *store.Store) {
	until := contained(t, st, "req-tim2")
	if tr, _ := st.TimedTick(ctx, "req-tim2", look("dead", until)); tr.Outcome != store.OutcomeRelease {
		t.Fatalf("first claim: %s", tr.Outcome)
	}
	if tr, _ := st.TimedTick(ctx, "req-tim2", look("live", until.Add(5*time.Minute-time.Millisecond))); tr.Outcome != store.OutcomeHeld {
		t.Errorf("within the lease: %s, want held", tr.Outcome)
	}
	tr, _ := st.TimedTick(ctx, "req-tim2", look("live", until.Add(5*time.Minute)))
	if tr.Outcome != store.OutcomeRelease || tr.Approval.Contain.Owner != "live" || tr.Approval.Contain.Attempts != 2 {
		t.Fatalf("after the lease: %s %+v", tr.Outcome, tr.Approval.Contain)
	}
	if tr, _ := st.FinishRelease(ctx, "req-tim2", "dead", store.Release{State: store.ReleaseReleased}); tr.Outcome != store.OutcomeClosed {
		t.Errorf("the stopped holder finished after the takeover: %s", tr.Outcome)
	}
}

// Each extension request moves the end once; none moves it past the latest end, or after the
// release started.
func testExtendOnce(t *testing.T, ctx context.Context, st *store.Store) {
	until := contained(t, st, "req-tim3")
	latest := 7 * 24 * time.Hour
	tr, err := st.ExtendContainment(ctx, "req-tim3", "req-ext1", 4*time.Hour, apT0, latest)
	if err != nil || tr.Outcome != store.OutcomeChanged || !tr.Approval.Contain.Until.Equal(until.Add(4*time.Hour)) {
		t.Fatalf("extend: %s %v %v", tr.Outcome, tr.Approval.Contain.Until, err)
	}
	if tr, _ := st.ExtendContainment(ctx, "req-tim3", "req-ext1", 4*time.Hour, apT0, latest); tr.Outcome != store.OutcomeAgain ||
		!tr.Approval.Contain.Until.Equal(until.Add(4*time.Hour)) {
		t.Errorf("the same extension again: %s %v", tr.Outcome, tr.Approval.Contain.Until)
	}
	if tr, _ := st.ExtendContainment(ctx, "req-tim3", "req-ext2", 7*24*time.Hour, apT0, latest); tr.Outcome != store.OutcomeLimit {
		t.Errorf("past the latest end: %s", tr.Outcome)
	}
	tr, _ = st.ExtendContainment(ctx, "req-tim3", "req-ext3", 4*time.Hour, apT0, latest)
	if tr.Approval.Contain.Extensions != 2 || !tr.Approval.Contain.Until.Equal(until.Add(8*time.Hour)) {
		t.Errorf("two extensions: %+v", tr.Approval.Contain)
	}
	if tr, _ := st.TimedTick(ctx, "req-tim3", look("r1", until.Add(8*time.Hour))); tr.Outcome != store.OutcomeRelease {
		t.Fatalf("at the new end: %s", tr.Outcome)
	}
	if tr, _ := st.ExtendContainment(ctx, "req-tim3", "req-ext4", time.Hour, apT0, latest); tr.Outcome != store.OutcomeClosed {
		t.Errorf("extension while releasing: %s", tr.Outcome)
	}
}

// A cancelled release never runs; a stop after the release started changes nothing.
func testStopRelease(t *testing.T, ctx context.Context, st *store.Store) {
	until := contained(t, st, "req-tim4")
	tr, err := st.StopRelease(ctx, "req-tim4", store.ReleaseCancelled, "U2", "keep it", apT0)
	if err != nil || tr.Outcome != store.OutcomeChanged || tr.Approval.Contain.By != "U2" {
		t.Fatalf("stop: %s %v", tr.Outcome, err)
	}
	if tr, _ := st.TimedTick(ctx, "req-tim4", look("r1", until)); tr.Outcome != store.OutcomeClosed {
		t.Errorf("cancelled release at its end: %s", tr.Outcome)
	}
	until = contained(t, st, "req-tim5")
	_, _ = st.TimedTick(ctx, "req-tim5", look("r1", until))
	if tr, _ := st.StopRelease(ctx, "req-tim5", store.ReleaseSuperseded, "U2", "x", until); tr.Outcome != store.OutcomeClosed {
		t.Errorf("stop while releasing: %s", tr.Outcome)
	}
	if _, err := st.StopRelease(ctx, "req-tim5", store.ReleaseReleased, "U2", "x", until); err == nil {
		t.Error("stop into released accepted")
	}
}
