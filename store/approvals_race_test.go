package store_test

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
	"github.com/redis/go-redis/v9"
)

// Fifty approvers click at once on a request that needs two approvals, each
// through its own Store (as replicas would): exactly one click completes the
// quorum, exactly two votes count, and of fifty execution claims exactly one
// wins.
func TestConcurrentVotesOneWinner(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			mustCreate(t, store.New(srv.Client, srv.Prefix), newReq("race", 2))
			const n = 50
			outcomes := make([]store.Outcome, n)
			claims := make([]store.Outcome, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					st := store.New(srv.Client, srv.Prefix)
					<-start
					tr, err := st.VoteApproval(ctx, "race", fmt.Sprintf("U%03d", i), apT0.Add(time.Minute))
					if err != nil {
						t.Error(err)
						return
					}
					outcomes[i] = tr.Outcome
					tr, err = st.ClaimExecution(ctx, "race", fmt.Sprintf("replica-%d", i), apT0.Add(time.Minute))
					if err != nil {
						t.Error(err)
						return
					}
					claims[i] = tr.Outcome
				})
			}
			close(start)
			wg.Wait()
			count := func(os []store.Outcome, o store.Outcome) int {
				c := 0
				for _, x := range os {
					if x == o {
						c++
					}
				}
				return c
			}
			if a, c, cl := count(outcomes, store.OutcomeApproved), count(outcomes, store.OutcomeCounted), count(outcomes, store.OutcomeClosed); a != 1 || c != 1 || cl != n-2 {
				t.Errorf("outcomes: %d approved, %d counted, %d closed; want 1, 1, %d", a, c, cl, n-2)
			}
			if w := count(claims, store.OutcomeChanged); w != 1 {
				t.Errorf("%d execution claims won, want 1", w)
			}
			got, err := store.New(srv.Client, srv.Prefix).Approval(ctx, "race")
			if err != nil || len(got.Votes) != 2 || got.State != store.ApprovalExecuting {
				t.Errorf("after the race: %+v, %v", got, err)
			}
		})
	}
}

// With Redis unreachable every approval call fails with ErrUnavailable, so
// the caller can refuse and run nothing.
func TestApprovalsUnavailable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there any more
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond,
		DialerRetries: 1, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })
	st := store.New(rdb, "dead")
	ctx := t.Context()
	checks := map[string]error{
		"create": st.CreateApproval(ctx, newReq("x", 1)),
		"card":   st.SetApprovalCard(ctx, "x", "C1", "1.1"),
	}
	_, checks["get"] = st.Approval(ctx, "x")
	_, checks["vote"] = st.VoteApproval(ctx, "x", "U2", apT0)
	_, checks["deny"] = st.DenyApproval(ctx, "x", "U2", "no", apT0)
	_, checks["expire"] = st.ExpireApproval(ctx, "x", apT0, "late")
	_, checks["claim"] = st.ClaimExecution(ctx, "x", "a", apT0)
	_, checks["due"] = st.DueApprovals(ctx, apT0, 10)
	_, checks["followed"] = st.FollowedApprovals(ctx, 10)
	_, checks["audit"] = st.AppendAudit(ctx, store.AuditEvent{Event: "requested"})
	_, checks["query"] = st.Audit(ctx, store.AuditFilter{})
	for name, err := range checks {
		if !errors.Is(err, store.ErrUnavailable) || !store.IsUnavailable(err) {
			t.Errorf("%s: %v, want ErrUnavailable", name, err)
		}
	}
}
