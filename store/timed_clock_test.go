package store_test

import (
	"testing"
	"time"

	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

// TestSkewedReplicaCannotMoveRelease: the Redis server's clock decides when a containment ends,
// when a release claim's lease ran out, and how far an extension may go. A replica a year ahead
// can neither release early, nor take a held release over, nor extend past the longest
// containment; one a year behind still releases at the end and takes over a lapsed claim.
func TestSkewedReplicaCannotMoveRelease(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			st := store.New(srv.Client, srv.Prefix) // as `mdebot run` makes it
			c := newServerClock(t, srv)
			// contain runs an isolation for hold, by a replica with a right clock.
			contain := func(id string, hold time.Duration) {
				t.Helper()
				now := c.now()
				mustCreate(t, st, store.NewApproval{ID: id, State: store.ApprovalApproved, Requester: "U1",
					Created: now, Expires: now.Add(time.Hour), Payload: []byte(`{}`), Timed: true})
				_, _ = st.ClaimExecution(ctx, id, "r0", now)
				tr, err := st.FinishExecution(ctx, id, "r0", store.Execution{State: store.ApprovalDone, ActionID: "act",
					ActionStatus: "Pending", At: now, ContainFor: hold})
				if err != nil || tr.Approval.Contain.State != store.ReleaseScheduled || !tr.Approval.Contain.Until.Equal(now.Add(hold)) {
					t.Fatalf("contain %s: %+v %v", id, tr.Approval.Contain, err)
				}
			}
			tick := func(id, owner string, now time.Time) store.Outcome {
				t.Helper()
				tr, err := st.TimedTick(ctx, id, store.TimedLook{Owner: owner, Now: now, Lease: 5 * time.Minute, Lead: time.Minute, Poll: time.Minute})
				if err != nil {
					t.Fatal(err)
				}
				return tr.Outcome
			}

			contain("long", 2*time.Hour)
			ahead := c.now().Add(year)
			if got := tick("long", "r1", ahead); got != store.OutcomeEarly {
				t.Errorf("a live containment, clock a year ahead: %s, want early", got)
			}
			tr, err := st.ExtendContainment(ctx, "long", "ext1", 8*24*time.Hour, ahead, 7*24*time.Hour)
			if err != nil || tr.Outcome != store.OutcomeLimit {
				t.Errorf("an extension past 7 days, clock a year ahead: %s %v, want limit", tr.Outcome, err)
			}
			tr, err = st.ExtendContainment(ctx, "long", "ext2", 4*time.Hour, c.now().Add(-year), 7*24*time.Hour)
			if err != nil || tr.Outcome != store.OutcomeChanged {
				t.Errorf("an extension by 4 h, clock a year behind: %s %v, want changed", tr.Outcome, err)
			}

			contain("short", c.soon())
			c.pass(c.now())
			if got := tick("short", "r1", c.now().Add(-year)); got != store.OutcomeRelease {
				t.Fatalf("a containment at its end, clock a year behind: %s, want release", got)
			}
			if got := tick("short", "r2", c.now().Add(year)); got != store.OutcomeHeld {
				t.Errorf("a held release, clock a year ahead: %s, want held", got)
			}
			// The holder gives it back for soon(), by a clock a year ahead; a replica with a
			// right clock claims it once that passed on the server.
			tr, err = st.RetryRelease(ctx, "short", "r1", c.now().Add(year), c.soon(), "Defender busy")
			if err != nil || tr.Outcome != store.OutcomeChanged {
				t.Fatalf("retry: %s %v", tr.Outcome, err)
			}
			c.pass(c.now())
			if got := tick("short", "r3", c.now()); got != store.OutcomeRelease {
				t.Errorf("a release given back, after its delay: %s, want release", got)
			}
		})
	}
}
