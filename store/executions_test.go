package store_test

import (
	"testing"
	"time"

	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

// far is a replica clock a year ahead: the takeover decisions must not follow it.
var far = apT0.Add(365 * 24 * time.Hour)

// TestExecutionLease: an execution is its owner's while the owner renews its lease; once the lease
// runs out on the Redis server another replica takes it over, and the old owner can neither renew
// nor finish any more. A replica whose clock runs ahead cannot take over early.
func TestExecutionLease(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			lease := store.DefaultExecutionLease
			if srv.FastForward == nil {
				lease = 300 * time.Millisecond // a real server's TTLs run in real time
			}
			st := store.New(srv.Client, srv.Prefix, store.WithExecutionLease(lease))
			mustCreate(t, st, newReq("x1", 1))
			approve(t, st, "x1")
			tr, err := st.ClaimExecution(ctx, "x1", "a", apT0)
			wantTr(t, "claim", tr, err, store.OutcomeChanged, store.ApprovalExecuting)

			tr, err = st.TakeoverExecution(ctx, "x1", "b", far, store.TakeoverPolicy{Late: time.Hour})
			wantTr(t, "takeover of a live lease, clock a year ahead", tr, err, store.OutcomeEarly, store.ApprovalExecuting)
			if ok, err := st.RenewExecution(ctx, "x1", "a"); !ok || err != nil {
				t.Fatalf("renew by the owner = %v, %v", ok, err)
			}
			if ok, err := st.RenewExecution(ctx, "x1", "b"); ok || err != nil {
				t.Fatalf("renew by another = %v, %v", ok, err)
			}

			runOutLease(t, srv, st, "x1")
			if ok, err := st.RenewExecution(ctx, "x1", "a"); ok || err != nil {
				t.Fatalf("renew after the lease ran out = %v, %v", ok, err)
			}
			tr, err = st.TakeoverExecution(ctx, "x1", "b", apT0, store.TakeoverPolicy{Late: time.Hour})
			a := wantTr(t, "takeover", tr, err, store.OutcomeTaken, store.ApprovalExecuting)
			if a.Executor != "b" || a.Takeovers != 1 {
				t.Errorf("taken over = %+v", a)
			}
			tr, err = st.TakeoverExecution(ctx, "x1", "c", apT0, store.TakeoverPolicy{Late: time.Hour})
			wantTr(t, "second takeover", tr, err, store.OutcomeEarly, store.ApprovalExecuting)
			e := store.Execution{State: store.ApprovalDone, ActionID: "act-1", ActionStatus: "Pending", At: apT0}
			tr, err = st.FinishExecution(ctx, "x1", "a", e)
			wantTr(t, "finish by the dead owner", tr, err, store.OutcomeClosed, store.ApprovalExecuting)
			tr, err = st.FinishExecution(ctx, "x1", "b", e)
			wantTr(t, "finish by the new owner", tr, err, store.OutcomeChanged, store.ApprovalDone)
			if n, err := srv.Client.Exists(ctx, srv.Prefix+":approval-lease:{x1}").Result(); n != 0 || err != nil {
				t.Errorf("lease left after finish: %d, %v", n, err)
			}
			tr, err = st.TakeoverExecution(ctx, "x1", "c", apT0, store.TakeoverPolicy{Late: time.Hour})
			wantTr(t, "takeover of a finished request", tr, err, store.OutcomeClosed, store.ApprovalDone)
			assertAllKeysExpire(t, srv)
		})
	}
}

// runOutLease ends id's execution lease the way time does: FastForward on the embedded server, the
// real TTL on a real one.
func runOutLease(t *testing.T, srv storetest.Server, st *store.Store, id string) {
	t.Helper()
	if srv.FastForward != nil {
		srv.FastForward(st.ExecutionLease())
		return
	}
	key := srv.Prefix + ":approval-lease:{" + id + "}"
	for {
		left, err := srv.Client.PTTL(t.Context(), key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if left == -2 { // the key is gone (PTTL answers 0 for a key in its last millisecond)
			return
		}
		select {
		case <-t.Context().Done():
			t.Fatal(t.Context().Err())
		case <-time.After(max(left, time.Millisecond)):
		}
	}
}

// TestExecutionStart: an approved request nobody started is the approving replica's for the start
// grace, then any replica's; never started for too long, it is late. Both are judged by the Redis
// server's clock, whatever the replica's says.
func TestExecutionStart(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			st := store.New(srv.Client, srv.Prefix)
			for _, tc := range []struct {
				id      string
				p       store.TakeoverPolicy
				outcome store.Outcome
				state   store.ApprovalState
			}{
				{"s1", store.TakeoverPolicy{StartGrace: time.Hour, Late: 2 * time.Hour}, store.OutcomeEarly, store.ApprovalApproved},
				{"s2", store.TakeoverPolicy{Late: time.Hour}, store.OutcomeStarted, store.ApprovalExecuting},
				{"s3", store.TakeoverPolicy{Late: time.Nanosecond}, store.OutcomeLate, store.ApprovalApproved},
			} {
				mustCreate(t, st, newReq(tc.id, 1))
				approve(t, st, tc.id)
				tr, err := st.TakeoverExecution(ctx, tc.id, "b", far, tc.p)
				a := wantTr(t, tc.id, tr, err, tc.outcome, tc.state)
				if tc.outcome == store.OutcomeStarted && a.Executor != "b" {
					t.Errorf("%s: started for %q", tc.id, a.Executor)
				}
			}
			tr, err := st.ClaimExecution(ctx, "s2", "a", apT0)
			wantTr(t, "claim after another replica started it", tr, err, store.OutcomeClosed, store.ApprovalExecuting)
			// Approved at creation (no approval needed) counts from its creation.
			auto := newReq("s4", 0)
			auto.State = store.ApprovalApproved
			mustCreate(t, st, auto)
			tr, err = st.TakeoverExecution(ctx, "s4", "b", far, store.TakeoverPolicy{StartGrace: time.Hour, Late: 2 * time.Hour})
			wantTr(t, "auto-approved within the grace", tr, err, store.OutcomeEarly, store.ApprovalApproved)
			assertAllKeysExpire(t, srv)
		})
	}
}
