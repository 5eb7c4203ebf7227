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

// apT0 is the injected clock the approval tests run at; Redis's own clock only
// runs the TTLs.
var apT0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// TestApprovalContract runs the approval state machine against every server.
func TestApprovalContract(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				name string
				run  func(t *testing.T, ctx context.Context, st *store.Store)
			}{
				{"CreateAndRead", testCreateAndRead},
				{"QuorumOfTwo", testQuorumOfTwo},
				{"Deny", testDeny},
				{"Expiry", testExpiry},
				{"ExecuteOnce", testExecuteOnce},
				{"FollowAction", testFollowAction},
				{"CancelOnce", testCancelOnce},
				{"AutoApproved", testAutoApproved},
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

func newReq(id string, required int) store.NewApproval {
	return store.NewApproval{ID: id, State: store.ApprovalPending, Requester: "U1", Required: required,
		Created: apT0, Expires: apT0.Add(30 * time.Minute), Payload: []byte(`{"verb":"isolate"}`)}
}

func mustCreate(t *testing.T, st *store.Store, a store.NewApproval) {
	t.Helper()
	if err := st.CreateApproval(t.Context(), a); err != nil {
		t.Fatalf("CreateApproval(%s): %v", a.ID, err)
	}
}

// wantTr checks a transition's outcome and resulting state.
func wantTr(t *testing.T, what string, tr store.Transition, err error, outcome store.Outcome, state store.ApprovalState) store.Approval {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if tr.Outcome != outcome || tr.Approval.State != state {
		t.Fatalf("%s = %s, state %s; want %s, state %s", what, tr.Outcome, tr.Approval.State, outcome, state)
	}
	return tr.Approval
}

func testCreateAndRead(t *testing.T, ctx context.Context, st *store.Store) {
	mustCreate(t, st, newReq("r1", 1))
	if err := st.CreateApproval(ctx, newReq("r1", 1)); !errors.Is(err, store.ErrExists) {
		t.Fatalf("second create = %v, want ErrExists", err)
	}
	if err := st.SetApprovalCard(ctx, "r1", "C1", "1.2"); err != nil {
		t.Fatal(err)
	}
	got, err := st.Approval(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	wantA := store.Approval{ID: "r1", State: store.ApprovalPending, Requester: "U1", Required: 1, Created: apT0,
		Expires: apT0.Add(30 * time.Minute), Payload: []byte(`{"verb":"isolate"}`), CardChannel: "C1", CardTS: "1.2"}
	if diff := cmp.Diff(wantA, got); diff != "" {
		t.Errorf("approval (-want +got):\n%s", diff)
	}
	if _, err := st.Approval(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown id = %v, want ErrNotFound", err)
	}
	if err := st.SetApprovalCard(ctx, "nope", "C1", "1.2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("card of unknown id = %v, want ErrNotFound", err)
	}
	if _, err := st.VoteApproval(ctx, "nope", "U2", apT0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("vote on unknown id = %v, want ErrNotFound", err)
	}
	for _, bad := range []store.NewApproval{{ID: "x"}, {ID: "x", Requester: "U1", State: "done", Created: apT0, Expires: apT0.Add(time.Minute)},
		{ID: "x", Requester: "U1", State: store.ApprovalPending, Created: apT0, Expires: apT0}} {
		if err := st.CreateApproval(ctx, bad); err == nil {
			t.Errorf("CreateApproval(%+v) succeeded", bad)
		}
	}
}

func testQuorumOfTwo(t *testing.T, ctx context.Context, st *store.Store) {
	mustCreate(t, st, newReq("r2", 2))
	now := apT0.Add(time.Minute)
	tr, err := st.VoteApproval(ctx, "r2", "U1", now)
	wantTr(t, "requester's vote", tr, err, store.OutcomeOwn, store.ApprovalPending)
	tr, err = st.VoteApproval(ctx, "r2", "U2", now)
	a := wantTr(t, "first vote", tr, err, store.OutcomeCounted, store.ApprovalPending)
	if !a.Voted("U2") || len(a.Votes) != 1 {
		t.Errorf("votes = %+v", a.Votes)
	}
	tr, err = st.VoteApproval(ctx, "r2", "U2", now.Add(time.Second))
	wantTr(t, "second vote by the same person", tr, err, store.OutcomeAgain, store.ApprovalPending)
	tr, err = st.VoteApproval(ctx, "r2", "U3", now.Add(2*time.Second))
	a = wantTr(t, "second approver", tr, err, store.OutcomeApproved, store.ApprovalApproved)
	if diff := cmp.Diff([]store.Vote{{"U2", now}, {"U3", now.Add(2 * time.Second)}}, a.Votes); diff != "" {
		t.Errorf("votes (-want +got):\n%s", diff)
	}
	tr, err = st.VoteApproval(ctx, "r2", "U4", now)
	wantTr(t, "vote after approval", tr, err, store.OutcomeClosed, store.ApprovalApproved)
	tr, err = st.DenyApproval(ctx, "r2", "U4", "too late", now)
	wantTr(t, "deny after approval", tr, err, store.OutcomeClosed, store.ApprovalApproved)
	active, err := st.ActiveApprovals(ctx, now.Add(time.Hour), 10)
	if err != nil || len(active) != 1 || active[0] != "r2" {
		t.Errorf("active = %v, %v", active, err)
	}
	due, err := st.DueApprovals(ctx, now.Add(time.Hour), 10)
	if err != nil || len(due) != 0 {
		t.Errorf("an approved request is still due: %v, %v", due, err)
	}
}

func testDeny(t *testing.T, ctx context.Context, st *store.Store) {
	mustCreate(t, st, newReq("r3", 1))
	tr, err := st.DenyApproval(ctx, "r3", "U2", "wrong host", apT0.Add(time.Minute))
	a := wantTr(t, "deny", tr, err, store.OutcomeChanged, store.ApprovalDenied)
	if a.DecidedBy != "U2" || a.Reason != "wrong host" || !a.DecidedAt.Equal(apT0.Add(time.Minute)) {
		t.Errorf("denied = %+v", a)
	}
	tr, err = st.VoteApproval(ctx, "r3", "U3", apT0.Add(2*time.Minute))
	wantTr(t, "vote after deny", tr, err, store.OutcomeClosed, store.ApprovalDenied)
	tr, err = st.DenyApproval(ctx, "r3", "U3", "again", apT0.Add(2*time.Minute))
	wantTr(t, "second deny", tr, err, store.OutcomeClosed, store.ApprovalDenied)
	tr, err = st.ClaimExecution(ctx, "r3", "replica-a", apT0.Add(2*time.Minute))
	wantTr(t, "claim after deny", tr, err, store.OutcomeClosed, store.ApprovalDenied)
}

func testExpiry(t *testing.T, ctx context.Context, st *store.Store) {
	mustCreate(t, st, newReq("r4", 1))
	mustCreate(t, st, newReq("r5", 1))
	before, after := apT0.Add(29*time.Minute), apT0.Add(30*time.Minute)
	if due, err := st.DueApprovals(ctx, before, 10); err != nil || len(due) != 0 {
		t.Fatalf("due before expiry: %v, %v", due, err)
	}
	tr, err := st.ExpireApproval(ctx, "r4", before, "timed out")
	wantTr(t, "expire early", tr, err, store.OutcomeEarly, store.ApprovalPending)
	due, err := st.DueApprovals(ctx, after, 10)
	if err != nil || len(due) != 2 {
		t.Fatalf("due at expiry: %v, %v", due, err)
	}
	tr, err = st.ExpireApproval(ctx, "r4", after, "timed out")
	a := wantTr(t, "expire", tr, err, store.OutcomeChanged, store.ApprovalExpired)
	if a.Reason != "timed out" {
		t.Errorf("reason %q", a.Reason)
	}
	tr, err = st.ExpireApproval(ctx, "r4", after, "timed out")
	wantTr(t, "expire twice", tr, err, store.OutcomeClosed, store.ApprovalExpired)
	// A late click finds the other one past its expiry and expires it itself.
	tr, err = st.VoteApproval(ctx, "r5", "U2", after.Add(time.Hour))
	wantTr(t, "late vote", tr, err, store.OutcomeExpired, store.ApprovalExpired)
	tr, err = st.DenyApproval(ctx, "r5", "U2", "late", after.Add(time.Hour))
	wantTr(t, "late deny", tr, err, store.OutcomeClosed, store.ApprovalExpired)
	if due, err := st.DueApprovals(ctx, after.Add(time.Hour), 10); err != nil || len(due) != 0 {
		t.Errorf("due after expiry: %v, %v", due, err)
	}
}

func approve(t *testing.T, st *store.Store, id string) {
	t.Helper()
	tr, err := st.VoteApproval(t.Context(), id, "U2", apT0.Add(time.Minute))
	wantTr(t, "approve "+id, tr, err, store.OutcomeApproved, store.ApprovalApproved)
}

func testExecuteOnce(t *testing.T, ctx context.Context, st *store.Store) {
	mustCreate(t, st, newReq("r6", 1))
	tr, err := st.ClaimExecution(ctx, "r6", "a", apT0)
	wantTr(t, "claim before approval", tr, err, store.OutcomeClosed, store.ApprovalPending)
	approve(t, st, "r6")
	now := apT0.Add(2 * time.Minute)
	tr, err = st.ClaimExecution(ctx, "r6", "a", now)
	a := wantTr(t, "claim", tr, err, store.OutcomeChanged, store.ApprovalExecuting)
	if a.Executor != "a" || !a.ExecutedAt.Equal(now) {
		t.Errorf("executing = %+v", a)
	}
	tr, err = st.ClaimExecution(ctx, "r6", "b", now)
	wantTr(t, "second claim", tr, err, store.OutcomeClosed, store.ApprovalExecuting)
	e := store.Execution{State: store.ApprovalDone, ActionID: "act-1", ActionStatus: "Pending", At: now}
	tr, err = st.FinishExecution(ctx, "r6", "b", e)
	wantTr(t, "finish by another owner", tr, err, store.OutcomeClosed, store.ApprovalExecuting)
	tr, err = st.FinishExecution(ctx, "r6", "a", e)
	a = wantTr(t, "finish", tr, err, store.OutcomeChanged, store.ApprovalDone)
	if a.ActionID != "act-1" || a.ActionStatus != "Pending" || !a.FinishedAt.IsZero() {
		t.Errorf("done = %+v", a)
	}
	tr, err = st.FinishExecution(ctx, "r6", "a", e)
	wantTr(t, "finish twice", tr, err, store.OutcomeClosed, store.ApprovalDone)
	if active, err := st.ActiveApprovals(ctx, now.Add(time.Hour), 10); err != nil || len(active) != 0 {
		t.Errorf("active after finish: %v, %v", active, err)
	}
}

func testFollowAction(t *testing.T, ctx context.Context, st *store.Store) {
	mustCreate(t, st, newReq("r7", 1))
	approve(t, st, "r7")
	now := apT0.Add(2 * time.Minute)
	_, _ = st.ClaimExecution(ctx, "r7", "a", now)
	_, err := st.FinishExecution(ctx, "r7", "a", store.Execution{State: store.ApprovalDone, ActionID: "act-7", ActionStatus: "Pending", At: now})
	if err != nil {
		t.Fatal(err)
	}
	if ids, err := st.FollowedApprovals(ctx, 10); err != nil || len(ids) != 1 || ids[0] != "r7" {
		t.Fatalf("followed = %v, %v", ids, err)
	}
	tr, err := st.ClaimPoll(ctx, "r7", now, 10*time.Second)
	wantTr(t, "poll", tr, err, store.OutcomeChanged, store.ApprovalDone)
	tr, err = st.ClaimPoll(ctx, "r7", now.Add(9*time.Second), 10*time.Second)
	wantTr(t, "poll again too soon", tr, err, store.OutcomeEarly, store.ApprovalDone)
	tr, err = st.ClaimPoll(ctx, "r7", now.Add(10*time.Second), 10*time.Second)
	wantTr(t, "poll when due", tr, err, store.OutcomeChanged, store.ApprovalDone)
	tr, err = st.SetActionStatus(ctx, "r7", "Pending", now)
	wantTr(t, "same status", tr, err, store.OutcomeSame, store.ApprovalDone)
	tr, err = st.SetActionStatus(ctx, "r7", "InProgress", now)
	wantTr(t, "in progress", tr, err, store.OutcomeChanged, store.ApprovalDone)
	tr, err = st.SetActionStatus(ctx, "r7", "Succeeded", now.Add(time.Minute))
	a := wantTr(t, "succeeded", tr, err, store.OutcomeChanged, store.ApprovalDone)
	if a.ActionStatus != "Succeeded" || !a.FinishedAt.Equal(now.Add(time.Minute)) {
		t.Errorf("final = %+v", a)
	}
	tr, err = st.SetActionStatus(ctx, "r7", "Failed", now.Add(2*time.Minute))
	wantTr(t, "after final", tr, err, store.OutcomeClosed, store.ApprovalDone)
	if ids, err := st.FollowedApprovals(ctx, 10); err != nil || len(ids) != 0 {
		t.Errorf("still followed: %v, %v", ids, err)
	}
	tr, err = st.MarkPackagePosted(ctx, "r7", now)
	wantTr(t, "package", tr, err, store.OutcomeChanged, store.ApprovalDone)
	tr, err = st.MarkPackagePosted(ctx, "r7", now)
	wantTr(t, "package twice", tr, err, store.OutcomeAgain, store.ApprovalDone)
}

func testCancelOnce(t *testing.T, ctx context.Context, st *store.Store) {
	mustCreate(t, st, newReq("r9", 1))
	tr, err := st.ClaimCancel(ctx, "r9", "U3", "wrong host", apT0)
	wantTr(t, "cancel before execution", tr, err, store.OutcomeClosed, store.ApprovalPending)
	approve(t, st, "r9")
	_, _ = st.ClaimExecution(ctx, "r9", "a", apT0)
	_, _ = st.FinishExecution(ctx, "r9", "a", store.Execution{State: store.ApprovalDone, ActionID: "act-9", ActionStatus: "Pending", At: apT0})
	tr, err = st.ClaimCancel(ctx, "r9", "U3", "wrong host", apT0)
	a := wantTr(t, "cancel", tr, err, store.OutcomeChanged, store.ApprovalDone)
	if a.CancelBy != "U3" || a.CancelReason != "wrong host" {
		t.Errorf("cancel = %+v", a)
	}
	tr, err = st.ClaimCancel(ctx, "r9", "U4", "me too", apT0)
	wantTr(t, "second cancel", tr, err, store.OutcomeAgain, store.ApprovalDone)
	tr, err = st.ReleaseCancel(ctx, "r9", "U4")
	wantTr(t, "release by another", tr, err, store.OutcomeClosed, store.ApprovalDone)
	tr, err = st.ReleaseCancel(ctx, "r9", "U3")
	wantTr(t, "release", tr, err, store.OutcomeChanged, store.ApprovalDone)
	tr, err = st.ClaimCancel(ctx, "r9", "U4", "me too", apT0)
	wantTr(t, "cancel after release", tr, err, store.OutcomeChanged, store.ApprovalDone)
}

func testAutoApproved(t *testing.T, ctx context.Context, st *store.Store) {
	a := newReq("r10", 0)
	a.State = store.ApprovalApproved
	mustCreate(t, st, a)
	if ids, err := st.ActiveApprovals(ctx, apT0, 10); err != nil || len(ids) != 1 {
		t.Fatalf("active = %v, %v", ids, err)
	}
	tr, err := st.VoteApproval(ctx, "r10", "U2", apT0)
	wantTr(t, "vote on an auto-approved request", tr, err, store.OutcomeClosed, store.ApprovalApproved)
	tr, err = st.ClaimExecution(ctx, "r10", "a", apT0)
	wantTr(t, "claim", tr, err, store.OutcomeChanged, store.ApprovalExecuting)
}
