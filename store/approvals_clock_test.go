package store_test

import (
	"testing"
	"time"

	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

// year is how far off the skewed replicas' clocks are.
const year = 365 * 24 * time.Hour

// serverClock reads and moves the Redis server's clock, which decides expiry. The embedded
// server's is fixed and moved by hand. A real server's cannot be told: its deadlines in these
// tests are a millisecond away, and pass waits on its TIME for them (a few milliseconds).
type serverClock struct {
	t   *testing.T
	srv storetest.Server
	at  time.Time
}

func newServerClock(t *testing.T, srv storetest.Server) *serverClock {
	c := &serverClock{t: t, srv: srv}
	if srv.SetTime != nil {
		c.at = time.Now().UTC().Truncate(time.Millisecond)
		srv.SetTime(c.at)
	}
	return c
}

// now is the server's time.
func (c *serverClock) now() time.Time {
	c.t.Helper()
	if c.srv.SetTime != nil {
		return c.at
	}
	at, err := c.srv.Client.Time(c.t.Context()).Result()
	if err != nil {
		c.t.Fatal(err)
	}
	return at.UTC().Truncate(time.Millisecond) // the records keep milliseconds
}

// soon is a deadline that pass gets past.
func (c *serverClock) soon() time.Duration {
	if c.srv.SetTime != nil {
		return 30 * time.Minute
	}
	return time.Millisecond
}

// pass moves the server's clock past soon() after from (a server time read after the deadline
// was set).
func (c *serverClock) pass(from time.Time) {
	c.t.Helper()
	to := from.Add(c.soon() + time.Millisecond)
	if c.srv.SetTime != nil {
		c.at = to
		c.srv.SetTime(to)
		return
	}
	for range 100_000 {
		if !c.now().Before(to) {
			return
		}
	}
	c.t.Fatalf("the server's clock did not reach %v", to)
}

// TestSkewedReplicaCannotMoveExpiry: the Redis server's clock decides a request's expiry. A
// replica whose clock runs a year ahead can neither expire a live request nor find it expired
// when it votes or denies; one a year behind can neither approve an expired request nor keep
// the sweeper from expiring it. (Before, the scripts compared the caller's now with expires.)
func TestSkewedReplicaCannotMoveExpiry(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			st := store.New(srv.Client, srv.Prefix) // as `mdebot run` makes it
			c := newServerClock(t, srv)
			// create is a request by a replica with a right clock, open for open.
			create := func(id string, required int, open time.Duration) {
				now := c.now()
				mustCreate(t, st, store.NewApproval{ID: id, State: store.ApprovalPending, Requester: "U1", Required: required,
					Created: now, Expires: now.Add(open), Payload: []byte(`{}`)})
			}
			create("live1", 2, 30*time.Minute)
			create("live2", 1, 30*time.Minute)
			ahead := c.now().Add(year)
			tr, err := st.ExpireApproval(ctx, "live1", ahead, "timed out")
			wantTr(t, "sweep of a live request, clock a year ahead", tr, err, store.OutcomeEarly, store.ApprovalPending)
			tr, err = st.VoteApproval(ctx, "live1", "U2", ahead)
			wantTr(t, "vote on a live request, clock a year ahead", tr, err, store.OutcomeCounted, store.ApprovalPending)
			tr, err = st.DenyApproval(ctx, "live2", "U2", "wrong host", ahead)
			a := wantTr(t, "deny of a live request, clock a year ahead", tr, err, store.OutcomeChanged, store.ApprovalDenied)
			if !a.DecidedAt.Equal(ahead) {
				t.Errorf("decided at %v, want the caller's %v on the record", a.DecidedAt, ahead)
			}

			create("old1", 1, c.soon())
			create("old2", 1, c.soon())
			create("old3", 1, c.soon())
			c.pass(c.now())
			behind := c.now().Add(-year)
			tr, err = st.VoteApproval(ctx, "old1", "U2", behind)
			wantTr(t, "vote on an expired request, clock a year behind", tr, err, store.OutcomeExpired, store.ApprovalExpired)
			tr, err = st.DenyApproval(ctx, "old2", "U2", "no", behind)
			wantTr(t, "deny of an expired request, clock a year behind", tr, err, store.OutcomeExpired, store.ApprovalExpired)
			tr, err = st.ExpireApproval(ctx, "old3", behind, "timed out")
			wantTr(t, "sweep of an expired request, clock a year behind", tr, err, store.OutcomeChanged, store.ApprovalExpired)
			if _, err := st.ClaimExecution(ctx, "old1", "a", behind); err != nil {
				t.Fatal(err)
			}
			if got, _ := st.Approval(ctx, "old1"); got.State != store.ApprovalExpired {
				t.Errorf("an expired request ran: %s", got.State)
			}
		})
	}
}

// TestSkewedReplicaCannotHoldPolls: the pace of the looks at a followed action is the server's;
// a replica a year ahead cannot hold every other one off for a year.
func TestSkewedReplicaCannotHoldPolls(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			st := store.New(srv.Client, srv.Prefix)
			c := newServerClock(t, srv)
			now := c.now()
			mustCreate(t, st, store.NewApproval{ID: "p1", State: store.ApprovalApproved, Requester: "U1",
				Created: now, Expires: now.Add(time.Hour), Payload: []byte(`{}`)})
			_, _ = st.ClaimExecution(ctx, "p1", "a", now)
			_, _ = st.FinishExecution(ctx, "p1", "a", store.Execution{State: store.ApprovalDone, ActionID: "act", ActionStatus: "Pending", At: now})
			tr, err := st.ClaimPoll(ctx, "p1", now.Add(year), c.soon())
			wantTr(t, "poll, clock a year ahead", tr, err, store.OutcomeChanged, store.ApprovalDone)
			from := c.now()
			if srv.SetTime != nil { // a real server's millisecond may be over already
				tr, err = st.ClaimPoll(ctx, "p1", from, c.soon())
				wantTr(t, "poll again at once", tr, err, store.OutcomeEarly, store.ApprovalDone)
			}
			c.pass(from)
			tr, err = st.ClaimPoll(ctx, "p1", c.now(), c.soon())
			wantTr(t, "poll after the interval", tr, err, store.OutcomeChanged, store.ApprovalDone)
		})
	}
}
