package commands

import (
	"context"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
)

// die is a replica that claims request ap, does what send does (or nothing), and stops without
// recording anything: its execution lease is left to run out.
func (f *apprFixture) die(t *testing.T, ap Approval, send func(ctx context.Context, comment string)) {
	t.Helper()
	ctx := t.Context()
	if o := f.ap.Decide(ctx, ap.ID, lead, Approve, "", f.card(ap.ID)); !o.Run {
		t.Fatalf("approve %s: %+v", ap.ID, o)
	}
	ghost, err := f.st.ClaimExecution(ctx, ap.ID, "dead", f.clock.Now())
	if err != nil || ghost.Outcome != store.OutcomeChanged {
		t.Fatalf("claim by the dying replica: %+v %v", ghost, err)
	}
	claimed, _ := fromStore(ghost.Approval)
	if send != nil {
		send(ctx, f.ap.comment(ctx, claimed))
	}
}

// resumeOne sweeps once while the dead replica's lease is live (nothing may happen), runs the lease
// out on the Redis server, sweeps again, and returns the one request that was taken over.
func (f *apprFixture) resumeOne(t *testing.T) Approval {
	t.Helper()
	ctx := t.Context()
	if out, err := f.ap.Resume(ctx); err != nil || len(out) != 0 {
		t.Fatalf("resume while the lease is live: %+v %v", out, err)
	}
	f.ff(f.st.ExecutionLease())
	out, err := f.ap.Resume(ctx)
	if err != nil || len(out) != 1 {
		t.Fatalf("resume after the lease ran out: %+v %v", out, err)
	}
	return out[0].Approval
}

// An isolation whose replica died before or while sending it is taken over as soon as its lease
// runs out (seconds, by the Redis server's clock, not minutes by a replica's), and the device is
// isolated exactly once: what the dead replica sent is found in MDE by the request id and never
// sent again; what it did not send is sent. Neither ends as "ask again".
func TestTakeoverIsolation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		sent bool
	}{{"died before sending", false}, {"died after MDE got it", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newApprFixture(t, ApprovalPolicy{})
			ap := f.request(t, requester, "isolate laptop-bob.contoso.com beacon")
			f.die(t, ap, func(ctx context.Context, comment string) {
				if !tc.sent {
					return
				}
				if _, err := f.env.Client.Isolate(ctx, ap.Request.MachineID, comment, "Full"); err != nil {
					t.Fatal(err)
				}
			})
			got := f.resumeOne(t)
			if got.State != ApprovalDone || got.ActionID == "" || strings.Contains(got.Result, "Ask again") {
				t.Errorf("taken over: %+v", got)
			}
			if tc.sent != strings.Contains(got.Result, "found after the replica sending it stopped") {
				t.Errorf("result %q (sent before dying: %v)", got.Result, tc.sent)
			}
			if n := len(f.posts("/isolate")); n != 1 {
				t.Errorf("%d isolate calls, want 1", n)
			}
			if !strings.Contains(strings.Join(f.sink.events(), ","), "executed mdebot") {
				t.Errorf("audit: %v", f.sink.events())
			}
		})
	}
}

// An approved request whose replica died before it even claimed it is started by another one.
func TestTakeoverNeverStarted(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{})
	ap := f.request(t, requester, "restrict laptop-alice.contoso.com x")
	if o := f.ap.Decide(t.Context(), ap.ID, lead, Approve, "", f.card(ap.ID)); !o.Run {
		t.Fatal(o)
	}
	out, err := f.ap.Resume(t.Context())
	if err != nil || len(out) != 1 || out[0].Approval.State != ApprovalDone || out[0].Approval.ActionID == "" {
		t.Fatalf("resume: %+v %v", out, err)
	}
	if n := len(f.posts("/restrictCodeExecution")); n != 1 {
		t.Errorf("%d restrict calls, want 1", n)
	}
}

// Block, unblock and cancel that a dying replica sent are found in MDE (the indicator by its
// externalID, the indicator gone, the cancel on its action) and never sent again; a cancel that
// never reached MDE is sent once, after looking.
func TestTakeoverIndicatorsAndCancel(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{})

	block := f.request(t, requester, "block evil.example.org phishing kit host")
	f.die(t, block, func(ctx context.Context, comment string) {
		in := defender.IndicatorInput{IndicatorValue: "evil.example.org", IndicatorType: defender.IndicatorDomain, Action: defender.IndicatorBlock,
			Title: "Blocked via mdebot " + block.ID, Description: comment, ExternalID: block.ID, Severity: "High"}
		if _, err := f.env.Client.SubmitIndicator(ctx, in); err != nil {
			t.Fatal(err)
		}
	})
	got := f.resumeOne(t)
	if got.State != ApprovalDone || got.ActionID == "" || len(f.posts("/indicators")) != 1 {
		t.Errorf("block taken over: %+v, %d indicator calls", got, len(f.posts("/indicators")))
	}

	un := f.request(t, requester, "unblock evil.example.org partner CDN")
	f.die(t, un, func(ctx context.Context, _ string) {
		if err := f.env.Client.DeleteIndicator(ctx, un.Request.IndicatorID); err != nil {
			t.Fatal(err)
		}
	})
	if got := f.resumeOne(t); got.State != ApprovalDone || len(f.posts("/indicators/"+un.Request.IndicatorID)) != 1 {
		t.Errorf("unblock taken over: %+v, %d deletes", got, len(f.posts("/indicators/"+un.Request.IndicatorID)))
	}

	iso := f.approveAndRun(t, f.request(t, requester, "isolate laptop-alice.contoso.com beacon"))
	for i, sent := range []bool{true, false} {
		if i == 1 {
			iso = f.approveAndRun(t, f.request(t, requester, "restrict laptop-alice.contoso.com beacon"))
		}
		c := f.request(t, requester, "cancel "+iso.ActionID+" wrong device")
		f.die(t, c, func(ctx context.Context, comment string) {
			if !sent {
				return
			}
			if _, err := f.env.Client.CancelAction(ctx, iso.ActionID, comment); err != nil {
				t.Fatal(err)
			}
		})
		got := f.resumeOne(t)
		if got.State != ApprovalDone || !strings.Contains(got.Result, "Cancelled") {
			t.Errorf("cancel (sent %v) taken over: %+v", sent, got)
		}
		if n := len(f.posts("/machineactions/" + iso.ActionID + "/cancel")); n != 1 {
			t.Errorf("cancel (sent %v): %d cancel calls, want 1", sent, n)
		}
	}
}
